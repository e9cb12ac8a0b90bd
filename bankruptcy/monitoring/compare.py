"""Comparisons of a window's metrics with the same metrics on the reference (test) rows.

Each performance view of the window is judged against the same view of the reference rows
(the package's test rows), never against another view:

- realized metrics against the reference's realized metrics (`versus_reference`): both have
  stratified bootstrap resamples; the samples are independent, so differences of their
  resamples are draws of the difference, and a metric is "worse" ("better") when the whole
  interval of that difference lies on the bad (good) side of zero;
- the label-free estimate against the same estimate on the reference's scores
  (`versus_null`): the null is "the window's rows and the reference rows come from one
  population"; samples of the window's and of the reference's size are both drawn from the
  two pooled, and a metric is "worse" ("better") when the window's difference lies beyond
  the range of those no-change differences (a two-sample bootstrap test). Each side's own
  resamples would understate the spread of a small side (500 rows flag a dozen companies:
  a bootstrap of a dozen near-certain PDs has almost none).

The verdict over a view's metrics is "worse" when any metric is worse. Each interval is
widened for the number of metrics compared (Bonferroni): a window from the reference's
population is called worse with probability at most (1 - confidence) / 2, and changed
(worse or better) at most 1 - confidence.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.evaluation.metrics import METRICS

#: Point values and resampled values (bootstrap or draws) of metrics on some rows.
Reference = tuple[dict, dict]
#: Random streams of the window's and the reference's resamples.
WINDOW, REFERENCE = 1, 2


def stream_seed(seed: int, stream: int) -> int:
    """A seed of its own for `stream` of `seed`.

    The window's and the reference's resamples must be independent: with one seed they
    would draw the same row positions (all of them when the window is the reference rows).
    """
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def mean(draws: np.ndarray) -> float:
    """Mean of the non-NaN `draws` (NaN when there is none)."""
    draws = draws[~np.isnan(draws)]
    return float(draws.mean()) if draws.size else float("nan")


def interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    """Central percentile interval of `draws` (NaN draws ignored; NaN when none is left)."""
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def summary(value: float, draws: np.ndarray, confidence: float) -> dict:
    """``{"value", "low", "high"}`` of one metric."""
    low, high = interval(draws, confidence)
    return {"value": float(value), "low": low, "high": high}


def versus_reference(
    name: str,
    draws: np.ndarray,
    value: float,
    reference_draws: np.ndarray,
    reference_value: float,
    confidence: float,
) -> dict:
    """Reference value, difference with its interval, and the change it shows.

    `draws` and `reference_draws` are independent draws of the metric `name` on the
    window and on the reference rows; they are paired in order (equal counts).
    """
    count = min(len(draws), len(reference_draws))
    low, high = interval(draws[:count] - reference_draws[:count], confidence)
    return {
        "reference": float(reference_value),
        "difference": float(value - reference_value),
        "difference_low": low,
        "difference_high": high,
    } | _change(name, low > 0, high < 0)


def versus_null(
    name: str, value: float, reference_value: float, null: np.ndarray, confidence: float
) -> dict:
    """Reference value, difference, the range of differences without change (`null`: draws
    of the difference when nothing changed), and the change the difference shows."""
    difference = value - reference_value
    low, high = interval(null, confidence)
    return {
        "reference": float(reference_value),
        "difference": float(difference),
        "no_change_low": low,
        "no_change_high": high,
    } | _change(name, difference > high, difference < low)


def _change(name: str, up: bool, down: bool) -> dict:
    worse, better = (down, up) if METRICS[name].higher_is_better else (up, down)
    return {
        "worse_than_reference": bool(worse),
        "change": "worse" if worse else "better" if better else "no change",
    }


def compared(metrics: dict, comparison, names, confidence: float) -> dict:
    """`metrics` with the comparison of each of `names`, and the verdict over them.

    Parameters
    ----------
    metrics : dict of str to dict
        Per metric its summary (`summary`).
    comparison : callable
        ``comparison(name, each)``: the fields of one metric's comparison at confidence
        ``each`` (`versus_reference`, `versus_null`).
    names : list of str
        The metrics compared (those the reference has too).
    confidence : float
        Family confidence: each comparison is at ``each = 1 - (1 - confidence) / k`` for
        the ``k`` metrics compared.

    Returns
    -------
    dict
        ``metrics`` (with the comparison fields), ``verdict`` ("worse" if any metric is
        worse, else "better" if any is better, else "no change") and
        ``comparison_confidence`` (``each``).
    """
    each = 1 - (1 - confidence) / max(len(names), 1)
    out = dict(metrics)
    for name in names:
        out[name] = metrics[name] | comparison(name, each)
    changes = {out[name]["change"] for name in names}
    verdict = next((c for c in ("worse", "better") if c in changes), "no change")
    return {"metrics": out, "verdict": verdict, "comparison_confidence": each}
