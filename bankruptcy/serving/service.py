"""The scoring service: a REST API and a web page over one model package (FastAPI).

- ``POST /v1/predict``: ``{"rows": [{feature: value, ...}, ...]}`` or, for throughput, the
  columnar ``{"columns": {feature: [values...], ...}}``; optional ``"explain": K`` (top risk
  factors per row; a scorecard's reason codes, ``points_lost``; an EBM's own term
  contributions, ``logit`` with the row's ``value`` and the shape's ``bin``) and
  ``"ignore_unknown": true`` (drop fields the model does not know, instead of refusing
  them). The answer mirrors the form: ``predictions`` (one object per row) or ``columns``; a
  scorecard's adds ``score_points`` and ``points`` (per feature).
- ``POST /v1/recourse``: the same forms, plus ``target``, ``plans`` and ``max_changes``: for
  each flagged company the fewest, cheapest feature changes that bring its PD below the target
  (`bankruptcy.serving.recourse_api`, docs/recourse.md).
- ``GET /v1/model``: the model's identity, input contract, decision threshold, risk bands,
  headline metrics, limits and card. ``GET /health``. ``GET /``: the page (a shell that asks
  for an API key if the service wants one, then reads ``/v1/model``).
- ``GET /openapi.json``: the contract (`bankruptcy.serving.openapi`): the served model's
  features, both request forms, the limits, every status; rebuilt when the model changes.

Before a body is read, the gate (`bankruptcy.serving.gate`) checks the API key (with
``api_keys``: 401 without a known one, on every path but ``/health`` and the page's shell)
and the body's size (413 above the byte budget, `bankruptcy.serving.limits`). Bad input is a
422 with a machine-readable list of problems (400 for a body that is not JSON, 413 above the
row limits, 415 for another media type); answers are always valid JSON (no NaN literal).
Every request with a valid key is appended to the prediction log, refused ones included (with
the key's name, never the key), before it is answered. A model named by a registry alias
(``models:/NAME@champion``) is followed: the service checks the alias every
``reload_seconds`` and swaps in a new version without a restart, answering with the old one
until the new one is loaded.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from bankruptcy.serving import openapi, recourse_api
from bankruptcy.serving.auth import ApiKeys
from bankruptcy.serving.contract import Problem
from bankruptcy.serving.gate import Gate, Refused, refusal
from bankruptcy.serving.limits import MAX_FACTORS, Limits
from bankruptcy.serving.package import ModelPackage
from bankruptcy.serving.page import PAGE
from bankruptcy.serving.predlog import PredictionLog

log = logging.getLogger(__name__)
#: Served without an API key: liveness for load balancers, and the page's shell (no model data).
OPEN_PATHS = frozenset({"/health", "/"})
#: The options of ``POST /v1/predict`` besides the form (rows or columns) and ignore_unknown.
PREDICT_OPTIONS = ("explain",)


@dataclass
class Settings:
    """How the service runs.

    Attributes
    ----------
    model : str
        ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a job dir.
    log_dir : str or None
        Prediction log folder; None logs nothing.
    max_rows : int
        Largest batch accepted (413 above).
    reload_seconds : float
        How often an alias is checked for a new version (0: never).
    explain_rows : int
        Largest batch that may ask for explanations (they cost far more than scores).
    runtime : str
        ``sklearn`` (the pipeline) or ``onnx`` (its export in ONNX Runtime, one thread per
        request: concurrent requests already use the cores).
    max_body_bytes : int or None
        Largest body (413 above); None derives it from `max_rows` and the contract.
    api_keys : str or None
        Key file (`bankruptcy.serving.auth`); None serves anyone who reaches the port.
    recourse_rows : int
        Largest batch of ``POST /v1/recourse`` (a flagged company costs thousands of scores).
    """

    model: str
    log_dir: str | None = "predictions"
    max_rows: int = 10_000
    reload_seconds: float = 30.0
    explain_rows: int = 1_000
    runtime: str = "sklearn"
    max_body_bytes: int | None = None
    api_keys: str | None = None
    recourse_rows: int = 100


@dataclass
class ModelHolder:
    """The package being served; follows a registry alias to new versions."""

    reference: str
    runtime: str = "sklearn"
    package: ModelPackage = field(init=False)
    explainer: object = field(init=False, default=None)

    def __post_init__(self):
        self.package = _open(self.reference, self.runtime)
        self.lock = threading.Lock()

    def identity(self) -> dict:
        """Name, version, reference and model file checksum of the served package."""
        origin = self.package.origin
        return {
            "name": origin.get("name"),
            "version": origin.get("version"),
            "reference": self.reference,
            "sha256": self.package.manifest["model"]["sha256"],
            "estimator": self.package.manifest["model"]["estimator"],
        }

    def refresh(self) -> bool:
        """Load the alias's version if it moved; True when a new one is served."""
        from bankruptcy.serving.registry import current_version

        version = current_version(self.reference)
        if version is None or version == self.package.origin.get("version"):
            return False
        package = _open(self.reference, self.runtime)
        with self.lock:  # requests in flight keep the package they started with
            self.package, self.explainer = package, None
        log.info("now serving %s version %s", self.reference, version)
        return True

    def row_explainer(self):
        """The explainer of the served package (built on first use): a scorecard's points
        lost, SHAP values for other models."""
        from bankruptcy.serving.batch import explainer_for

        with self.lock:
            if self.explainer is None:
                self.explainer = explainer_for(self.package, top=MAX_FACTORS)
            return self.explainer

    def per_package(self, build: Callable[[ModelPackage], object]) -> Callable[[], object]:
        """A function returning `build` of the served package, rebuilt when the package
        changes (the limits, the OpenAPI document)."""
        last: list = [None, None]

        def current():
            package = self.package
            if last[0] is not package:
                last[:] = [package, build(package)]
            return last[1]

        return current


