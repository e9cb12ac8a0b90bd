"""The service's web page: one company by form, many by CSV upload; no external assets.

The page itself is ``static/page.html`` (inline CSS and JavaScript); the model's facts and
input contract are written into it as JSON.

The form is generated from the package's input contract (names, descriptions, training
medians as placeholders); results show the probability, the decision, the risk band, the
input warnings and a chart of the top risk factors. Everything talks to ``/v1/predict``.
"""

from __future__ import annotations

import html
from importlib import resources

import orjson

from bankruptcy.core.jsonable import json_ready
from bankruptcy.serving.package import ModelPackage


def render_page(package: ModelPackage) -> str:
    """The HTML page for `package` (self-contained: inline CSS, JavaScript and SVG)."""
    manifest = package.manifest
    model = {
        "name": package.origin.get("name"),
        "version": package.origin.get("version"),
        "estimator": manifest["model"]["estimator"],
        "output": package.output_column,
        "threshold": package.threshold,
        "bands": manifest["decision"]["bands"],
        "dataset": manifest["data"]["name"],
        "features": [
            {"name": f.name, "description": f.description, "median": f.quantiles.get("q0.5")}
            for f in package.contract.features
        ],
        "metrics": {
            k: manifest["metrics"].get(k) for k in ("cv/roc_auc", "test/roc_auc", "test/pr_auc")
        },
    }
    data = orjson.dumps(json_ready(model)).decode().replace("</", "<\\/")
    title = html.escape(f"Bankruptcy risk: {model['estimator']} on {model['dataset']}")
    template = resources.files("bankruptcy.serving").joinpath("static/page.html").read_text()
    return template.replace("__TITLE__", title).replace("__MODEL__", data)
