"""The service's OpenAPI document: the contract a client is generated from, built per package.

The document names the served package's features (from its input contract: type number,
``null`` = missing, the dataset's description, the training range as a hint in the
description and ``x-training-range``, not as bounds: a value outside it is scored, with a
warning), both request forms, each endpoint's options with their bounds, the limits, the
security schemes when the service takes API keys, and every status each operation answers
with its body. It is rebuilt when the served package changes (a registry alias moving).

How an endpoint joins the document (``POST /v1/predict`` does exactly this in
`bankruptcy.serving.service`, and ``POST /v1/recourse`` in `bankruptcy.serving.recourse_api`):

1. Its request body: ``request_schema(name, contract, max_rows, options, row_limits)`` returns
   the components of a body in either form, rows (a list of objects naming every feature) or
   columns (an object of equal-length arrays), with ``ignore_unknown`` and the endpoint's own
   `options` (JSON Schema properties with their bounds, e.g. ``explain``), and row limits that
   depend on an option (``explain`` > 0 allows fewer rows); the body is
   ``#/components/schemas/<name>Request``.
2. Its answer: a JSON Schema of the 200 body. A scoring endpoint's per-row outputs come from
   `score_properties` (the package's output column, decision, band, warnings, factors; add
   per-horizon outputs there), and `answer_schema` gives the rows and columns forms.
3. An `Operation` (answer, request component, components, example, open or not) under its
   ``(method, path)`` in the mapping the service passes to `document`, which adds the errors
   (`error_responses`: 413 and 500 everywhere, 401 with keys, 400, 415 and 422 where a body is
   read, each with the `Error` body: ``error``, ``problems[kind, message, columns, rows,
   values]``, ``model``, ``request``) and the security.
4. The handler refuses exactly what the schema refuses, with those statuses.

The service checks requests by hand (faster than a validator, with the contract's messages);
``tests/serving/test_service_openapi.py`` runs schemathesis against a real server to keep the
two the same. One thing JSON Schema cannot say: the arrays of the columns form have equal
lengths (``x-equal-length``); the tests tell schemathesis through a hook
(``tests/serving/schemathesis_hooks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from bankruptcy.horizons.structure import pd_columns
from bankruptcy.serving.batch import explainer_kind
from bankruptcy.serving.contract import Feature, InputContract
from bankruptcy.serving.limits import MAX_FACTORS, Limits
from bankruptcy.serving.package import ModelPackage

REF = "#/components/schemas/"
JSON = "application/json"
STRING = {"type": "string"}
#: The security schemes the service accepts (either one).
SECURITY_SCHEMES = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key of the service's key file: Authorization: Bearer <key>",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same key in a header of its own: X-API-Key: <key>",
    },
}
#: What each status the service answers means (the descriptions of `error_responses`).
STATUSES = {
    400: "The body is not JSON, or not a JSON object.",
    401: "No API key, or an unknown one (WWW-Authenticate names the scheme).",
    413: "Too large: more rows than allowed, or a body above the byte limit (refused from its "
    "Content-Length before it is read, or as soon as a streamed body passes the limit).",
    415: "A Content-Type other than application/json.",
    422: "The body does not fit this model's request schema; `problems` says where.",
    500: "The service failed; the request id finds it in the server's log.",
}
#: Statuses of reading a request body, on top of those of every operation.
BODY_STATUSES = (400, 415, 422)
IGNORE_UNKNOWN = {
    "type": "boolean",
    "default": False,
    "description": "Drop fields (rows) or columns the model does not know, listed in the "
    "answer's `ignored`, instead of refusing the request (422).",
}


@dataclass
class Operation:
    """What the document says of one operation beyond FastAPI's summary.

    Attributes
    ----------
    answer : dict
        JSON Schema of the 200 body (`media_type`).
    request : str or None
        Component name of the body (``<name>Request``), None for no body.
    components : dict
        Schemas the operation brings (`request_schema`'s, its answer's).
    open : bool
        Served without an API key.
    media_type : str
        Of the 200 answer.
    example : dict or None
        A request body the operation accepts (what docs show and fuzzers start from).
    """

    answer: dict
    request: str | None = None
    components: dict = field(default_factory=dict)
    open: bool = False
    media_type: str = JSON
    example: dict | None = None


def value_schema(feature: Feature) -> dict:
    """One feature's value: a number or null (missing), described, with its training range."""
    seen = feature.min is not None and feature.max is not None
    hints = []
    if seen:
        hints.append(
            f"training range [{feature.min:.6g}, {feature.max:.6g}]: values outside are "
            "scored, with a warning"
        )
    hints.append(
        "null = missing"
        + ("" if feature.missing_in_training else " (training had none: scored, with a warning)")
    )
    text = f"{feature.description}; " if feature.description else ""
    schema = {"type": ["number", "null"], "description": text + "; ".join(hints) + "."}
    if seen:
        schema["x-training-range"] = [feature.min, feature.max]
    median = feature.quantiles.get("q0.5")
    if median is not None:
        schema["examples"] = [median]
    schema["x-missing-in-training"] = feature.missing_in_training
    return schema


