"""``POST /v1/recourse``: recourse plans for the flagged companies of a request.

The request takes the forms of ``POST /v1/predict`` (rows or columns, ``ignore_unknown``) and
its own options: ``target`` (a PD in (0, 1), or a risk band, ``low`` or ``elevated``, whose
upper edge is the target; default the package's decision threshold), ``plans`` (per firm,
1..`MAX_PLANS`, default 3) and ``max_changes`` (per plan, 1..`MAX_CHANGES`, default 3). The
answer has one object per company: its PD, decision and band, ``status`` (``plan``,
``not_needed``, ``infeasible``), its ``plans`` cheapest first (each with the changes, the PD,
decision and band after them, its cost, outlier score and the plan in words), for an
infeasible one the ``closest`` PD reached, and its ``data_gaps``
(`bankruptcy.recourse`, docs/recourse.md). The constraints are the package's defaults.

A package's `Basis` (its features' trends on the reference sample, the plausibility model)
takes seconds to derive: the service derives it once per served package, on the first
recourse request (the requests that come meanwhile wait for it).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.recourse.engine import INFEASIBLE, NOT_NEEDED, PLAN, Basis, Recourser, Settings
from bankruptcy.recourse.output import changes_of, in_words
from bankruptcy.serving import openapi
from bankruptcy.serving.gate import refusal
from bankruptcy.serving.limits import MAX_CHANGES, MAX_PLANS, Limits
from bankruptcy.serving.package import ModelPackage

#: The endpoint's own body options (besides the form and ``ignore_unknown``).
OPTIONS = ("target", "plans", "max_changes")
BANDS = ("low", "elevated")


class Bases:
    """The `Basis` of the served package, derived on the first recourse request after the
    package was loaded (a few seconds), under a lock so concurrent requests derive it once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cached: tuple[ModelPackage | None, Basis | None] = (None, None)

    def of(self, package: ModelPackage) -> Basis:
        """`package`'s basis (derived now if the served package changed)."""
        with self.lock:
            if self.cached[0] is not package:
                self.cached = (package, Basis.of(package))
            return self.cached[1]


def settings_of(payload: dict) -> Settings:
    """The request's options as engine settings; a 422 naming a bad one."""
    target = payload.get("target")
    number = isinstance(target, int | float) and not isinstance(target, bool)
    if target is not None and not (number and 0 < target < 1) and target not in BANDS:
        raise refusal(
            422,
            "option",
            f'"target" must be a PD strictly between 0 and 1 or a band ({" or ".join(BANDS)}), '
            f"got {target!r}",
        )
    counts = {}
    for name, most in (("plans", MAX_PLANS), ("max_changes", MAX_CHANGES)):
        value = payload.get(name, 3)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 3.0 is the integer 3 in JSON
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise refusal(
                422, "option", f'"{name}" must be an integer from 1 to {most}, got {value!r}'
            )
        counts[name] = value
    return Settings(
        target_pd=float(target) if number else None,
        band=target if isinstance(target, str) else None,
        **counts,
    )


def recourser_of(package: ModelPackage, settings: Settings, bases: Bases) -> Recourser:
    """The engine over `package`; a package without a PD is a 422 (nothing to aim at)."""
    try:
        return Recourser(package, settings, basis=bases.of(package) if _has_pd(package) else None)
    except UserError as error:
        raise refusal(422, "option", str(error)) from None


def answers(recourser: Recourser, X: pd.DataFrame) -> list[dict]:
    """One object per company of `X` (checked rows): PD, status, plans, closest, gaps."""
    package, names = recourser.package, recourser.space.names
    found = recourser.run(X)
    values = X.to_numpy(float)
    bands = package.bands
    out = []
    for i, result in enumerate(found):
        plans = [
            _plan(plan, values[i], names, result.pd, package.threshold, bands, k + 1)
            for k, plan in enumerate(result.plans)
        ]
        out.append(
            {
                "p_bankrupt": result.pd,
                "decision": int(result.pd >= package.threshold),
                "risk_band": str(bands.of(np.array([result.pd]))[0]),
                "status": result.status,
                "plans": plans if result.status == PLAN else [],
                "closest": plans[0] if result.status == INFEASIBLE and plans else None,
                "data_gaps": result.gaps if result.status != NOT_NEEDED else {},
            }
        )
    return out


def log_outputs(firms: list[dict]) -> dict:
    """What the prediction log keeps of an answer: per company its PD, status and plans'
    changes and PDs (the words and scores can be rebuilt from them)."""
    return {
        "p_bankrupt": [f["p_bankrupt"] for f in firms],
        "status": [f["status"] for f in firms],
        "plans": [
            [
                {"changes": p["changes"], "p_bankrupt_after": p["p_bankrupt_after"]}
                for p in f["plans"]
            ]
            for f in firms
        ],
    }


