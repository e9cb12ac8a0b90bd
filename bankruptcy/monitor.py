"""``python -m bankruptcy.monitor``: the command lives in `bankruptcy.cli.monitor`."""

import sys

from bankruptcy.cli.monitor import main

if __name__ == "__main__":
    sys.exit(main())
