"""``python -m bankruptcy.predict``: the command lives in `bankruptcy.cli.predict`."""

import sys

from bankruptcy.cli.predict import main

if __name__ == "__main__":
    sys.exit(main())
