"""``python -m bankruptcy.retrain``: the command lives in `bankruptcy.cli.retrain`."""

import sys

from bankruptcy.cli.retrain import main

if __name__ == "__main__":
    sys.exit(main())
