"""``python -m bankruptcy.dashboard SWEEP_DIR``: the command lives in `bankruptcy.cli.dashboard`."""

import sys

from bankruptcy.cli.dashboard import main

if __name__ == "__main__":
    sys.exit(main())