def _open(reference: str, runtime: str) -> ModelPackage:
    from bankruptcy.serving.onnx_runtime import use_runtime
    from bankruptcy.serving.registry import open_model

    return use_runtime(open_model(reference), runtime)


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI application serving `settings.model`."""
    holder = ModelHolder(settings.model, settings.runtime)
    keys = ApiKeys.read(settings.api_keys) if settings.api_keys else None
    predlog = PredictionLog(settings.log_dir) if settings.log_dir else None
    app = FastAPI(
        title="bankruptcy scoring service",
        description="Scores companies' bankruptcy risk with a registered model package.",
        version="1",
    )
    app.state.holder = holder
    app.state.predlog = predlog
    if settings.reload_seconds and settings.model.startswith("models:/"):
        _follow_alias(holder, settings.reload_seconds)
    limits = holder.per_package(
        lambda package: Limits.of(
            package.contract,
            settings.max_rows,
            settings.explain_rows,
            settings.max_body_bytes,
            settings.recourse_rows,
        )
    )
    bases = recourse_api.Bases()

    def gate_refused(scope, answer: Refused) -> Response:
        record = _record(holder, scope.get("state", {}).get("key_name"))
        return _refused(predlog, record, answer)

    app.add_middleware(Gate, keys=keys, limits=limits, open_paths=OPEN_PATHS, refused=gate_refused)
    _error_handlers(app)

    @app.get("/health")
    def health() -> dict:
        """Liveness and the model being served (no API key needed)."""
        return {"status": "ok", "model": holder.identity()}

    @app.get("/v1/model")
    def model() -> Response:
        """The served model: identity, input contract, decision, bands, metrics, horizons,
        card."""
        package = holder.package
        manifest = package.manifest
        body = {
            "model": holder.identity(),
            "output": package.output_column,
            "runtime": settings.runtime,
            "calibrated": manifest["model"]["calibrated"],
            "contract": manifest["contract"],
            "decision": manifest["decision"],
            "data": manifest["data"],
            "metrics": {
                k: v for k, v in manifest["metrics"].items() if k.startswith(("cv/", "test/"))
            },
            "risk_factors": manifest["risk_factors"],
            "horizons": package.horizons,
            "card": _card(package),
            "max_rows": settings.max_rows,
            "limits": {k: v for k, v in vars(limits()).items() if k != "derived"},
        }
        return _json(body)

    @app.post("/v1/predict")
    async def predict(request: Request) -> Response:
        """Score a batch of companies (rows or columns); see the service's docstring."""
        return await _serve(request, holder, predlog, _answer, limits())

    @app.post("/v1/recourse")
    async def recourse(request: Request) -> Response:
        """Recourse plans for the flagged companies of a batch (rows or columns, ``target``,
        ``plans``, ``max_changes``); see `bankruptcy.serving.recourse_api`."""
        answer = functools.partial(_recourse_answer, bases=bases)
        return await _serve(request, holder, predlog, answer, limits())

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        """The web page: a form for one company, a CSV upload for many (no API key needed:
        it holds no model data, and asks for the key before it reads any)."""
        return HTMLResponse(PAGE)

    def operations(package: ModelPackage) -> dict:
        return {
            ("get", "/health"): openapi.Operation(_health_schema(), open=True),
            ("get", "/v1/model"): openapi.Operation(openapi.model_schema(package)),
            ("post", "/v1/predict"): _predict_operation(package, limits()),
            ("post", "/v1/recourse"): recourse_api.operation(package, limits()),
            ("get", "/"): openapi.Operation({}, open=True, media_type="text/html"),
        }

    app.openapi = holder.per_package(
        lambda package: openapi.document(
            app, package, limits(), keys is not None, operations(package)
        )
    )
    return app