def options_schema() -> dict[str, dict]:
    """The endpoint's own body options (JSON Schema, with their bounds)."""
    return {
        "target": {
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                {"type": "string", "enum": list(BANDS)},
                {"type": "null"},
            ],
            "description": "Plans bring the PD below this: a PD, or a risk band whose upper "
            "edge is the target (low: below the elevated band; elevated: below the decision "
            "threshold). Default (or null): the package's decision threshold.",
        },
        "plans": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PLANS,
            "default": 3,
            "description": "Most plans per company, cheapest first.",
        },
        "max_changes": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_CHANGES,
            "default": 3,
            "description": "Most features one plan changes.",
        },
    }


def operation(package: ModelPackage, limits: Limits) -> openapi.Operation:
    """``POST /v1/recourse`` in the OpenAPI document (`bankruptcy.serving.openapi`)."""
    request = openapi.request_schema(
        "Recourse", package.contract, limits.recourse_rows, options_schema()
    )
    band = {"type": "string", "enum": list(package.bands.names)}
    number = {"type": "number"}
    plan = {
        "type": "object",
        "description": "Feature changes that bring the PD below the target, re-scored through "
        "the whole package (a statement about the model, not a causal claim).",
        "properties": {
            "plan": {"type": "integer", "minimum": 1},
            "changes": {
                "type": "object",
                "description": "feature -> [from, to] (from null: a filled gap).",
                "additionalProperties": openapi.array({"type": ["number", "null"]}),
            },
            "n_changes": {"type": "integer", "minimum": 1},
            "p_bankrupt_after": number,
            "decision_after": {"type": "integer", "enum": [0, 1]},
            "risk_band_after": band,
            "cost": {
                "type": ["number", "null"],
                "description": "The changes in interquartile ranges (null: too large to "
                "measure, from a value near the float limits).",
            },
            "outlier_score": {
                "type": ["number", "null"],
                "description": "Distance to the nearest healthy training firms (1 = typical).",
            },
            "words": {**openapi.STRING, "description": "The plan in words."},
        },
        "required": [
            "plan",
            "changes",
            "n_changes",
            "p_bankrupt_after",
            "decision_after",
            "risk_band_after",
            "cost",
            "outlier_score",
            "words",
        ],  # fmt: skip
    }
    firm = {
        "type": "object",
        "properties": {
            "p_bankrupt": number,
            "decision": {"type": "integer", "enum": [0, 1]},
            "risk_band": band,
            "status": {"type": "string", "enum": [PLAN, NOT_NEEDED, INFEASIBLE]},
            "plans": openapi.array(openapi.ref("Plan")),
            "closest": {
                "oneOf": [openapi.ref("Plan"), {"type": "null"}],
                "description": "An infeasible company's lowest PD reached, and its changes.",
            },
            "data_gaps": {
                "type": "object",
                "additionalProperties": number,
                "description": "Missing features that raise the PD -> PD if filled at the "
                "training median (plans never fill them).",
            },
            "warnings": openapi.array(openapi.STRING),
        },
        "required": [
            "p_bankrupt",
            "decision",
            "risk_band",
            "status",
            "plans",
            "closest",
            "data_gaps",
            "warnings",
        ],  # fmt: skip
    }
    answer = {
        "type": "object",
        "properties": {
            "model": openapi.ref("ModelIdentity"),
            "request": {"type": "string", "description": "The request's id in the log."},
            "ignored": openapi.array(openapi.STRING),
            "target": {**number, "description": "The PD the plans bring the companies below."},
            "firms": openapi.array(openapi.ref("RecourseFirm")),
        },
        "required": ["model", "request", "ignored", "target", "firms"],
    }
    example = {"rows": [openapi.median_row(package.contract)], "plans": 3, "max_changes": 2}
    return openapi.Operation(
        openapi.ref("RecourseAnswer"),
        "RecourseRequest",
        {**request, "Plan": plan, "RecourseFirm": firm, "RecourseAnswer": answer},
        example=example,
    )


def _plan(plan, x, names, before: float, threshold: float, bands, k: int) -> dict:
    changes = changes_of(plan, x, names)
    return {
        "plan": k,
        "changes": changes,
        "n_changes": len(changes),
        "p_bankrupt_after": plan.pd,
        "decision_after": int(plan.pd >= threshold),
        "risk_band_after": str(bands.of(np.array([plan.pd]))[0]),
        "cost": plan.cost,
        "outlier_score": plan.outlier,
        "words": in_words(changes, before, plan.pd),
    }


def _has_pd(package: ModelPackage) -> bool:
    return package.output_column == "p_bankrupt"
