"""Evaluation plots of one job: ROC/PR curves, confusion matrix, calibration, scores.

Figures are drawn with `bankruptcy.core.figures.new_figure` (matplotlib's object API on the
Agg canvas). Each ``*_figure`` function returns a `Figure` (tests read its titles and
labels); the job's outputs write them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve
from sklearn.utils._param_validation import Interval

from bankruptcy.core.errors import UserError
from bankruptcy.core.figures import new_figure
from bankruptcy.core.params import CheckedParams
from bankruptcy.evaluation.metrics import ScoreKind, expected_calibration_error
from bankruptcy.evaluation.pd_validation import reliability_curve
from bankruptcy.evaluation.threshold import threshold_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Curve = tuple[np.ndarray, np.ndarray]  # (labels, scores)

RATE_FPR = "False-positive rate (share of operating companies flagged)"
RATE_TPR = "True-positive rate = recall (share of bankruptcies caught)"


def titled(text: str, subtitle: str) -> str:
    """Title with an optional second line (dataset and model)."""
    return f"{text}\n{subtitle}" if subtitle else text


def roc_figure(folds: Sequence[Curve], test: Curve, subtitle: str = "") -> Figure:
    """ROC curves of the CV folds (thin) and the hold-out test set (thick)."""
    fig = new_figure()
    ax = fig.add_subplot()
    for i, (y, s) in enumerate(folds):
        fpr, tpr, _ = sk_roc_curve(y, s)
        label = "CV folds" if i == 0 else None
        ax.plot(fpr, tpr, color="tab:blue", alpha=0.35, lw=1, label=label)
    fpr, tpr, _ = sk_roc_curve(*test)
    ax.plot(fpr, tpr, color="tab:red", lw=2.2, label=f"test (AUC {roc_auc_score(*test):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
    ax.set(xlabel=RATE_FPR, ylabel=RATE_TPR, xlim=(0, 1), ylim=(0, 1.01))
    ax.set_title(titled("ROC curve", subtitle))
    ax.legend(loc="lower right")
    return fig


def pr_figure(folds: Sequence[Curve], test: Curve, subtitle: str = "") -> Figure:
    """Precision-recall curves of the CV folds and the test set, with the base rate."""
    fig = new_figure()
    ax = fig.add_subplot()
    for i, (y, s) in enumerate(folds):
        precision, recall, _ = precision_recall_curve(y, s)
        label = "CV folds" if i == 0 else None
        ax.plot(recall, precision, color="tab:blue", alpha=0.35, lw=1, label=label)
    precision, recall, _ = precision_recall_curve(*test)
    ap = average_precision_score(*test)
    ax.plot(recall, precision, color="tab:red", lw=2.2, label=f"test (AP {ap:.3f})")
    base = float(np.mean(test[0]))
    ax.axhline(base, ls="--", color="grey", lw=1, label=f"bankruptcy rate {base:.1%}")
    ax.set(
        xlabel="Recall (share of bankruptcies caught)",
        ylabel="Precision (share of flagged companies that went bankrupt)",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.set_title(titled("Precision-recall curve", subtitle))
    ax.legend(loc="upper right")
    return fig


def confusion_figure(y, labels, threshold: float, subtitle: str = "") -> Figure:
    """Test confusion matrix at the chosen threshold: counts and share of each true class."""
    y, labels = np.asarray(y).astype(int), np.asarray(labels).astype(int)
    counts = np.array([[np.sum((y == t) & (labels == p)) for p in (0, 1)] for t in (0, 1)])
    shares = counts / counts.sum(axis=1, keepdims=True)
    fig = new_figure(6.2, 4.6)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (t, p), n in np.ndenumerate(counts):
        colour = "white" if shares[t, p] > 0.5 else "black"
        ax.text(p, t, f"{n:,}\n{shares[t, p]:.1%}", ha="center", va="center", color=colour)
    names = ["operating", "bankrupt"]
    ax.set_xticks([0, 1], names)
    ax.set_yticks([0, 1], names)
    ax.set(xlabel="Predicted class", ylabel="True class")
    ax.set_title(titled(f"Test confusion matrix at threshold {threshold:.4g}", subtitle))
    fig.colorbar(image, ax=ax, label="Share of the true class")
    return fig


def calibration_figure(y, proba, brier: float, n_bins: int = 10, subtitle: str = "") -> Figure:
    """Reliability diagram and the score histogram.

    Top: observed bankruptcy rate against mean PD per bin (marker area ~ companies in the
    bin), with the 95 % Wilson interval of each observed rate as a shaded band: a calibrated
    model's points lie on the diagonal within the band's noise.
    """
    curve = reliability_curve(y, proba, n_bins=n_bins)
    fig = new_figure(6.4, 6.0)
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    top.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfectly calibrated")
    top.fill_between(
        curve["predicted"],
        curve["observed_low"],
        curve["observed_high"],
        color="tab:red",
        alpha=0.15,
        label="95 % interval of the observed rate",
    )
    top.vlines(
        curve["predicted"], curve["observed_low"], curve["observed_high"], color="tab:red", lw=1
    )
    top.plot(curve["predicted"], curve["observed"], "-", color="tab:red", lw=1)
    sizes = 15 + 300 * curve["count"] / curve["count"].max()
    top.scatter(curve["predicted"], curve["observed"], s=sizes, color="tab:red", label="test bins")
    for x, obs, n in zip(curve["predicted"], curve["observed"], curve["count"], strict=True):
        top.annotate(f"n={n:,}", (x, obs), textcoords="offset points", xytext=(6, -12), fontsize=8)
    top.set(ylabel="Observed bankruptcy rate in bin", xlim=(0, 1), ylim=(0, 1.05))
    ece = expected_calibration_error(y, proba)
    title = f"Calibration ({n_bins} equal-width bins), Brier {brier:.4f}, ECE {ece:.4f}"
    top.set_title(titled(title, subtitle))
    top.legend(loc="upper left", markerscale=0.4, fontsize=8)
    bottom.hist(proba, bins=50, range=(0, 1), color="tab:grey")
    bottom.set_yscale("log")
    bottom.set(xlabel="Predicted probability of bankruptcy", ylabel="Companies (log)")
    return fig


#: Probabilities are drawn on a logit axis, clipped to [PROBA_CLIP, 1 - PROBA_CLIP].
PROBA_CLIP = 1e-5
LOGIT_TICKS = (1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999)


def shown_scores(scores, kind: ScoreKind) -> np.ndarray:
    """Scores as drawn: probabilities clipped so a logit axis can show 0 and 1."""
    scores = np.asarray(scores, dtype=float)
    return np.clip(scores, PROBA_CLIP, 1 - PROBA_CLIP) if kind is ScoreKind.PROBA else scores


def score_axis(ax, kind: ScoreKind, label: str) -> None:
    """Logit x axis for probabilities (confident models pile up near 0 and 1), else linear."""
    from matplotlib.ticker import NullLocator  # matplotlib is loaded once a figure exists

    if kind is ScoreKind.PROBA:
        ax.set_xscale("logit")
        ticks = [t for t in LOGIT_TICKS if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks], rotation=30)
        ax.xaxis.set_minor_locator(NullLocator())
        label += f" (logit scale, clipped to [{PROBA_CLIP:g}, 1-{PROBA_CLIP:g}])"
    ax.set_xlabel(label)


def score_bins(scores: np.ndarray, kind: ScoreKind, n: int = 40) -> np.ndarray:
    """Bin edges evenly spaced on the axis the scores are drawn on."""
    if kind is not ScoreKind.PROBA:
        return np.histogram_bin_edges(scores, bins=n)
    logits = np.log(scores / (1 - scores))
    return 1 / (1 + np.exp(-np.linspace(logits.min(), logits.max(), n + 1)))


def score_distribution_figure(
    y, scores, threshold: float, kind: ScoreKind, subtitle: str = ""
) -> Figure:
    """Histograms of the test scores of each class, as shares of the class, with the threshold."""
    y, scores = np.asarray(y).astype(int), shown_scores(scores, kind)
    edges = score_bins(scores, kind)
    fig = new_figure()
    ax = fig.add_subplot()
    for cls, name, colour in ((0, "operating", "tab:blue"), (1, "bankrupt", "tab:red")):
        part = scores[y == cls]
        weights = np.full(len(part), 1 / max(len(part), 1))
        ax.hist(
            part,
            bins=edges,
            weights=weights,
            histtype="step",
            lw=2,
            color=colour,
            label=f"{name} (n={len(part):,})",
        )
    ax.axvline(
        shown_scores(threshold, kind),
        color="black",
        ls="--",
        lw=1,
        label=f"threshold {threshold:.4g}",
    )
    ax.set_yscale("log")
    score_axis(ax, kind, kind.axis_label)
    ax.set_ylabel("Share of the class's companies (log scale)")
    ax.set_title(titled("Test score distribution by class", subtitle))
    ax.legend()
    return fig


def threshold_figure(y, scores, chosen: float, kind: ScoreKind, subtitle: str = "") -> Figure:
    """Precision, recall and F1 against the threshold on the out-of-fold training scores."""
    t = threshold_table(y, scores)
    t = {k: v[1:] for k, v in t.items()}  # drop the "flag no-one" point above the top score
    flagged = t["tp"] + t["fp"]
    curves = {
        "precision": (t["tp"] / np.maximum(flagged, 1), "tab:blue", "-"),
        "recall": (t["tp"] / (t["tp"] + t["fn"]), "tab:red", "-"),
        "F1": (2 * t["tp"] / (2 * t["tp"] + t["fp"] + t["fn"]), "tab:green", "-"),
        "share flagged": (flagged / len(y), "tab:grey", ":"),
    }
    x = shown_scores(t["threshold"], kind)
    fig = new_figure()
    ax = fig.add_subplot()
    for name, (values, colour, style) in curves.items():
        ax.plot(x, values, label=name, color=colour, ls=style)
    default = kind.default_threshold
    for value, style, name in ((chosen, "--", "chosen"), (default, ":", "default")):
        ax.axvline(
            shown_scores(value, kind), color="black", ls=style, lw=1, label=f"{name} {value:.4g}"
        )
    score_axis(ax, kind, kind.axis_label)
    ax.set(ylabel="Metric value (share)", ylim=(0, 1.01))
    ax.set_title(titled("Metrics vs threshold (out-of-fold training scores)", subtitle))
    ax.legend(loc="best", fontsize=8)
    return fig


@dataclass
class EvaluationData:
    """What the evaluation figures show, decoupled from the experiment result.

    Attributes
    ----------
    folds : list of (labels, scores)
        Validation rows of each CV fold.
    test : (labels, scores)
        Hold-out test rows.
    oof : (labels, scores)
        Out-of-fold training scores (where the threshold was chosen).
    score_kind : ScoreKind
        What the scores are.
    threshold : float
        The chosen threshold (the model's own rule is ``score_kind.default_threshold``).
    subtitle : str
        Second title line (dataset and model).
    """

    folds: list[Curve]
    test: Curve
    oof: Curve
    score_kind: ScoreKind
    threshold: float
    subtitle: str = ""


def _calibration(d: EvaluationData) -> Figure | None:
    if d.score_kind is not ScoreKind.PROBA:
        return None  # decision scores are not probabilities: nothing to calibrate against
    y, p = d.test
    brier = float(np.mean((np.asarray(p) - np.asarray(y)) ** 2))
    return calibration_figure(y, p, brier, subtitle=d.subtitle)


#: Figure name -> builder; a builder may return None when the figure does not apply.
FIGURES = {
    "roc": lambda d: roc_figure(d.folds, d.test, d.subtitle),
    "pr": lambda d: pr_figure(d.folds, d.test, d.subtitle),
    "confusion": lambda d: confusion_figure(
        d.test[0], np.asarray(d.test[1]) >= d.threshold, d.threshold, d.subtitle
    ),
    "calibration": _calibration,
    "scores": lambda d: score_distribution_figure(*d.test, d.threshold, d.score_kind, d.subtitle),
    "threshold": lambda d: threshold_figure(*d.oof, d.threshold, d.score_kind, d.subtitle),
}


class PlotMaker(CheckedParams):
    """Draws the configured evaluation figures of a job.

    Parameters
    ----------
    kinds : list of str
        Figures to draw (keys of `FIGURES`); an empty list draws nothing
        (``plots=none``).
    dpi : int
        Resolution the figures are written at.
    """

    _parameter_constraints: dict = {
        "kinds": [list, tuple],
        "dpi": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, kinds: Sequence[str] = tuple(FIGURES), dpi: int = 110):
        self.kinds = kinds
        self.dpi = dpi

    def check(self) -> None:
        """Refuse unknown figure names (before any data is read)."""
        unknown = sorted(set(self.kinds) - set(FIGURES))
        if unknown:
            raise UserError(f"unknown plots.kinds {unknown}; choose from {sorted(FIGURES)}")

    def make(self, data: EvaluationData) -> dict[str, Figure]:
        """Draw each figure that applies to `data`; return ``{kind: figure}``."""
        self.check()
        figures = {}
        for kind in self.kinds:
            fig = FIGURES[kind](data)
            if fig is not None:
                fig.set_dpi(self.dpi)
                figures[kind] = fig
        return figures
