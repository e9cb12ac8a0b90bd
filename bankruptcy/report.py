"""``python -m bankruptcy.report``: the command lives in `bankruptcy.cli.report`."""

import sys

from bankruptcy.cli.report import main

if __name__ == "__main__":
    sys.exit(main())
