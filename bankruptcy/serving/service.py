"""The scoring service: a REST API and a web page over one model package (FastAPI).

- ``POST /v1/predict``: ``{"rows": [{feature: value, ...}, ...]}`` or, for throughput, the
  columnar ``{"columns": {feature: [values...], ...}}``; optional ``"explain": K`` (top risk
  factors per row; a scorecard's reason codes, ``points_lost``; an EBM's own term
  contributions, ``logit`` with the row's ``value`` and the shape's ``bin``) and
  ``"ignore_unknown": true`` (drop fields the model does not know, instead of refusing
  them). The answer mirrors the form: ``predictions`` (one object per row) or ``columns``; a
  scorecard's adds ``score_points`` and ``points`` (per feature).
- ``GET /v1/model``: the model's identity, input contract, decision threshold, risk bands,
  headline metrics and card. ``GET /health``. OpenAPI docs at ``/docs``. ``GET /``: the page.

Bad input is a 422 with a machine-readable list of problems (a 400 for a body that is not
JSON, a 413 for a batch above ``max_rows``); answers are always valid JSON (no NaN literal).
Every request is appended to the prediction log, refused ones included, before it is
answered. A model named by a registry alias (``models:/NAME@champion``) is followed: the
service checks the alias every ``reload_seconds`` and swaps in a new version without a
restart, answering with the old one until the new one is loaded.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from bankruptcy.serving.contract import Problem
from bankruptcy.serving.package import ModelPackage
from bankruptcy.serving.page import render_page
from bankruptcy.serving.predlog import PredictionLog

log = logging.getLogger(__name__)


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
    """

    model: str
    log_dir: str | None = "predictions"
    max_rows: int = 10_000
    reload_seconds: float = 30.0
    explain_rows: int = 1_000
    runtime: str = "sklearn"


class PredictRequest(BaseModel):
    """Body of ``POST /v1/predict`` (documentation; the handler parses JSON itself, faster)."""

    rows: list[dict[str, float | str | None]] | None = Field(
        None, description="One object per company: feature name -> value (null = missing)"
    )
    columns: dict[str, list[float | str | None]] | None = Field(
        None, description="Columnar form: feature name -> one value per company"
    )
    explain: int = Field(
        0, ge=0, description="Top risk factors per row (SHAP; an EBM's own terms), 0 for none"
    )
    ignore_unknown: bool = Field(False, description="Drop fields the model does not know")


class Refused(Exception):
    """A request answered with an error status and a JSON body."""

    def __init__(self, status: int, error: str, problems: list[Problem] | None = None):
        super().__init__(error)
        self.status = status
        self.body = {"error": error, "problems": [p.__dict__ for p in problems or []]}


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
                self.explainer = explainer_for(self.package, top=10)
            return self.explainer


def _open(reference: str, runtime: str) -> ModelPackage:
    from bankruptcy.serving.onnx_runtime import use_runtime
    from bankruptcy.serving.registry import open_model

    return use_runtime(open_model(reference), runtime)


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI application serving `settings.model`."""
    holder = ModelHolder(settings.model, settings.runtime)
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

    @app.get("/health")
    def health() -> dict:
        """Liveness and the model being served."""
        return {"status": "ok", "model": holder.identity()}

    @app.get("/v1/model")
    def model() -> Response:
        """The served model: identity, input contract, decision, bands, metrics, card."""
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
            "card": _card(package),
            "max_rows": settings.max_rows,
        }
        return _json(body)

    @app.post(
        "/v1/predict",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": PredictRequest.model_json_schema()}},
            }
        },
        responses={400: {"description": "not JSON"}, 413: {"description": "batch too large"}},
    )
    async def predict(request: Request) -> Response:
        """Score a batch of companies (rows or columns); see the service's docstring."""
        body = await request.body()
        return await run_in_threadpool(_answer, holder, predlog, settings, body)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        """The web page: a form for one company, a CSV upload for many."""
        return HTMLResponse(render_page(holder.package))

    return app


