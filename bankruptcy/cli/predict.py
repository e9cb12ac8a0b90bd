"""Score a CSV or Parquet file with a model package, in chunks.

Examples::

    python -m bankruptcy.predict models:/polish@champion companies.csv scored.csv
    python -m bankruptcy.predict outputs/runs/<date>/<time> firms.parquet out.parquet --explain 3

MODEL is ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` (the registry in
``$BANKRUPTCY_REGISTRY``, default ``registry/mlflow.db``) or a job directory. The output keeps
the input's other columns (identifiers), then ``p_bankrupt`` (``score`` for score-only models),
``decision`` (1 = flagged at the package's threshold), ``risk_band`` and ``warnings`` (values
missing or outside the training range: scored, but flagged); ``--explain K`` adds the K largest
risk factors of each row (``factor_<k>``, ``factor_<k>_shap``). A scorecard (``model=scorecard``)
adds its total score ``score_points`` (higher = healthier), and ``--explain K`` gives its reason
codes: the K features that cost the company the most points against their best bin
(``factor_<k>``, ``factor_<k>_points_lost``).
"""

from __future__ import annotations

import time

from threadpoolctl import threadpool_limits

from bankruptcy.cli.common import parser_for, run
from bankruptcy.core.threads import available_cores


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.predict", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("input", help="CSV or Parquet file of companies (one row each)")
    parser.add_argument("output", help="file to write (.csv or .parquet); must not exist")
    parser.add_argument("--explain", type=int, default=0, metavar="K", help="top K factors")
    parser.add_argument("--chunk-rows", type=int, default=100_000, help="rows per chunk")
    parser.add_argument(
        "--threads", type=int, default=available_cores(), help="native threads (default: cores)"
    )
    parser.add_argument(
        "--runtime",
        default="sklearn",
        choices=["sklearn", "onnx"],
        help="score with the pipeline, or with its ONNX export in ONNX Runtime "
        "(python -m bankruptcy.export first)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from bankruptcy.serving.batch import score_file
    from bankruptcy.serving.onnx_runtime import use_runtime
    from bankruptcy.serving.registry import open_model

    def score() -> None:
        start = time.perf_counter()
        with threadpool_limits(limits=args.threads):
            package = use_runtime(open_model(args.model), args.runtime, args.threads)
            rows = score_file(
                package, args.input, args.output, args.explain, args.chunk_rows, not args.quiet
            )
        seconds = time.perf_counter() - start
        print(f"scored {rows:,} rows into {args.output} in {seconds:.1f} s")

    return run(score)