def median_row(contract: InputContract) -> dict:
    """A company at the training medians (null where training saw no value): an example."""
    return {f.name: f.quantiles.get("q0.5") for f in contract.features}


def row_schema(contract: InputContract) -> dict:
    """One company as a JSON object: every feature required (send null for a missing value)."""
    return {
        "type": "object",
        "description": "One company: every feature of the model (null for a missing value). "
        "Other fields are refused unless ignore_unknown is true.",
        "properties": {f.name: value_schema(f) for f in contract.features},
        "required": contract.names,
    }


def request_schema(
    name: str,
    contract: InputContract,
    max_rows: int,
    options: dict[str, dict],
    row_limits: list[tuple[dict, int]] = (),
) -> dict[str, dict]:
    """The components of an endpoint's request body in both forms (`Operation.components`).

    Parameters
    ----------
    name : str
        The endpoint's name: components ``<name>Request`` (one of ``<name>Rows``,
        ``<name>Columns``); the shared ``Row`` is included.
    contract : InputContract
        The served package's contract.
    max_rows : int
        Rows per request.
    options : dict
        The endpoint's own body properties (JSON Schema), beside ``ignore_unknown``.
    row_limits : list of (condition, rows)
        Fewer rows allowed when the body matches `condition` (JSON Schema properties), e.g.
        ``({"explain": {"minimum": 1}}, explain_rows)``.
    """
    properties = {**options, "ignore_unknown": IGNORE_UNKNOWN}
    names = contract.names
    strict_names = {"propertyNames": {"enum": names}}
    ignoring = {"properties": {"ignore_unknown": {"const": True}}, "required": ["ignore_unknown"]}

    def form(key: str, body: dict, limited, strict: dict, description: str) -> dict:
        conditions = [
            {"if": {"properties": when, "required": list(when)}, "then": limited(rows)}
            for when, rows in row_limits
        ]
        conditions.append({"if": ignoring, "else": {"properties": {key: strict}}})
        return {
            "type": "object",
            "description": description,
            "properties": {key: body, **properties},
            "required": [key],
            "additionalProperties": False,
            "allOf": conditions,
        }

    rows = array(
        ref("Row"),
        minItems=1,
        maxItems=max_rows,
        description=f"One object per company (1 to {max_rows:,}).",
    )
    columns = {
        "type": "object",
        "description": "One array per feature, one value per company; all arrays have the same "
        f"length (1 to {max_rows:,}).",
        "properties": {
            f.name: array(value_schema(f), minItems=1, maxItems=max_rows, description=f.description)
            for f in contract.features
        },
        "required": names,
        "x-equal-length": True,
    }
    return {
        "Row": row_schema(contract),
        f"{name}Request": {
            "description": "A batch of companies: rows (a list of objects) or columns (an "
            "object of equal-length arrays, for throughput).",
            "oneOf": [ref(f"{name}Rows"), ref(f"{name}Columns")],
        },
        f"{name}Rows": form(
            "rows",
            rows,
            lambda n: {"properties": {"rows": {"maxItems": n}}},
            {"items": strict_names},
            "Rows form: one JSON object per company.",
        ),
        f"{name}Columns": form(
            "columns",
            columns,
            lambda n: {"properties": {"columns": {"properties": _each(names, {"maxItems": n})}}},
            strict_names,
            "Columns form: one array per feature.",
        ),
    }


def predict_options(limits: Limits) -> tuple[dict[str, dict], list[tuple[dict, int]]]:
    """``POST /v1/predict``'s own body options and the row limit that depends on them."""
    explain = {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_FACTORS,
        "default": 0,
        "description": "Top risk factors per row (SHAP values; a scorecard's reason codes, "
        f"points lost), 0 for none; with explain, at most {limits.explain_rows:,} rows.",
    }
    return {"explain": explain}, [({"explain": {"minimum": 1}}, limits.explain_rows)]


