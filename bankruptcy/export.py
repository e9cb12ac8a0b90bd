"""``python -m bankruptcy.export``: the command lives in `bankruptcy.cli.export`."""

import sys

from bankruptcy.cli.export import main

if __name__ == "__main__":
    sys.exit(main())
