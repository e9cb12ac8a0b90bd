"""``python -m bankruptcy.serve``: the command lives in `bankruptcy.cli.serve`."""

import sys

from bankruptcy.cli.serve import main

if __name__ == "__main__":
    sys.exit(main())
