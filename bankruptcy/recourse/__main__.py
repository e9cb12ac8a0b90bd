"""``python -m bankruptcy.recourse MODEL ROWS OUT``: the command is `bankruptcy.cli.recourse`."""

import sys

from bankruptcy.cli.recourse import main

if __name__ == "__main__":
    sys.exit(main())
