"""``python -m bankruptcy.eda dataset=<name>``: the command lives in `bankruptcy.cli.eda`."""

from bankruptcy.cli.eda import main

if __name__ == "__main__":
    main()