def _predict_operation(package: ModelPackage, limits: Limits) -> openapi.Operation:
    """``POST /v1/predict`` in the OpenAPI document (see `bankruptcy.serving.openapi`)."""
    options, row_limits = openapi.predict_options(limits)
    request = openapi.request_schema(
        "Predict", package.contract, limits.max_rows, options, row_limits
    )
    answer = openapi.answer_schema("Predict", *openapi.score_properties(package))
    example = {"rows": [openapi.median_row(package.contract)], "explain": 3}
    return openapi.Operation(
        openapi.ref("PredictAnswer"), "PredictRequest", {**request, **answer}, example=example
    )


async def _serve(request: Request, holder, predlog, answer, limits: Limits) -> Response:
    """Refuse a body declared as anything but JSON before it is read; else read it and run
    ``answer(holder, predlog, limits, body, key_name)`` in a worker thread."""
    key_name = request.state.key_name
    media_type = request.headers.get("content-type")
    if media_type is not None and not _is_json(media_type):  # refused before it is read
        wrong = refusal(415, "media_type", f"Content-Type {media_type!r}: send {openapi.JSON}")
        return _refused(predlog, _record(holder, key_name), wrong)
    body = await request.body()
    return await run_in_threadpool(answer, holder, predlog, limits, body, key_name)


def _answer(holder, predlog, limits: Limits, body: bytes, key_name: str | None) -> Response:
    """Parse, check, score, log and answer one request (in a worker thread)."""
    package = holder.package  # one package for the whole request, even across a reload
    record = _record(holder, key_name)
    try:
        payload = _parse(body, PREDICT_OPTIONS)
        record.update(form=payload["form"], inputs=payload["inputs"])
        explain = _explain(payload.get("explain", 0))
        checked, dropped = _checked(package, payload, lambda n: _check_rows(n, explain, limits))
        # points and explanations read the model-input rows: one preprocessing pass for all
        rows = package.model_rows(checked.X) if explain or package.has_points else None
        decided = package.decide(checked.X, rows)
        factors = _factors(holder, checked.X, explain, rows) if explain else None
    except Refused as refused:
        return _refused(predlog, record, refused)
    columns = {column: values.tolist() for column, values in decided.items()}
    columns["warnings"] = checked.warnings
    if predlog is not None:
        predlog.append({**record, "status": "scored", "outputs": columns})
    if package.has_points:  # a scorecard: the company's points in each feature (not logged)
        points = package.feature_points(checked.X, rows)
        columns = {**columns, "points": points.to_dict("records")}
    answer = {
        "model": record["model"],
        "request": record["request"],
        "ignored": dropped + checked.ignored,
    }
    if payload["form"] == "columns":
        answer["columns"] = columns if factors is None else {**columns, "factors": factors}
    else:
        answer["predictions"] = _per_row(columns, factors)
    return _json(answer)


