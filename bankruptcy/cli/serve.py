"""Serve a model package over HTTP: REST API, web page, prediction log (FastAPI on uvicorn).

Examples::

    python -m bankruptcy.serve models:/polish@champion
    python -m bankruptcy.serve outputs/runs/<date>/<time> --port 8080 --workers 2

Then open http://127.0.0.1:8000/ (the page), /docs (the API), or:

    curl -s localhost:8000/v1/predict -H 'content-type: application/json' \\
         -d '{"rows": [{"Attr1": 0.1, "Attr2": 0.5, ...}]}'

Every prediction is appended to ``--log-dir`` (what ``python -m bankruptcy.monitor`` reads).
A ``models:/NAME@ALIAS`` model follows its alias: a new champion is picked up within
``--reload-seconds`` without a restart. With ``--workers N``, each worker process gets its
share of the cores for native threads.
"""

from __future__ import annotations

import os

import orjson

from bankruptcy.cli.common import USER_ERROR_EXIT, parser_for, run


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.serve", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--threads",
        default="1",
        help="native threads per request (auto: the worker's share of the cores); "
        "concurrent requests already use the cores",
    )
    parser.add_argument(
        "--runtime",
        default="sklearn",
        choices=["sklearn", "onnx"],
        help="score with the pipeline, or with its ONNX export in ONNX Runtime "
        "(python -m bankruptcy.export first); same checks and answers",
    )
    parser.add_argument("--log-dir", default="predictions", help="prediction log folder")
    parser.add_argument("--no-log", action="store_true", help="keep no prediction log")
    parser.add_argument("--max-rows", type=int, default=10_000, help="largest batch (413 above)")
    parser.add_argument(
        "--reload-seconds", type=float, default=30.0, help="check an alias this often (0: never)"
    )
    args = parser.parse_args(argv)
    from bankruptcy.core.threads import thread_share

    def size_threads() -> None:
        # Requests run in the server's threads, and an OpenMP limit set in one thread does not
        # reach the others: the variable, read when scikit-learn's OpenMP runtime loads (just
        # below), sizes every thread's pool (idle threads woken per tree cost ~25 ms a row).
        os.environ["OMP_NUM_THREADS"] = str(thread_share(args.threads, args.workers))

    if run(size_threads):
        return USER_ERROR_EXIT
    import uvicorn

    from bankruptcy.serving.onnx_runtime import use_runtime
    from bankruptcy.serving.registry import open_model

    settings = {
        "model": args.model,
        "log_dir": None if args.no_log else os.path.abspath(args.log_dir),
        "max_rows": args.max_rows,
        "reload_seconds": args.reload_seconds,
        "runtime": args.runtime,
    }

    def check_model() -> None:  # a wrong reference or a missing export stops here, one line
        use_runtime(open_model(args.model), args.runtime)

    if run(check_model):
        return USER_ERROR_EXIT
    os.environ["BANKRUPTCY_SERVE_SETTINGS"] = orjson.dumps(settings).decode()
    os.environ["BANKRUPTCY_SERVE_WORKERS"] = str(args.workers)
    os.environ["BANKRUPTCY_SERVE_THREADS"] = str(args.threads)
    uvicorn.run(
        "bankruptcy.serving.service:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )
    return 0
