"""Serve a model package over HTTP: REST API, web page, prediction log (FastAPI on uvicorn).

Examples::

    python -m bankruptcy.serve models:/polish@champion
    python -m bankruptcy.serve models:/polish@champion --api-keys keys.txt --workers 2
    python -m bankruptcy.serve outputs/runs/<date>/<time> --port 8080

Then open http://127.0.0.1:8000/ (the page), /openapi.json (the API's contract), or:

    curl -s localhost:8000/v1/predict -H 'content-type: application/json' \\
         -H "Authorization: Bearer $KEY" -d '{"rows": [{"Attr1": 0.1, "Attr2": 0.5, ...}]}'

With ``--api-keys FILE`` (or ``$BANKRUPTCY_API_KEYS`` naming it; one ``NAME KEY`` pair per
line, ``#`` starts a comment) every endpoint but /health and the page's shell needs
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; the prediction log records the key's
name. Without keys the service answers anyone who reaches the port: it says so at start, and
refuses a --host other than loopback unless told --allow-open. Put TLS in front of it (a
reverse proxy, docs/deployment.md).

Every prediction is appended to ``--log-dir`` (what ``python -m bankruptcy.monitor`` reads).
A ``models:/NAME@ALIAS`` model follows its alias: a new champion is picked up within
``--reload-seconds`` without a restart. With ``--workers N``, each worker process gets its
share of the cores for native threads.
"""

from __future__ import annotations

import ipaddress
import os
import sys

import orjson

from bankruptcy.cli.common import USER_ERROR_EXIT, parser_for, run
from bankruptcy.core.errors import UserError


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
        "--explain-rows",
        type=int,
        default=1_000,
        help="largest batch that may ask for explanations (413 above)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        help="largest request body, refused (413) before it is read; default: derived from "
        "--max-rows and the model's features (enough for full-precision floats)",
    )
    parser.add_argument(
        "--reload-seconds", type=float, default=30.0, help="check an alias this often (0: never)"
    )
    parser.add_argument(
        "--api-keys",
        default=None,
        metavar="FILE",
        help="API key file, one 'NAME KEY' pair per line (default: $BANKRUPTCY_API_KEYS; "
        "none: the service is open)",
    )
    parser.add_argument(
        "--allow-open",
        action="store_true",
        help="serve a non-loopback --host without API keys (anyone who reaches it can score)",
    )
    args = parser.parse_args(argv)
    checked = {}

    def check_options() -> None:
        checked["keys"] = _checked_options(args)

    if run(check_options):
        return USER_ERROR_EXIT
    keys = checked["keys"]
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
        "explain_rows": args.explain_rows,
        "max_body_bytes": args.max_body_bytes,
        "reload_seconds": args.reload_seconds,
        "runtime": args.runtime,
        "api_keys": keys and os.path.abspath(keys.source),
    }

    def check_model() -> None:  # a wrong reference or a missing export stops here, one line
        use_runtime(open_model(args.model), args.runtime)

    if run(check_model):
        return USER_ERROR_EXIT
    _announce(keys, args.host, args.port)
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


def _checked_options(args):
    """The API keys (None: an open service) after the options' checks: one line, exit 2,
    before the model is opened."""
    from bankruptcy.serving.auth import ApiKeys, key_file

    for option, value, least in (
        ("--max-rows", args.max_rows, 1),
        ("--explain-rows", args.explain_rows, 0),
        ("--max-body-bytes", args.max_body_bytes, 1),
    ):
        if value is not None and value < least:
            raise UserError(f"{option} {value}: must be at least {least}")
    path = key_file(args.api_keys)
    if path is not None:
        return ApiKeys.read(path)
    if not _loopback(args.host) and not args.allow_open:
        raise UserError(
            f"--host {args.host} serves other machines without API keys: give --api-keys FILE "
            "(or $BANKRUPTCY_API_KEYS), or --allow-open to let anyone who reaches it score"
        )
    return None


def _loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def _announce(keys, host: str, port: int) -> None:
    """Say at start who the service answers (never a key)."""
    if keys is None:
        print(
            f"warning: no API keys: the service answers anyone who reaches {host}:{port} "
            "(serve --api-keys FILE to require a key)",
            file=sys.stderr,
        )
        return
    print(f"API keys: {len(keys.digests)} from {keys.source}", file=sys.stderr)
    if keys.readable_by_others():
        print(
            f"warning: {keys.source} is readable by other users of this machine "
            f"(chmod 600 {keys.source})",
            file=sys.stderr,
        )