def _recourse_answer(
    holder, predlog, limits: Limits, body: bytes, key_name: str | None, bases
) -> Response:
    """Parse, check, plan, log and answer one recourse request (in a worker thread)."""
    package = holder.package
    record = _record(holder, key_name)
    try:
        payload = _parse(body, recourse_api.OPTIONS)
        record.update(form=payload["form"], inputs=payload["inputs"])
        settings = recourse_api.settings_of(payload)
        checked, dropped = _checked(package, payload, lambda n: _check_recourse_rows(n, limits))
        recourser = recourse_api.recourser_of(package, settings, bases)
        firms = recourse_api.answers(recourser, checked.X)
    except Refused as refused:
        return _refused(predlog, record, refused)
    for firm, warnings in zip(firms, checked.warnings, strict=True):
        firm["warnings"] = warnings
    if predlog is not None:
        predlog.append({**record, "status": "recourse", "outputs": recourse_api.log_outputs(firms)})
    answer = {
        "model": record["model"],
        "request": record["request"],
        "ignored": dropped + checked.ignored,
        "target": recourser.target,
        "firms": firms,
    }
    return _json(answer)


def _checked(package: ModelPackage, payload: dict, check_rows):
    """The request's batch checked against the contract (rows counted by `check_rows` first),
    and the columns dropped before; a 422 with the contract's problems."""
    frame, dropped = _frame(payload, package.contract.names, check_rows)
    extra = "ignore" if payload["ignore_unknown"] else "reject"
    checked = package.contract.check(frame, extra, typed=True)
    if checked.problems:
        raise Refused(422, "the input does not fit the model's contract", checked.problems)
    return checked, dropped


def _record(holder: ModelHolder, key_name: str | None) -> dict:
    """The start of a request's prediction-log record (and of its answer)."""
    record = {"ts": _now(), "request": uuid.uuid4().hex, "model": holder.identity()}
    if key_name is not None:
        record["key_name"] = key_name
    return record


def _refused(predlog: PredictionLog | None, record: dict, refused: Refused) -> Response:
    """Log (unless unauthenticated) and answer a refused request.

    A batch refused for its size is logged without its inputs: the log records the refusal,
    not megabytes the service would not read.
    """
    if not refused.logged:  # no valid key: nothing about the model, nothing in the log
        return _json(refused.body, refused.status, refused.headers)
    if predlog is not None:
        kept = {k: v for k, v in record.items() if not (k == "inputs" and refused.status == 413)}
        predlog.append({**kept, "status": "refused", "problems": refused.body["problems"]})
    body = {**refused.body, "model": record["model"], "request": record["request"]}
    return _json(body, refused.status, refused.headers)


