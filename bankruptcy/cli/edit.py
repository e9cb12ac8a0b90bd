"""Edit the shapes of an EBM package (monotone, capped or dropped terms) into a new package.

Examples::

    python -m bankruptcy.edit models:/polish@champion edited --monotone Attr27=decreasing
    python -m bankruptcy.edit outputs/runs/<date>/<time> edited --drop Attr5 \\
        --cap "Attr46=:0.5" --drop "Attr6 & Attr27" --register polish

MODEL is an EBM package (``model=ebm``): ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a
job directory. ``--monotone FEATURE=increasing|decreasing`` makes the feature's shape monotone
(weighted isotonic regression of its bins) and drops its interactions, so the PD is monotone in
it; ``--cap TERM=LOW:HIGH`` clips a term's contribution to the log-odds (either end may be
empty); ``--drop TERM`` removes a term (a feature: every term using it; ``"A & B"``: that pair).
Each option repeats.

The edit is honest: the package's own job is run again (its config, data and seed) with the
edits applied after every fit (``model.edits``), so the new package's CV and hold-out metrics,
calibration map and threshold are the edited model's; it costs one job (about a minute for
Polish year 5). OUT is the new job's directory; its card records the edits and the package
they were made to. ``--register NAME`` registers it as a new version with the ``challenger``
alias (``--alias``): the monitor and the promotion gate treat it like any challenger.
"""

from __future__ import annotations

from bankruptcy.cli.common import parser_for, run
from bankruptcy.core.errors import UserError

DIRECTIONS = {"increasing": 1, "decreasing": -1}


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.edit", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("output", help="directory of the new (edited) job; must not exist")
    parser.add_argument("--monotone", action="append", default=[], metavar="FEATURE=DIRECTION",
                        help="increasing or decreasing")  # fmt: skip
    parser.add_argument("--cap", action="append", default=[], metavar="TERM=LOW:HIGH",
                        help="bounds of the term's contribution (log-odds)")  # fmt: skip
    parser.add_argument("--drop", action="append", default=[], metavar="TERM",
                        help="a feature (all its terms) or a pair 'A & B'")  # fmt: skip
    parser.add_argument("--register", metavar="NAME", help="register the new package as NAME")
    parser.add_argument("--alias", default="challenger", help="alias of the registered version")
    parser.add_argument("--logger", choices=("none", "wandb"), default="none")
    args = parser.parse_args(argv)

    def edit() -> None:
        from bankruptcy.experiment.edit import SUMMARY, edit_package

        edits = parse_edits(args.monotone, args.cap, args.drop)
        package, done = edit_package(args.model, args.output, edits, args.logger)
        for change in done:
            details = ", ".join(f"{k} {v}" for k, v in change.items() if k not in ("edit", "term"))
            print(f"{change['edit']} {change['term']}: {details}")
        before = package.manifest["edited_from"]["metrics"]
        after = package.manifest["metrics"]
        for key in SUMMARY:
            print(f"{key}: {_num(before.get(key))} -> {_num(after.get(key))}")
        print(f"edited package: {package.directory}")
        if args.register:
            from bankruptcy.serving.registry import register

            found = register(package.directory, args.register, alias=args.alias)
            print(f"registered {args.register} version {found.version} as @{args.alias}")

    return run(edit)


def parse_edits(monotone: list[str], cap: list[str], drop: list[str]) -> dict:
    """The ``model.edits`` mapping the command line's options describe.

    Raises
    ------
    UserError
        An option not of the form its help gives.
    """
    edits: dict = {}
    for text in monotone:
        feature, _, direction = text.partition("=")
        if not feature or direction not in DIRECTIONS:
            raise UserError(f"--monotone {text}: write FEATURE=increasing or FEATURE=decreasing")
        edits.setdefault("monotone", {})[feature] = DIRECTIONS[direction]
    for text in cap:
        term, _, bounds = text.rpartition("=")
        low, colon, high = bounds.partition(":")
        try:
            values = [float(v) if v.strip() else None for v in (low, high)]
        except ValueError:
            values = None
        if not term or not colon or values is None or values == [None, None]:
            raise UserError(f"--cap {text}: write TERM=LOW:HIGH, e.g. Attr46=:0.5 or Attr46=-1:1")
        if None not in values and values[0] > values[1]:
            raise UserError(f"--cap {text}: LOW must not exceed HIGH")
        edits.setdefault("cap", {})[term] = values
    if drop:
        edits["drop"] = list(dict.fromkeys(drop))
    if not edits:
        raise UserError("no edit given: use --monotone, --cap or --drop (see --help)")
    return edits


def _num(value) -> str:
    return "–" if value is None else f"{value:.4f}"