def score_properties(package: ModelPackage) -> tuple[dict[str, dict], list[str]]:
    """Per row of a scoring answer: each output's schema, and those always present."""
    points = {}
    if package.has_points:
        points = {
            "score_points": {"type": "number", "description": "Points (higher = healthier)."},
            "points": {
                "type": "object",
                "additionalProperties": {"type": "number"},
                "description": "The company's points in each feature of the card.",
            },
        }
    properties = {
        **points,
        package.output_column: {
            "type": "number",
            "description": (
                "Probability of bankruptcy"
                if package.output_column == "p_bankrupt"
                else "Risk score (higher = riskier)"
            ),
        },
        **horizon_properties(package),
        "decision": {
            "type": "integer",
            "enum": [0, 1],
            "description": f"1 = flagged: {package.output_column} >= {package.threshold:.6g}.",
        },
        "risk_band": {"type": "string", "enum": list(package.bands.names)},
        "warnings": array(
            STRING,
            description="What is unusual about the row: missing or infinite where training "
            "had none, outside the training range.",
        ),
    }
    fields = explainer_kind(package).types  # SHAP, a scorecard's points, an EBM's terms
    factor = {
        "type": "object",
        "properties": {"feature": STRING, **{k: {"type": t} for k, t in fields.items()}},
        "required": ["feature", *fields],
    }
    properties["factors"] = array(factor, description="With explain: the top risk factors.")
    required = [k for k in properties if k != "factors"]
    return properties, required


def horizon_properties(package: ModelPackage) -> dict[str, dict]:
    """A horizon model's ``pd_<h>y`` outputs (none for other models)."""
    horizons = package.horizons
    if horizons is None:
        return {}
    cumulative = horizons["kind"] == "term_structure"
    return {
        column: {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": f"Probability of failing within {years} year(s) of the statement"
            + (" (cumulative: never below a shorter horizon's)." if cumulative else "."),
        }
        for years, column in zip(horizons["years"], pd_columns(horizons["years"]), strict=True)
    }


def answer_schema(name: str, properties: dict[str, dict], required: list[str]) -> dict[str, dict]:
    """Components ``<name>Answer`` (one of ``<name>RowsAnswer``, ``<name>ColumnsAnswer``): the
    answer mirrors the request's form; `properties` are per row."""
    common = {
        "model": ref("ModelIdentity"),
        "request": {"type": "string", "description": "The request's id in the prediction log."},
        "ignored": array(STRING, description="Fields dropped under ignore_unknown."),
    }
    rows = array({"type": "object", "properties": properties, "required": required})
    columns = {
        "type": "object",
        "properties": {k: array(v) for k, v in properties.items()},
        "required": required,
    }
    return {
        f"{name}Answer": {"oneOf": [ref(f"{name}RowsAnswer"), ref(f"{name}ColumnsAnswer")]},
        f"{name}RowsAnswer": {
            "type": "object",
            "properties": {**common, "predictions": rows},
            "required": [*common, "predictions"],
        },
        f"{name}ColumnsAnswer": {
            "type": "object",
            "properties": {**common, "columns": columns},
            "required": [*common, "columns"],
        },
    }


def model_schema(package: ModelPackage) -> dict:
    """``GET /v1/model``'s answer: the package's facts (nested parts as the manifest has them)."""
    obj = {"type": "object"}
    feature = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "dtype": {"type": "string"},
            "missing_in_training": {"type": "boolean"},
            "infinite_in_training": {"type": "boolean"},
            "min": {"type": ["number", "null"]},
            "max": {"type": ["number", "null"]},
            "quantiles": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
        },
        "required": ["name", "description", "missing_in_training", "min", "max", "quantiles"],
    }
    band = {"type": "object", "properties": {"name": {"type": "string"},
                                             "from": {"type": ["number", "null"]}}}  # fmt: skip
    limits = {
        "type": "object",
        "properties": {
            k: {"type": "integer"}
            for k in ("max_rows", "explain_rows", "max_body_bytes", "recourse_rows")
        },  # fmt: skip
    }
    properties = {
        "model": ref("ModelIdentity"),
        "output": {"type": "string", "enum": [package.output_column]},
        "runtime": {"type": "string", "enum": ["sklearn", "onnx"]},
        "calibrated": {"type": "boolean"},
        "contract": {
            "type": "object",
            "properties": {"features": array(feature), "label": obj},
            "required": ["features", "label"],
        },
        "decision": {
            "type": "object",
            "properties": {
                "threshold": {"type": "number"},
                "bands": {"type": "array", "items": band},
            },
            "required": ["threshold", "bands"],
        },  # fmt: skip
        "data": obj,
        "metrics": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
        "risk_factors": {"type": "array"},
        "horizons": {
            "type": ["object", "null"],
            "description": "What p_bankrupt and pd_<h>y stand for (a horizon model's: kind, "
            "years, main, each horizon's test calibration); null for other models.",
        },
        "card": {"type": "string", "description": "The model card (Markdown)."},
        "max_rows": {"type": "integer"},
        "limits": limits,
    }
    return {"type": "object", "properties": properties, "required": list(properties)}