def _parse(body: bytes, options: tuple[str, ...]) -> dict:
    """The request's JSON: its form, inputs, ``ignore_unknown`` and the endpoint's own
    `options` as given; a 400/422 naming what is wrong with them."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        payload = _lenient_json(body, error)
    if not isinstance(payload, dict):
        raise refusal(
            400, "not_json", 'the body must be a JSON object: {"rows": [...]} or {"columns": {...}}'
        )
    forms = [k for k in ("rows", "columns") if k in payload]
    if len(forms) != 1:
        raise refusal(422, "form", 'send exactly one of "rows" (a list) or "columns" (an object)')
    takes = (*options, "ignore_unknown")
    unknown = sorted(set(payload) - {forms[0], *takes})
    if unknown:
        raise refusal(
            422,
            "option",
            f"unknown option(s) {', '.join(map(repr, unknown))}: this endpoint takes "
            f"{forms[0]!r}, {', '.join(map(repr, takes[:-1]))} and {takes[-1]!r}",
        )
    ignore_unknown = payload.get("ignore_unknown", False)
    if not isinstance(ignore_unknown, bool):
        raise refusal(
            422, "option", f'"ignore_unknown" must be true or false, got {ignore_unknown!r}'
        )
    given = {k: payload[k] for k in options if k in payload}
    return {
        **given,
        "form": forms[0],
        "inputs": payload[forms[0]],
        "ignore_unknown": ignore_unknown,
    }


def _explain(explain) -> int:
    """``explain`` as an integer from 0 to `MAX_FACTORS`; a 422 otherwise."""
    if isinstance(explain, float) and explain.is_integer():
        explain = int(explain)  # 3.0 is the integer 3 in JSON
    if not isinstance(explain, int) or isinstance(explain, bool) or not 0 <= explain <= MAX_FACTORS:
        raise refusal(
            422, "option", f'"explain" must be an integer from 0 to {MAX_FACTORS}, got {explain!r}'
        )
    return explain


def _lenient_json(body: bytes, error: orjson.JSONDecodeError):
    """A body orjson refused, read as Python's json does: NaN and Infinity literals (which
    Python and JavaScript clients write) are values; integers beyond a double are infinite."""
    try:
        payload = json.loads(body, parse_int=_integer)
        orjson.dumps(payload)  # what the log cannot write (a lone surrogate) is not JSON here
    except (ValueError, UnicodeDecodeError, TypeError, RecursionError):
        raise refusal(400, "not_json", f"the body is not valid JSON: {error}") from None
    return payload


def _integer(text: str) -> int | float:
    return int(text) if len(text) < 19 else float(text)


def _frame(payload: dict, names: list[str], check_rows) -> tuple[pd.DataFrame, list[str]]:
    """The batch as a DataFrame, after the checks only the JSON forms need (`check_rows` of
    its row count: the endpoint's limits); and the columns dropped under ``ignore_unknown``
    before the frame was built (the columns form's)."""
    inputs = payload["inputs"]
    dropped = []
    if payload["form"] == "rows":
        if not isinstance(inputs, list) or not all(isinstance(r, dict) for r in inputs):
            raise refusal(422, "form", '"rows" must be a list of objects (feature name -> value)')
        n = len(inputs)
    else:
        if not isinstance(inputs, dict):
            raise refusal(422, "form", '"columns" must be an object (feature name -> values)')
        if payload["ignore_unknown"]:  # dropped unread: their values need not even be lists
            dropped = [k for k in inputs if k not in set(names)]
            inputs = {k: v for k, v in inputs.items() if k in set(names)}
        if not all(isinstance(v, list) for v in inputs.values()):
            raise refusal(422, "columns", '"columns" must map each feature name to a list')
        lengths = {len(v) for v in inputs.values()}
        if len(lengths) > 1:
            raise refusal(422, "columns", f"columns differ in length: {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
    check_rows(n)
    if payload["form"] == "columns":
        return pd.DataFrame(inputs), dropped
    wanted = set(names)
    lacking = [i for i, row in enumerate(inputs) if not wanted <= row.keys()]
    if lacking:  # a field absent from a row is not a missing value: the row is incomplete
        fields = sorted(wanted - inputs[lacking[0]].keys(), key=names.index)
        problem = Problem(
            "missing_columns",
            f"{len(lacking)} row(s) lack feature field(s); row {lacking[0]} lacks "
            f"{', '.join(fields[:10])}{' ...' if len(fields) > 10 else ''} "
            "(send null for a missing value)",
            columns=fields,
            rows=lacking[:20],
        )
        raise Refused(422, problem.message, [problem])
    return pd.DataFrame(inputs), dropped


def _check_rows(n: int, explain: int, limits: Limits) -> None:
    """413 above the row limits (before the batch is built)."""
    if n > limits.max_rows:
        raise refusal(
            413, "too_large", f"the batch holds {n:,} rows; at most {limits.max_rows:,} per request"
        )
    if explain and n > limits.explain_rows:
        raise refusal(
            413,
            "too_large",
            f"the batch holds {n:,} rows; explain is limited to {limits.explain_rows:,} rows "
            "per request",
        )


def _check_recourse_rows(n: int, limits: Limits) -> None:
    """413 above the recourse row limit (before the batch is built)."""
    if n > limits.recourse_rows:
        raise refusal(
            413,
            "too_large",
            f"the batch holds {n:,} rows; recourse is limited to {limits.recourse_rows:,} rows "
            "per request (serve --recourse-rows)",
        )


def _is_json(media_type: str) -> bool:
    """Whether a Content-Type is JSON (``application/json``, ``application/*+json``)."""
    kind = media_type.split(";", 1)[0].strip().lower()
    return kind == openapi.JSON or (kind.startswith("application/") and kind.endswith("+json"))


def _error_handlers(app: FastAPI) -> None:
    """Every answer in the `Error` shape: unknown paths and methods, and failures (500)."""

    async def http_error(request: Request, error: HTTPException) -> Response:
        kind = {404: "not_found", 405: "method"}.get(error.status_code, "http")
        body = {"error": str(error.detail), "problems": [Problem(kind, str(error.detail)).__dict__]}
        return _json(body, error.status_code, error.headers)

    async def failed(request: Request, error: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        message = "the service failed on this request; its log has the details"
        return _json({"error": message, "problems": [Problem("internal", message).__dict__]}, 500)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, failed)


def _health_schema() -> dict:
    return {
        "type": "object",
        "properties": {"status": {"const": "ok"}, "model": openapi.ref("ModelIdentity")},
        "required": ["status", "model"],
    }


def _factors(holder: ModelHolder, X: pd.DataFrame, top: int, rows=None) -> list[list[dict]]:
    """Per row, the `top` features pushing it toward bankruptcy most (SHAP; a scorecard's
    features that cost it the most points; an EBM's terms adding most to its log-odds, with
    the row's value and the shape's bin)."""
    explainer = holder.row_explainer()
    table = explainer.factors(X, rows)
    found = []
    for i in range(len(X)):
        found.append(
            [
                {"feature": table[f"factor_{k}"].iloc[i]}
                | {field: table[f"factor_{k}_{field}"].iloc[i] for field in explainer.types}
                for k in range(1, min(top, explainer.top) + 1)
                if f"factor_{k}" in table
            ]
        )
    return found


def _per_row(columns: dict, factors: list | None) -> list[dict]:
    keys = list(columns)
    rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    for row, found in zip(rows, factors or [], strict=False):
        row["factors"] = found
    return rows


def _card(package: ModelPackage) -> str:
    from bankruptcy.serving.card import render_card

    return render_card(package.manifest)


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response; orjson writes NaN/inf as null (never an invalid NaN literal)."""
    content = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(content, status_code=status, media_type=openapi.JSON, headers=headers)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _follow_alias(holder: ModelHolder, seconds: float) -> None:
    """Check the alias every `seconds` in a background thread; a failed check keeps serving."""

    def loop() -> None:
        while True:
            time.sleep(seconds)
            try:
                holder.refresh()
            except Exception:  # the registry may be briefly unreachable: try again later
                log.exception("checking %s for a new version failed", holder.reference)

    threading.Thread(target=loop, daemon=True, name="follow-alias").start()


def app_from_environment() -> FastAPI:
    """The app for uvicorn worker processes (``--workers N``), configured by environment."""
    from threadpoolctl import threadpool_limits

    from bankruptcy.core.threads import thread_share

    settings = Settings(**orjson.loads(os.environ["BANKRUPTCY_SERVE_SETTINGS"]))
    workers = int(os.environ.get("BANKRUPTCY_SERVE_WORKERS", "1"))
    threads = os.environ.get("BANKRUPTCY_SERVE_THREADS", "1")
    # Requests run concurrently in the worker's thread pool; native pools beyond the worker's
    # share of the cores would oversubscribe them (N workers x all-core OpenMP pools).
    app = create_app(settings)
    app.state.thread_limits = threadpool_limits(limits=thread_share(threads, workers))
    return app