def _answer(holder, predlog, settings: Settings, body: bytes) -> Response:
    """Parse, check, score, log and answer one request (in a worker thread)."""
    request_id = uuid.uuid4().hex
    package = holder.package  # one package for the whole request, even across a reload
    identity = holder.identity()
    record = {"ts": _now(), "request": request_id, "model": identity}
    try:
        payload = _parse(body)
        record.update(form=payload["form"], inputs=payload["inputs"])
        frame = _frame(payload, package.contract.names, settings.max_rows)
        extra = "ignore" if payload["ignore_unknown"] else "reject"
        checked = package.contract.check(frame, extra)
        if checked.problems:
            raise Refused(422, "the input does not fit the model's contract", checked.problems)
        explain = payload["explain"]
        if explain and len(frame) > settings.explain_rows:
            raise Refused(413, f"explain is limited to {settings.explain_rows} rows per request")
        # points and explanations read the model-input rows: one preprocessing pass for all
        rows = package.model_rows(checked.X) if explain or package.has_points else None
        decided = package.decide(checked.X, rows)
        factors = _factors(holder, checked.X, explain, rows) if explain else None
    except Refused as refused:
        if predlog is not None:
            predlog.append({**record, "status": "refused", "problems": refused.body["problems"]})
        return _json({**refused.body, "model": identity, "request": request_id}, refused.status)
    columns = {column: values.tolist() for column, values in decided.items()}
    columns["warnings"] = checked.warnings
    if predlog is not None:
        predlog.append({**record, "status": "scored", "outputs": columns})
    if package.has_points:  # a scorecard: the company's points in each feature (not logged)
        points = package.feature_points(checked.X, rows)
        columns = {**columns, "points": points.to_dict("records")}
    answer = {"model": identity, "request": request_id, "ignored": checked.ignored}
    if payload["form"] == "columns":
        answer["columns"] = columns if factors is None else {**columns, "factors": factors}
    else:
        answer["predictions"] = _per_row(columns, factors)
    return _json(answer)


def _parse(body: bytes) -> dict:
    """The request's JSON, or a 400/422 naming what is wrong with it."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        try:  # NaN and Infinity literals are not JSON, but Python and JavaScript clients write them
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, f"the body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Refused(400, 'the body must be a JSON object: {"rows": [...]} or {"columns": {...}}')
    rows, columns = payload.get("rows"), payload.get("columns")
    if (rows is None) == (columns is None):
        problem = Problem("form", 'send exactly one of "rows" (a list) or "columns" (an object)')
        raise Refused(422, problem.message, [problem])
    explain = payload.get("explain", 0)
    if not isinstance(explain, int) or isinstance(explain, bool) or explain < 0:
        problem = Problem("explain", f'"explain" must be a non-negative integer, got {explain!r}')
        raise Refused(422, problem.message, [problem])
    return {
        "form": "rows" if rows is not None else "columns",
        "inputs": rows if rows is not None else columns,
        "explain": explain,
        "ignore_unknown": bool(payload.get("ignore_unknown", False)),
    }


def _frame(payload: dict, names: list[str], max_rows: int) -> pd.DataFrame:
    """The batch as a DataFrame, after the checks only the JSON forms need."""
    inputs = payload["inputs"]
    if payload["form"] == "rows":
        if not isinstance(inputs, list) or not all(isinstance(r, dict) for r in inputs):
            raise Refused(422, '"rows" must be a list of objects (feature name -> value)')
        n = len(inputs)
    else:
        if not isinstance(inputs, dict) or not all(isinstance(v, list) for v in inputs.values()):
            raise Refused(422, '"columns" must map each feature name to a list of values')
        lengths = {len(v) for v in inputs.values()}
        if len(lengths) > 1:
            problem = Problem("columns", f"columns differ in length: {sorted(lengths)}")
            raise Refused(422, problem.message, [problem])
        n = lengths.pop() if lengths else 0
    if n > max_rows:
        raise Refused(413, f"the batch holds {n} rows; at most {max_rows} per request")
    if payload["form"] == "columns":
        return pd.DataFrame(inputs)
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
    return pd.DataFrame(inputs)


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
                | {field: table[f"factor_{k}_{field}"].iloc[i] for field in explainer.fields}
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


def _json(body: dict, status: int = 200) -> Response:
    """A JSON response; orjson writes NaN/inf as null (never an invalid NaN literal)."""
    content = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(content, status_code=status, media_type="application/json")


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
