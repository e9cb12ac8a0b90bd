"""The points table of a fitted scorecard, as a job output: table, figure, counts.

A model that is a scorecard (it has ``points_table``, `bankruptcy.models.scorecard.Scorecard`)
is its own explanation: the job writes its table as ``interpret/scorecard.csv`` (logged to
the tracker as a table), a figure of the points per bin (``plots/scorecard.png``) and the
scorecard's size in ``metrics.json``, whatever the ``interpret`` option (it costs nothing to
compute). Other models give nothing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.figures import new_figure
from bankruptcy.evaluation.plots import titled
from bankruptcy.interpret.features import describe, label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Name of the table (``interpret/scorecard.csv``) and figure (``plots/scorecard.png``).
NAME = "scorecard"
#: The table's last row: the base points (the offset and the regression's intercept).
BASE = "(base points)"


def scorecard_artifacts(model, descriptions: dict[str, str], subtitle: str = "") -> Artifacts:
    """Table, figure and ``scorecard/n_features``, ``scorecard/n_bins`` of a scorecard `model`.

    Parameters
    ----------
    model : estimator
        The pipeline's final estimator; nothing is returned unless it has ``points_table``.
    descriptions : dict of str to str
        The dataset's column descriptions (the table's ``meaning`` column).
    subtitle : str
        Second title line of the figure.
    """
    if not hasattr(model, "points_table"):
        return Artifacts()
    table = model.points_table()
    table.insert(1, "meaning", [describe(f, descriptions) for f in table["feature"]])
    first = table[table["feature"] == table["feature"].iloc[0]]
    rows = int(first["count"].sum())
    rate = float((first["count"] * first["bankrupt_rate"].fillna(0)).sum() / rows)
    base = pd.DataFrame(
        [
            {
                "feature": BASE,
                "meaning": "points every company gets",
                "bin": "",
                "count": rows,
                "bankrupt_rate": rate,
                "points": model.base_points_,
            }
        ]
    )
    table = pd.concat([table, base], ignore_index=True)
    features = table["feature"].iloc[:-1].unique()
    return Artifacts(
        metrics={
            f"{NAME}/n_features": float(len(features)),
            # numeric bins: the missing-value bin of each feature not counted
            f"{NAME}/n_bins": float(len(table) - 1 - len(features)),
        },
        tables={NAME: table},
        figures={NAME: points_figure(table.iloc[:-1], descriptions, model.pdo, subtitle)},
    )


def points_figure(
    table: pd.DataFrame, descriptions: dict, pdo: float, subtitle: str = ""
) -> Figure:
    """One panel per feature: the points of each bin (labelled with its bankrupt rate)."""
    features = list(dict.fromkeys(table["feature"]))
    columns = min(3, len(features))
    rows = math.ceil(len(features) / columns)
    fig = new_figure(4.2 * columns, 0.6 + 2.6 * rows)
    for k, feature in enumerate(features):
        part = table[table["feature"] == feature]
        ax = fig.add_subplot(rows, columns, k + 1)
        colours = np.where(part["points"] >= 0, "tab:blue", "tab:red")
        ax.barh(part["bin"].iloc[::-1], part["points"].iloc[::-1], color=colours[::-1])
        shown = part.iloc[::-1]
        for y, (points, rate) in enumerate(shown[["points", "bankrupt_rate"]].to_numpy()):
            text = "–" if np.isnan(rate) else f"{100 * rate:.1f} %"
            ax.annotate(text, (points, y), fontsize=7, va="center", xytext=(3, 0),
                        textcoords="offset points")  # fmt: skip
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(label(feature, descriptions, 40), fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle(
        titled(f"Scorecard points per bin (bankrupt rate of the bin; {pdo:g} points double "
               "the healthy:bankrupt odds)", subtitle), fontsize=10)  # fmt: skip
    return fig
