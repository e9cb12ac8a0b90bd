"""``python -m bankruptcy.registry``: the command lives in `bankruptcy.cli.registry`."""

import sys

from bankruptcy.cli.registry import main

if __name__ == "__main__":
    sys.exit(main())
