"""The model card: a package's manifest written for people (Markdown)."""

from __future__ import annotations

import math

import yaml

#: Metrics the card's table shows, in reading order (rare positives: ranking metrics first).
CARD_METRICS = ("roc_auc", "pr_auc", "f1", "precision", "recall", "brier", "balanced_accuracy")


def render_card(manifest: dict) -> str:
    """Markdown model card of a package manifest (``package.json``)."""
    model, data, decision = manifest["model"], manifest["data"], manifest["decision"]
    metrics = manifest["metrics"]
    config = manifest["config"]
    lines = [
        f"# Model card: {model['estimator']} on {data['name']}",
        "",
        "## Model",
        "",
        f"- Estimator: `{model['estimator']}` inside a leak-free imbalanced-learn pipeline "
        f"(preprocessing, sampler `{_choice(config, 'sampler')}`, model).",
        f"- Output: {_output(model)}.",
        f"- Built {manifest['created']} from git commit `{_commit(manifest['git'])}`; "
        f"model file SHA-256 `{model.get('sha256', '?')}`.",
        "",
        "## Intended use and limits",
        "",
        "- Ranks companies by their risk of bankruptcy from financial ratios, to decide which "
        "to review first in credit risk work. A decision support, not a decision: a flagged "
        "company needs an analyst's review.",
        f"- Learned from {data['name']} ({data['source']}): {data['rows']:,} companies, "
        f"{_pct(data['base_rate'])} bankrupt. Other countries, sectors, periods or ratio "
        "definitions are outside what was measured; watch drift (`python -m "
        "bankruptcy.monitor`) before trusting the figures below on new data.",
        "- With rare bankruptcies, accuracy says little: read PR-AUC, recall and precision.",
        "",
        "## Data",
        "",
        "| rows | training rows | test rows (hold-out) | bankrupt share |",
        "|---:|---:|---:|---:|",
        f"| {data['rows']:,} | {data['train_rows']:,} | {data['test_rows']:,} | "
        f"{_pct(data['base_rate'])} |",
        "",
        "## Metrics",
        "",
        "Cross-validation on the training rows (mean ± std over folds) and the hold-out test "
        "rows, scored once, with 95 % stratified-bootstrap intervals.",
        "",
        "| metric | CV | hold-out [95 % CI] |",
        "|---|---:|---:|",
    ]
    for name in CARD_METRICS:
        if _missing(metrics.get(f"test/{name}")):
            continue
        lines.append(
            f"| {name} | {_num(metrics.get(f'cv/{name}'))} ± {_num(metrics.get(f'cv/{name}_std'))}"
            f" | {_with_ci(metrics, f'test/{name}')} |"
        )
    lines += [
        "",
        "## Decision threshold",
        "",
        f"A company is flagged when its {_unit(model)} is at least **{decision['threshold']:.4g}** "
        f"(chosen on out-of-fold training scores by `{_rule(decision['rule'])}`; the model's "
        f"own rule would be {decision['default_threshold']:g}). On the hold-out rows:",
        "",
        "| at | precision | recall | F1 |",
        "|---|---:|---:|---:|",
        "| chosen threshold | "
        + " | ".join(
            _with_ci(metrics, f"test/{m}@threshold") for m in ("precision", "recall", "f1")
        )
        + " |",
        "| model's own rule | "
        + " | ".join(_with_ci(metrics, f"test/{m}") for m in ("precision", "recall", "f1"))
        + " |",
        "",
        "Risk bands (what the API and the web page show):",
        "",
    ]
    for band in decision["bands"]:
        lower = "" if band["from"] is None else f" from {band['from']:.4g}"
        lines.append(f"- **{band['name']}**{lower}")
    lines += ["", "## Top risk factors", ""]
    factors = manifest.get("risk_factors") or []
    if factors:
        lines += [
            "Mean absolute SHAP value on hold-out rows.",
            "",
            "| feature | meaning | mean abs SHAP |",
        ]
        lines.append("|---|---|---:|")
        for f in factors:
            lines.append(f"| {f['feature']} | {f['description']} | {f['mean_abs_shap']:.4g} |")
    else:
        lines.append("Not computed for this job (`interpret=none`).")
    lines += [
        "",
        "## Input",
        "",
        f"{len(manifest['contract']['features'])} features, in order, as numbers "
        "(missing values allowed where training had them); the full contract with ranges is in "
        "`package.json`. Label: " + manifest["contract"]["label"]["meaning"] + ".",
        "",
        "## Versions",
        "",
        ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()),
        "",
        "## Config",
        "",
        "```yaml",
        yaml.safe_dump(config, sort_keys=False).rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def _choice(config: dict, group: str) -> str:
    target = (config.get(group) or {}).get("_target_", "?")
    return target.rsplit(".", 1)[-1]


def _output(model: dict) -> str:
    if model["score_kind"] != "proba":
        return "a decision score (higher = riskier), not a probability"
    if model["calibrated"]:
        return "a calibrated probability of bankruptcy"
    return "a probability of bankruptcy (not explicitly calibrated)"


def _unit(model: dict) -> str:
    return "probability of bankruptcy" if model["score_kind"] == "proba" else "score"


def _rule(rule: dict) -> str:
    target = rule.get("_target_", "?").rsplit(".", 1)[-1]
    args = ", ".join(f"{k}={v}" for k, v in rule.items() if k != "_target_")
    return f"{target}({args})"


def _commit(git: dict) -> str:
    commit = (git.get("commit") or "unknown")[:12]
    return commit + (" (with uncommitted changes)" if git.get("dirty") else "")


def _with_ci(metrics: dict, key: str) -> str:
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    text = _num(metrics.get(key))
    return text if _missing(low) or _missing(high) else f"{text} [{low:.3f}, {high:.3f}]"


def _num(value) -> str:
    return "–" if _missing(value) else f"{value:.3f}"


def _pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