def error_responses(limits: Limits, secured: bool, body: bool) -> dict[str, dict]:
    """The error statuses an operation can answer, each with the `Error` body.

    Parameters
    ----------
    limits : Limits
        Named in the 413's description.
    secured : bool
        The operation needs an API key (401).
    body : bool
        The operation reads a body (400, 415, 422).
    """
    statuses = [413, 500, *(BODY_STATUSES if body else ()), *((401,) if secured else ())]
    responses = {}
    for status in sorted(statuses):
        description = STATUSES[status]
        if status == 413:
            description += f" Limits: {limits.describe()}."
        response = {"description": description, "content": {JSON: {"schema": ref("Error")}}}
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": 'The scheme to use: Bearer realm="bankruptcy".',
                    "schema": {"type": "string"},
                }
            }
        responses[str(status)] = response
    return responses


def document(
    app: FastAPI,
    package: ModelPackage,
    limits: Limits,
    secured: bool,
    operations: dict[tuple[str, str], Operation],
) -> dict:
    """The OpenAPI document of `app` serving `package`.

    Parameters
    ----------
    app : FastAPI
        Its routes give paths, summaries and descriptions.
    package : ModelPackage
        The served package (features, outputs, identity).
    limits : Limits
        The request limits (info and 413s).
    secured : bool
        Whether the service takes API keys (security schemes, 401s).
    operations : dict
        ``(method, path) -> Operation`` for every operation of the document.
    """
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    origin = package.origin
    doc["info"]["description"] += (
        f" Serving {package.manifest['model']['estimator']} on {package.manifest['data']['name']}"
        f" ({origin.get('name') or 'a job package'}"
        + (f" version {origin['version']}" if origin.get("version") else "")
        + f"). Limits: {limits.describe()}."
    )
    doc["info"]["x-limits"] = {
        "max_rows": limits.max_rows,
        "explain_rows": limits.explain_rows,
        "recourse_rows": limits.recourse_rows,
        "max_body_bytes": limits.max_body_bytes,
        "max_factors": MAX_FACTORS,
    }
    components = {**_shared(package)}
    for (method, path), operation in operations.items():
        spec = doc["paths"][path][method]
        components.update(operation.components)
        responses = {"200": {"description": "OK", "content": {operation.media_type: {}}}}
        if operation.answer:
            responses["200"]["content"][operation.media_type]["schema"] = operation.answer
        guarded = secured and not operation.open
        spec["responses"] = {
            **responses,
            **error_responses(limits, guarded, operation.request is not None),
        }
        if operation.request is not None:
            body = {"schema": ref(operation.request)}
            if operation.example is not None:
                body["example"] = operation.example
            spec["requestBody"] = {"required": True, "content": {JSON: body}}
        if secured:
            spec["security"] = [] if operation.open else [{s: []} for s in SECURITY_SCHEMES]
    doc["components"] = {"schemas": components}
    if secured:
        doc["components"]["securitySchemes"] = SECURITY_SCHEMES
    return doc


def _shared(package: ModelPackage) -> dict[str, dict]:
    """Components every operation uses: the error body and the model's identity."""
    problem = {
        "type": "object",
        "description": "One reason a request was refused, machine-readable.",
        "properties": {
            "kind": {
                "type": "string",
                "description": "What went wrong: missing_columns, extra_columns, not_a_number, "
                "empty, form, columns, option, unauthorized, too_large, not_json, media_type, "
                "internal (read an unknown kind as a generic refusal).",
            },
            "message": {"type": "string", "description": "One line: the problem and the fix."},
            "columns": array(STRING),
            "rows": array({"type": "integer", "minimum": 0}),
            "values": array(STRING),
        },
        "required": ["kind", "message", "columns", "rows", "values"],
    }
    error = {
        "type": "object",
        "description": "A refused request: one line, and the problems in detail.",
        "properties": {
            "error": {"type": "string"},
            "problems": array(ref("Problem")),
            "model": ref("ModelIdentity"),
            "request": {"type": "string"},
        },
        "required": ["error", "problems"],
    }
    identity = {
        "type": "object",
        "description": "The served model package.",
        "properties": {
            "name": {"type": ["string", "null"], "description": "Registered name."},
            "version": {"type": ["integer", "null"], "description": "Registered version."},
            "reference": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "estimator": {"type": "string", "examples": [package.manifest["model"]["estimator"]]},
        },
        "required": ["name", "version", "reference", "sha256", "estimator"],
    }
    return {"Problem": problem, "Error": error, "ModelIdentity": identity}


def _each(names: list[str], schema: dict) -> dict:
    return {name: schema for name in names}


def array(items: dict, **more) -> dict:
    """A JSON Schema array of `items` (`more`: other keywords, e.g. ``description``)."""
    return {"type": "array", "items": items, **more}


def ref(name: str) -> dict:
    """A reference to component `name`."""
    return {"$ref": f"{REF}{name}"}
