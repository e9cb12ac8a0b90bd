"""The shapes of a fitted Explainable Boosting Machine, as job outputs: tables, figures, counts.

A model that is an EBM (it has ``term_table``, `bankruptcy.models.ebm.ExplainableBoosting`) is
its own explanation, like a scorecard: the job writes every learned shape as
``interpret/ebm_terms.csv`` (term, bin, edges, score, standard error, training rows), the
global term importances as ``interpret/ebm_importance.csv``, a short summary of the top shapes
for the model card (``interpret/ebm_shapes.csv``), a figure per top term
(``plots/ebm_<term>.png``) and of the importances, whatever the ``interpret`` option (they
cost nothing to compute). Other models give nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.figures import new_figure
from bankruptcy.evaluation.plots import titled
from bankruptcy.interpret.features import label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NAME = "ebm"
#: Terms drawn (``plots/ebm_<term>.png``) and summarised for the model card.
TOP_TERMS = 6
#: Value ranges a top shape is summarised in for the card (equal shares of the training rows).
SEGMENTS = 8
#: Share of the training rows cut off at each end of a shape's drawn value range (the ratios'
#: extreme values would squeeze the rest of the curve into a line).
TAIL = 0.01


def ebm_artifacts(model, descriptions: dict[str, str], subtitle: str = "") -> Artifacts:
    """Tables, figures and ``ebm/*`` counts of a fitted EBM `model` (nothing for others).

    Parameters
    ----------
    model : estimator
        The pipeline's final estimator.
    descriptions : dict of str to str
        The dataset's column descriptions (the tables' ``meaning`` column).
    subtitle : str
        Second title line of the figures.
    """
    if not hasattr(model, "term_table"):
        return Artifacts()
    terms = model.term_table()
    features = model.term_features()
    meaning = {t: meaning_of(fs, descriptions) for t, fs in features.items()}
    terms.insert(1, "meaning", terms["term"].map(meaning))
    importance = model.term_importances()
    ranked = pd.DataFrame(
        {
            "term": importance.index,
            "meaning": importance.index.map(meaning),
            "features": [len(features[t]) for t in importance.index],
            "importance": importance.to_numpy(),
        }
    )
    top = list(ranked["term"].head(TOP_TERMS))
    figures = {f"{NAME}_importance": importance_figure(ranked, subtitle)}
    for term in top:
        figures[f"{NAME}_{file_stem(term)}"] = term_figure(
            terms[terms["term"] == term], term, features[term], descriptions, subtitle
        )
    return Artifacts(
        metrics={
            f"{NAME}/n_terms": float(len(features)),
            f"{NAME}/n_interactions": float(sum(len(f) > 1 for f in features.values())),
            f"{NAME}/intercept": float(model.intercept_),
        },
        tables={
            f"{NAME}_terms": terms,
            f"{NAME}_importance": ranked,
            f"{NAME}_shapes": shape_summary(terms, [t for t in top if len(features[t]) == 1]),
        },
        figures=figures,
    )


def meaning_of(features: list[str], descriptions: dict[str, str]) -> str:
    """A term's meaning: its feature's description, or both features' joined by ``&``."""
    return " & ".join(descriptions.get(f, "") or f for f in features)


def file_stem(term: str) -> str:
    """A term's name as a file name part: ``Attr27 & Attr5`` -> ``Attr27_x_Attr5``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", term.replace(" & ", "_x_"))


def shape_summary(terms: pd.DataFrame, chosen: list[str], segments: int = SEGMENTS) -> pd.DataFrame:
    """Each chosen one-feature shape in a few value ranges of equal training rows, for the
    model card: ``term``, ``range``, ``rows``, and the contribution's ``mean`` (weighted by
    training rows), ``min`` and ``max`` over the bins of the range; the missing-value bin
    is its own range."""
    rows = []
    for term in chosen:
        shape = terms[terms["term"] == term]
        missing, bins = shape.iloc[:1], shape.iloc[1:]
        share = np.cumsum(bins["weight"].to_numpy()) / max(bins["weight"].sum(), 1.0)
        group = np.minimum((share * segments - 1e-9).astype(int), segments - 1)
        for _, part in bins.groupby(group, sort=True):
            low, high = part["low"].iloc[0], part["high"].iloc[-1]
            opening = "(" if low == -np.inf else "["
            rows.append(_segment(term, part, f"{opening}{low:.4g}, {high:.4g})"))
        if missing["weight"].iloc[0] > 0:
            rows.append(_segment(term, missing, "missing"))
    return pd.DataFrame(rows, columns=["term", "range", "rows", "mean", "min", "max"])


def _segment(term: str, part: pd.DataFrame, text: str) -> dict:
    weight = part["weight"].to_numpy()
    score = part["score"].to_numpy()
    mean = float(np.average(score, weights=weight)) if weight.sum() > 0 else float(score.mean())
    return {"term": term, "range": text, "rows": float(weight.sum()), "mean": mean,
            "min": float(score.min()), "max": float(score.max())}  # fmt: skip


def importance_figure(ranked: pd.DataFrame, subtitle: str = "", top: int = 20) -> Figure:
    """Horizontal bars: mean |contribution| of the `top` terms over the training rows."""
    shown = ranked.head(top).iloc[::-1]
    fig = new_figure(7.0, 0.8 + 0.28 * len(shown))
    ax = fig.add_subplot()
    colours = np.where(shown["features"] > 1, "tab:purple", "tab:blue")
    ax.barh(shown["term"], shown["importance"], color=colours)
    ax.set_xlabel("mean |contribution to the log-odds| over the training rows")
    ax.tick_params(labelsize=8)
    ax.set_title(titled("EBM term importances (purple: interactions)", subtitle), fontsize=10)
    return fig


def term_figure(
    shape: pd.DataFrame, term: str, features: list[str], descriptions: dict, subtitle: str = ""
) -> Figure:
    """One term's learned shape: a step curve with its standard-error band and the
    missing-value bin for a feature; a heat map over both features' bins for a pair."""
    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot()
    if len(features) == 1:
        _draw_main(ax, shape)
        ax.set_xlabel(label(features[0], descriptions, 60))
    else:
        _draw_pair(fig, ax, shape, features, descriptions)
    ax.set_title(titled(f"EBM shape of {term} (contribution to the log-odds)", subtitle),
                 fontsize=10)  # fmt: skip
    return fig


def _draw_main(ax, shape: pd.DataFrame) -> None:
    missing, bins = shape.iloc[0], shape.iloc[1:]
    share = np.cumsum(bins["weight"].to_numpy()) / max(bins["weight"].sum(), 1.0)
    inside = bins[(share >= TAIL) & (share <= 1 - TAIL)]
    inside = inside if len(inside) >= 2 else bins
    edges = np.concatenate([inside["low"].to_numpy()[:1], inside["high"].to_numpy()])
    edges = _finite_ends(edges)
    score, error = inside["score"].to_numpy(), inside["std_error"].to_numpy()
    ax.stairs(score, edges, color="tab:blue", lw=1.5, baseline=None)
    if np.isfinite(error).any():
        ax.stairs(score + error, edges, baseline=score - error, fill=True, alpha=0.25,
                  color="tab:blue")  # fmt: skip
    ax.axhline(0, color="black", lw=0.8)
    _heavy_tails(ax, inside)
    if missing["weight"] > 0:
        ax.axhline(missing["score"], color="tab:red", lw=1, ls="--",
                   label=f"missing ({int(missing['weight'])} training rows)")  # fmt: skip
        ax.legend(fontsize=8, loc="best")
    ax.set_ylabel("contribution to the log-odds of bankruptcy")


def _heavy_tails(ax, bins: pd.DataFrame) -> None:
    """A symmetric-log value axis where the drawn range is far wider than its middle half
    (financial ratios: a few firms at thousands, most near 1)."""
    share = np.cumsum(bins["weight"].to_numpy()) / max(bins["weight"].sum(), 1.0)
    at = bins["high"].to_numpy()
    q = {k: at[min(np.searchsorted(share, k), len(at) - 1)] for k in (0.05, 0.25, 0.75, 0.95)}
    middle = q[0.75] - q[0.25]
    if np.isfinite(middle) and (q[0.95] - q[0.05]) > 20 * max(middle, 1e-12):
        ax.set_xscale("symlog", linthresh=max(middle, 1e-6))


def _finite_ends(edges: np.ndarray) -> np.ndarray:
    """Bin edges with an infinite first or last edge replaced by one a bin's width away."""
    edges = edges.copy()
    finite = edges[np.isfinite(edges)]
    width = np.diff(finite).mean() if len(finite) > 1 else 1.0
    if not np.isfinite(edges[0]):
        edges[0] = (finite[0] if len(finite) else 0.0) - width
    if not np.isfinite(edges[-1]):
        edges[-1] = (finite[-1] if len(finite) else 0.0) + width
    return edges


def _draw_pair(fig, ax, shape: pd.DataFrame, features: list[str], descriptions: dict) -> None:
    known = shape[shape["low"].notna() & shape["low_2"].notna()]
    first = np.sort(known["low"].unique())
    second = np.sort(known["low_2"].unique())
    grid = known.pivot_table(index="low_2", columns="low", values="score").reindex(
        index=second, columns=first
    )
    limit = float(np.nanmax(np.abs(grid.to_numpy()))) or 1.0
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="RdBu_r",
                      vmin=-limit, vmax=limit)  # fmt: skip
    for edges, setter in ((first, ax.set_xticks), (second, ax.set_yticks)):
        ticks = np.linspace(0, len(edges) - 1, min(6, len(edges))).astype(int)
        setter(ticks, [f"{edges[i]:.3g}" if np.isfinite(edges[i]) else "-inf" for i in ticks],
               fontsize=7)  # fmt: skip
    ax.set_xlabel(label(features[0], descriptions, 60) + " (bin from)")
    ax.set_ylabel(label(features[1], descriptions, 40) + " (bin from)", fontsize=8)
    fig.colorbar(image, ax=ax, label="contribution to the log-odds")
