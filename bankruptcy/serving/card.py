"""The model card: a package's manifest written for people (Markdown)."""

from __future__ import annotations

import math

import yaml

#: Metrics the card's table shows, in reading order (rare positives: ranking metrics first).
CARD_METRICS = (
    "roc_auc", "gini", "pr_auc", "f1", "precision", "recall", "brier", "ece", "balanced_accuracy",
)  # fmt: skip
#: Calibration statistics the card shows per stage, with their names for people.
CALIBRATION_ROWS = (
    ("mean_pd", "mean PD"),
    ("observed_rate", "observed bankrupt rate [95 % CI]"),
    ("mean_pd_pvalue", "p-value, mean PD = observed rate"),
    ("calibration_intercept", "calibration intercept (0 = right on average)"),
    ("calibration_slope", "calibration slope (1 = as spread as the outcomes)"),
    ("ece", "expected calibration error"),
    ("calibration_pvalue", "p-value, Spiegelhalter's goodness-of-fit test"),
)


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
    lines += ["", *calibration_section(manifest), *horizon_section(manifest)]
    lines += [*scorecard_section(manifest), *edits_section(manifest), *shapes_section(manifest)]
    lines += recourse_section(manifest)
    lines += ["## Top risk factors", ""]
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


def calibration_section(manifest: dict) -> list[str]:
    """The card's "Calibration" lines: where the PDs come from, their statistics, and expected
    against observed bankruptcies per risk band on the hold-out rows."""
    model, metrics = manifest["model"], manifest["metrics"]
    spec = model.get("calibration") or {"method": "none", "form": "identity"}
    lines = ["## Calibration", ""]
    if model["score_kind"] != "proba":
        return [*lines, "The model gives decision scores, not PDs (`calibration=none`).", ""]
    check = manifest.get("calibration") or {}
    if spec["form"] == "identity":
        lines.append(
            "The PDs are the model's own probabilities, not recalibrated (`calibration=none`): "
            "read the statistics below before taking them as frequencies."
        )
    else:
        fitted = check.get("fitted_on", {})
        lines.append(
            f"PDs come from the `{spec['method']}` calibration map, {_map_text(spec)}, fitted on "
            f"the out-of-fold scores of {fitted.get('rows', 0):,} training rows "
            f"({fitted.get('bankrupt', 0):,} bankrupt, {fitted.get('folds', 0)} CV folds): rows "
            "no fold model trained on and no sampler touched. The map is in `package.json`."
        )
    lines += ["", "| statistic | CV (out-of-fold) | hold-out |", "|---|---:|---:|"]
    for key, label in CALIBRATION_ROWS:
        cells = [
            _with_ci(metrics, f"{stage}/{key}")
            if key == "observed_rate"
            else _small(metrics.get(f"{stage}/{key}"))
            for stage in ("cv", "test")
        ]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    bands = check.get("test_by_band") or []
    if bands:
        lines += [
            "",
            "Hold-out rows by risk band: expected bankruptcies (the sum of the PDs) against "
            "observed ones.",
            "",
            "| band | companies | mean PD | expected | observed | observed rate [95 % CI] |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for band in bands:
            rate = (
                f"{_small(band['observed_rate'])} [{band['observed_rate_ci_low']:.4f}, "
                f"{band['observed_rate_ci_high']:.4f}]"
                if band["rows"]
                else "–"
            )
            lines.append(
                f"| {band['group']} | {band['rows']:,} | {_small(band.get('mean_pd'))} | "
                f"{band['expected']:.1f} | {band['observed']:,} | {rate} |"
            )
    return [*lines, ""]


def horizon_section(manifest: dict) -> list[str]:
    """The card's "Horizons" lines: what ``p_bankrupt`` and ``pd_<h>y`` mean, and each
    horizon's calibration on the hold-out rows whose label is observed (none without)."""
    horizons = manifest.get("horizons")
    if not horizons:
        return []
    years, main = horizons["years"], horizons["main"]
    if horizons["kind"] == "term_structure":
        what = (
            f"Cumulative PDs `pd_1y` ... `pd_{years[-1]}y`: the probability of failing within "
            "1, 2, ... years of the statement, from a discrete-time hazard model (one yearly "
            "hazard learnt with the year ahead as a feature, its calibration map fitted on "
            "out-of-fold first-year hazards; the curve cannot fall with the horizon)."
        )
    else:
        what = f"`pd_{main}y`: the probability of failing within {main} year(s) of the statement."
    lines = [
        "## Horizons",
        "",
        f"{what} `p_bankrupt` is the {main}-year PD (decision, bands and the metrics above). "
        "A row whose window is not fully observed (a firm that left the data, a statement "
        "too close to the data's end, failed firms alike) was censored, never counted as a "
        "survivor; with a walk-forward protocol, training rows whose window closes after the "
        "last training year were purged (docs/horizons.md).",
        "",
    ]
    rows = horizons.get("test") or []
    if rows:
        lines += [
            "Hold-out rows whose label is observed, per horizon:",
            "",
            "| horizon | rows | ROC-AUC | PR-AUC | mean PD | observed rate [95 % CI] | slope |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            lines.append(
                f"| {row['years']} y | {int(row['rows']):,} | {_num(row['roc_auc'])} | "
                f"{_num(row['pr_auc'])} | {_small(row['mean_pd'])} | "
                f"{_small(row['observed_rate'])} [{row['observed_rate_ci_low']:.4f}, "
                f"{row['observed_rate_ci_high']:.4f}] | {_num(row['calibration_slope'])} |"
            )
        lines.append("")
    return lines


def scorecard_section(manifest: dict) -> list[str]:
    """The card's "Scorecard" lines: every bin's training rows, bankrupt rate and points (none
    for other models)."""
    rows = manifest.get("scorecard") or []
    if not rows:
        return []
    options = manifest["config"].get("model", {})
    lines = [
        "## Scorecard",
        "",
        f"A company's score is the sum of its points: the base points plus one bin per "
        f"feature (higher = healthier; {_g(options.get('pdo'))} points double the "
        f"healthy:bankrupt odds, {_g(options.get('base_score'))} points at odds "
        f"{_g(options.get('base_odds'))}:1). Counts and bankrupt rates are the training rows'; "
        "missing values are a bin of their own. The PD comes from the same regression (then the "
        "calibration map above).",
        "",
        "| feature | meaning | bin | companies | bankrupt rate | WoE | points |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['feature']} | {row.get('meaning') or ''} | {row['bin']} | "
            f"{int(row['count']):,} | {_pct_or_dash(row['bankrupt_rate'])} | "
            f"{_num(row.get('woe'))} | {row['points']:g} |"
        )
    return [*lines, ""]


def shapes_section(manifest: dict, top: int = 10) -> list[str]:
    """The card's "Shapes" lines: an EBM's intercept, its `top` terms by importance and its
    top shapes in a few value ranges (none for other models)."""
    shapes = manifest.get("shapes") or {}
    if not shapes:
        return []
    lines = [
        "## Shapes (Explainable Boosting Machine)",
        "",
        f"A company's log-odds of bankruptcy is exactly the intercept ({shapes['intercept']:.3f}) "
        "plus one contribution per term, read off the term's learned shape at the company's "
        "values (then the calibration map above gives the PD). Every shape, bin by bin, is in "
        "`interpret/ebm_terms.csv` of the job, its figure in `plots/ebm_<term>.png`; "
        "`predict --explain K` and the API give each company's top contributions.",
        "",
        "| term | meaning | mean abs contribution |",
        "|---|---|---:|",
    ]
    for row in shapes["importance"][:top]:
        lines.append(f"| {row['term']} | {row.get('meaning') or ''} | {row['importance']:.3f} |")
    summary = shapes.get("summary") or []
    if summary:
        lines += [
            "",
            "The top shapes, in value ranges of equal training rows (contribution to the "
            "log-odds: mean over the range's training rows, and its smallest and largest bin):",
        ]
    for term in dict.fromkeys(row["term"] for row in summary):
        lines += ["", f"**{term}**", "", "| value range | rows | mean | min | max |",
                  "|---|---:|---:|---:|---:|"]  # fmt: skip
        for row in (r for r in summary if r["term"] == term):
            lines.append(
                f"| {row['range']} | {row['rows']:,.0f} | {row['mean']:+.3f} | "
                f"{row['min']:+.3f} | {row['max']:+.3f} |"
            )
    return [*lines, ""]


def edits_section(manifest: dict) -> list[str]:
    """The card's "Edited shapes" lines: the edits a credit team made to an EBM's shapes, and
    the package it was edited from (none for unedited models)."""
    done = (manifest.get("shapes") or {}).get("edits") or []
    if not done:
        return []
    source = manifest.get("edited_from") or {}
    lines = ["## Edited shapes", ""]
    if source:
        lines.append(
            f"Edited from `{source.get('reference')}` (model file SHA-256 "
            f"`{str(source.get('sha256'))[:12]}…`) by `python -m bankruptcy.edit`."
        )
    lines += [
        "The edits (`model.edits` in the config below) were applied after every fit of the "
        "job, so the CV metrics, the calibration map and the hold-out metrics above are the "
        "edited model's. In the final model:",
        "",
    ]
    for edit in done:
        details = ", ".join(f"{k} {v}" for k, v in edit.items() if k not in ("edit", "term"))
        lines.append(f"- {edit['edit']} `{edit['term']}`" + (f": {details}" if details else ""))
    return [*lines, ""]


def recourse_section(manifest: dict) -> list[str]:
    """The card's "Recourse plans" lines: what a plan may change and how plans are judged
    (none for models without a PD)."""
    if manifest["model"]["score_kind"] != "proba":
        return []
    from bankruptcy.recourse.constraints import DEFAULT_RANGE, package_defaults
    from bankruptcy.recourse.engine import Settings
    from bankruptcy.recourse.plausibility import LIMIT_QUANTILE

    section = package_defaults(manifest)
    meaning = {f["name"]: f["description"] for f in manifest["contract"]["features"]}
    immutable = section.get("immutable") or []
    one_way = section.get("one_way") or {}
    settings = Settings()
    others = (
        "move only the way that lowers the bankrupt rate on the training rows (each feature's "
        "trend over its optimal bins on the package's reference sample, as `model.monotone="
        "auto` derives it), either way where the rate peaks, dips or shows no trend"
        if section.get("directions", "auto") == "auto"
        else "move either way (`recourse.directions=free`)"
    )
    low = 100 * DEFAULT_RANGE
    return [
        "## Recourse plans",
        "",
        f"`python -m bankruptcy.recourse` gives each flagged company up to {settings.plans} "
        f"plans of at most {settings.max_changes} changed features that bring its PD below the "
        "decision threshold (docs/recourse.md). A plan is a statement about this model (with "
        "these values it scores the company below the target), not a causal claim about the "
        "company.",
        "",
        "What a plan may change (options of the command override it):",
        "",
        "- Immutable: "
        + (", ".join(_named(n, meaning) for n in immutable) if immutable else "none")
        + ".",
        "- One-way: "
        + (", ".join(f"{_named(n, meaning)} {m} only" for n, m in one_way.items()) or "none")
        + ".",
        f"- Every other feature: {others}.",
        "- A missing value stays missing: the missing values that raise the PD are reported "
        "apart, as data gaps, with the PD if filled at the training median.",
        "",
        "How plans are judged: **valid** (re-scored through this whole package, calibration "
        f"included, below the target); **in range** (every changed value between the training "
        f"{_ordinal(low)} and {_ordinal(100 - low)} percentiles); **cheap** (cost = the sum of the "
        "changes in interquartile ranges of the training rows; the cheapest plans first); "
        f"**plausible** (the changed company is as close to its nearest healthy training "
        f"companies as {100 * LIMIT_QUANTILE:g} % of healthy companies are, or as close as it "
        "was before); **diverse** (no plan is another with a feature more or less).",
        "",
    ]


def _ordinal(value: float) -> str:
    """``1`` -> ``1st``, ``99`` -> ``99th``, ``0.1`` -> ``0.1th``."""
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(
        int(value) % 10 if int(value) % 100 not in (11, 12, 13) else 0, "th"
    )
    return f"{value:g}{suffix if value == int(value) else 'th'}"


def _named(name: str, meaning: dict) -> str:
    text = meaning.get(name)
    return f"{name} ({text})" if text else name


def _g(value) -> str:
    """A number as short as it reads (``20``, ``0.5``); ``?`` when the config lacks it."""
    return "?" if value is None else f"{value:g}"


def _pct_or_dash(value) -> str:
    return "–" if _missing(value) else _pct(value)


def _map_text(spec: dict) -> str:
    """A fitted calibration map in words and numbers."""
    if spec["form"] == "logistic":
        terms = " ".join(
            f"{c:+.4g}·{name}(s)" for name, c in zip(spec["features"], spec["coef"], strict=True)
        )
        return f"PD = sigmoid({spec['intercept']:.4g} {terms}) of the model's score s"
    if spec["form"] == "piecewise_linear":
        return (
            f"a monotone piecewise-linear function of the score's log-odds ({len(spec['x'])} knots)"
        )
    return "the identity"


def _small(value) -> str:
    """Rates and p-values: four decimals."""
    return "–" if _missing(value) else f"{value:.4f}"


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
