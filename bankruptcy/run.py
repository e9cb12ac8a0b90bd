"""``python -m bankruptcy.run [overrides]``: the command lives in `bankruptcy.cli.run`."""

from bankruptcy.cli.run import console

if __name__ == "__main__":
    console()
