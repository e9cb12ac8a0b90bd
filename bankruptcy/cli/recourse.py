"""Recourse plans: what would bring each flagged firm of a file below the target PD.

Examples::

    python -m bankruptcy.recourse models:/polish@champion firms.csv plans.csv
    python -m bankruptcy.recourse outputs/runs/<date>/<time> firms.parquet plans.parquet \
        --target-pd 0.05 --plans 5 --max-changes 2
    python -m bankruptcy.recourse MODEL firms.csv plans.csv --immutable Attr21,Attr24 \
        --direction Attr9=any --target-band low

MODEL is ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a job directory; the package must
give probabilities of default. For every firm whose PD is at or above the target (default: the
package's decision threshold) up to ``--plans`` plans of at most ``--max-changes`` changed
features each, cheapest first (cost in interquartile ranges), each re-scored through the whole
package. OUT (CSV or Parquet, must not exist) has one line per plan: the input's other columns,
``row``, ``plan``, ``status`` (``plan``, ``not_needed``, ``infeasible``), ``p_bankrupt``,
``p_bankrupt_after``, ``n_changes``, ``changes`` (JSON: feature -> [from, to]), ``cost``,
``outlier_score``, ``data_gaps`` (JSON: missing feature -> PD if filled at the training
median), then every feature with the changed firm's values (``predict`` on them reproduces
``p_bankrupt_after``).

Constraints: the package's defaults (``recourse`` in package.json and its card: immutable
features; each feature moves only the way that lowers the bankrupt rate on the training rows)
with these options on top; changed values stay between the training quantiles P and 1 - P
(``--range``, default 0.01); a missing value stays missing (``--fill-gaps`` lets plans fill
gaps); plans whose changed firm looks unlike real healthy firms are left out
(``--keep-implausible`` keeps them). A plan is a statement about the model, not a causal claim
about the firm: docs/recourse.md.
"""

from __future__ import annotations

import time

from threadpoolctl import threadpool_limits

from bankruptcy.cli.common import parser_for, run
from bankruptcy.core.errors import UserError
from bankruptcy.core.threads import available_cores


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.recourse", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("input", help="CSV or Parquet file of companies (one row each)")
    parser.add_argument("output", help="file to write (.csv or .parquet); must not exist")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--target-pd", type=float, metavar="P", help="bring the PD below P")
    target.add_argument(
        "--target-band", metavar="BAND", help="bring the PD below a risk band's top (low, elevated)"
    )
    parser.add_argument("--plans", type=int, default=3, metavar="K", help="plans per firm (3)")
    parser.add_argument(
        "--max-changes", type=int, default=3, metavar="M", help="features one plan changes (3)"
    )
    parser.add_argument("--immutable", default="", metavar="F,..", help="features never changed")
    parser.add_argument(
        "--mutable", default="", metavar="F,..", help="features the package fixes that may move"
    )
    parser.add_argument(
        "--direction", default="", metavar="F=up|down|any,..", help="a feature's allowed move"
    )
    parser.add_argument(
        "--free-directions", action="store_true", help="features move both ways (trends ignored)"
    )
    parser.add_argument(
        "--range", type=float, default=0.01, metavar="P", help="values within quantiles P..1-P"
    )
    parser.add_argument("--fill-gaps", action="store_true", help="plans may fill missing values")
    parser.add_argument(
        "--keep-implausible", action="store_true", help="keep plans unlike real healthy firms"
    )
    parser.add_argument("--chunk-rows", type=int, default=1000, help="rows per chunk (1000)")
    parser.add_argument(
        "--threads", type=int, default=available_cores(), help="native threads (default: cores)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    return run(lambda: plans(args))


def plans(args) -> None:
    """Check the options, open the model, write the plans, print a summary."""
    from bankruptcy.recourse.constraints import Overrides
    from bankruptcy.recourse.engine import Settings

    settings = Settings(
        target_pd=args.target_pd,
        band=args.target_band,
        plans=args.plans,
        max_changes=args.max_changes,
        fill_gaps=args.fill_gaps,
        keep_implausible=args.keep_implausible,
        range_quantile=args.range,
    )
    settings.check()
    overrides = Overrides(
        immutable=_names(args.immutable),
        mutable=_names(args.mutable),
        direction=_directions(args.direction),
        free=args.free_directions,
    )
    if args.chunk_rows < 1:
        raise UserError(f"--chunk-rows {args.chunk_rows}: read at least 1 row at a time")
    from bankruptcy.recourse.engine import Recourser
    from bankruptcy.serving.batch import check_paths, recourse_file
    from bankruptcy.serving.registry import open_model

    check_paths(args.input, args.output)
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        package = open_model(args.model)
        package.batch_threads = args.threads
        recourser = Recourser(package, settings, overrides)
        counts = recourse_file(recourser, args.input, args.output, args.chunk_rows, not args.quiet)
    seconds = time.perf_counter() - start
    flagged = counts["plan"] + counts["infeasible"]
    print(
        f"{counts['rows']:,} firms, {flagged:,} at or above PD {recourser.target:.4g}: "
        f"{counts['plan']:,} with plans, {counts['infeasible']:,} infeasible "
        f"({counts['gaps_only']:,} of them below the target only if their data gaps are "
        f"filled); {counts['not_needed']:,} not needed; written to {args.output} in "
        f"{seconds:.1f} s"
    )


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _directions(text: str) -> dict[str, str]:
    """``F=up,G=any`` -> {F: up, G: any}; a term without ``=`` is one line."""
    found = {}
    for term in _names(text):
        feature, sign, move = term.partition("=")
        if not sign:
            raise UserError(f"--direction {term}: write FEATURE=up, down or any")
        found[feature.strip()] = move.strip()
    return found
