"""``python -m bankruptcy.edit``: the command lives in `bankruptcy.cli.edit`."""

import sys

from bankruptcy.cli.edit import main

if __name__ == "__main__":
    sys.exit(main())
