"""Write a ranking across datasets: CSV tables, a Markdown and an HTML page, the CD diagram."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from bankruptcy.evaluation.ranking import Ranking
from bankruptcy.sweep.across import Study
from bankruptcy.sweep.render import fmt

DIAGRAM = "cd_diagram"
_COLUMNS = {
    "mean_rank": "mean rank",
    "mean": "mean {metric}",
    "wins": "wins",
    "rank_gap": "gap to best",
    "nemenyi_p": "Nemenyi p vs best",
    "holm_p": "Holm p vs best",
    "worse_than_best": "worse than best",
    "p_best_better": "P(best better)",
    "p_equivalent": "P(equivalent)",
    "p_best_worse": "P(best worse)",
}


def write_all(study: Study, ranking: Ranking, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``ranking.{csv,md,html}``, ``scores.csv``, ``ranks.csv`` and the CD diagram
    (``cd_diagram.png``, ``cd_diagram.svg``) into `out_dir`.

    Returns
    -------
    dict of str to pathlib.Path
        What was written, by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "ranking": out / "ranking.csv",
        "scores": out / "scores.csv",
        "ranks": out / "ranks.csv",
        "md": out / "ranking.md",
        "html": out / "ranking.html",
    }
    ranking.table.to_csv(paths["ranking"])
    ranking.scores.rename_axis("dataset").to_csv(paths["scores"])
    ranking.ranks.rename_axis("dataset").to_csv(paths["ranks"])
    paths.update(write_diagram(study, ranking, out / DIAGRAM))
    paths["md"].write_text(to_markdown(study, ranking))
    paths["html"].write_text(to_html(study, ranking, paths["svg"].read_text()))
    return paths


def write_diagram(study: Study, ranking: Ranking, stem: Path) -> dict[str, Path]:
    """The critical-difference diagram: methods by mean rank (1 = best, left), bars joining
    methods the Nemenyi test does not tell apart, the CD to scale; as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt
    import scikit_posthocs as sp

    names = {m: short_name(m) for m in ranking.table.index}
    ranks = ranking.table["mean_rank"].rename(index=names)
    nemenyi = ranking.nemenyi.rename(index=names, columns=names)
    k = len(ranks)
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.28 * k))
    sp.critical_difference_diagram(
        ranks,
        nemenyi,
        alpha=ranking.alpha,
        ax=ax,
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
        label_props={"fontsize": 9},
    )
    ax.set_xlim(0.8, k + 0.2)  # the whole scale of ranks, 1 = best
    ax.set_xticks(range(1, k + 1))
    _critical_difference_bar(ax, ranking.cd)
    ax.set_title(_diagram_title(study, ranking), fontsize=9)
    fig.tight_layout()
    paths = {"png": stem.with_suffix(".png"), "svg": stem.with_suffix(".svg")}
    fig.savefig(paths["png"], dpi=130)
    fig.savefig(paths["svg"])
    plt.close(fig)
    return paths


def _critical_difference_bar(ax, cd: float) -> None:
    """The CD to scale from rank 1, above the axis and its tick labels (Demšar's layout)."""
    y = 1.2  # data units above the axis line (y = 0); the methods hang below it
    ax.plot([1, 1 + cd], [y, y], color="k", linewidth=1.5)
    for x in (1, 1 + cd):
        ax.plot([x, x], [y - 0.12, y + 0.12], color="k", linewidth=1.5)
    ax.text(1 + cd / 2, y + 0.2, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(top=y + 0.9)


def short_name(method: str) -> str:
    """``model=svm sampler=smote`` -> ``svm / smote``: the values, for the diagram."""
    return " / ".join(part.partition("=")[2] or part for part in method.split())


def facts(study: Study, ranking: Ranking) -> list[str]:
    """What was ranked and what the tests say, one sentence per line."""
    n, k = ranking.scores.shape
    order = "higher" if study.maximize else "lower"
    verdict = "the methods differ" if ranking.significant else "no evidence that the methods differ"
    lines = [
        f"Metric: {study.metric} ({order} is better), one value per dataset and method.",
        f"Datasets ({n}, told apart by {', '.join(study.dataset_keys)}): "
        + "; ".join(ranking.scores.index)
        + ".",
        f"Methods ({k}, what varies within a dataset: {', '.join(study.method_keys) or '-'}).",
    ]
    for key, values in study.per_dataset.items():
        shown = "; ".join(f"{d}: {v}" for d, v in values.items())
        lines.append(f"Set per dataset, not part of a method: {key} ({shown}).")
    lacking: dict[tuple[str, ...], list[str]] = {}
    for method, datasets in study.left_out.items():
        lacking.setdefault(tuple(datasets), []).append(method)
    for datasets, methods in lacking.items():
        lines.append(
            f"Left out, no result on {', '.join(datasets)} (not run there, or failed): "
            f"{'; '.join(methods)}."
        )
    lines += [
        f"Friedman chi2 = {ranking.friedman:.3f} (p = {ranking.friedman_p:.4g}); "
        f"Iman-Davenport F = {ranking.iman_davenport:.3f} (p = {ranking.iman_davenport_p:.4g}):"
        f" {verdict} at alpha = {ranking.alpha}.",
        f"Nemenyi critical difference: {ranking.cd:.3f} mean ranks (bars of the diagram); "
        "Holm: Demšar's z-test of each method against the best, Holm-adjusted. Ties share "
        "the average of their ranks.",
    ]
    if ranking.rope is not None:
        lines.append(
            f"Bayesian signed-rank test (baycomp) of the best against each method, ROPE "
            f"+-{ranking.rope:g} {study.metric}: P(best better), P(equivalent), P(best worse)."
        )
    return lines


def ranking_view(study: Study, ranking: Ranking) -> pd.DataFrame:
    """The ranking table with readable headers, best first."""
    view = ranking.table.reset_index()
    view.insert(0, "rank", range(1, len(view) + 1))
    view["worse_than_best"] = [
        "" if pd.isna(v) else "yes" if v else "no" for v in view["worse_than_best"]
    ]
    names = {c: t.format(metric=study.metric) for c, t in _COLUMNS.items()}
    return view.rename(columns=names)


def scores_view(ranking: Ranking) -> pd.DataFrame:
    """Metric per dataset and method (methods best first), each with its rank; mean rank last."""
    methods = list(ranking.table.index)
    cells = {
        m: [
            f"{fmt(float(s))} ({r:g})"
            for s, r in zip(ranking.scores[m], ranking.ranks[m], strict=True)
        ]
        for m in methods
    }
    view = pd.DataFrame(cells, index=ranking.scores.index)
    view.loc["mean rank"] = [f"{ranking.table.at[m, 'mean_rank']:.2f}" for m in methods]
    return view.rename_axis("dataset").reset_index()


def to_markdown(study: Study, ranking: Ranking) -> str:
    """The page: facts, the ranking, the metric per dataset, the diagram."""
    lines = [f"# Ranking across datasets: {study.metric}", ""]
    lines += [f"- {line}" for line in facts(study, ranking)]
    lines += ["", f"![critical-difference diagram]({DIAGRAM}.png)", "", "## Ranking", ""]
    lines += _markdown_table(ranking_view(study, ranking))
    lines += ["", f"## {study.metric} per dataset (rank within the dataset)", ""]
    lines += _markdown_table(scores_view(ranking))
    return "\n".join(lines) + "\n"


def to_html(study: Study, ranking: Ranking, svg: str) -> str:
    """A self-contained page: facts, the diagram (inline SVG), both tables."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in facts(study, ranking))
    svg = svg[svg.find("<svg") :]  # drop the XML prologue inside the page
    title = html.escape(f"Ranking across datasets: {study.metric}")
    tables = "".join(
        f"<h2>{html.escape(heading)}</h2>{_html_table(view)}"
        for heading, view in (
            ("Ranking", ranking_view(study, ranking)),
            (f"{study.metric} per dataset (rank within the dataset)", scores_view(ranking)),
        )
    )
    return _PAGE.format(title=title, facts=items, svg=svg, tables=tables)


def print_summary(study: Study, ranking: Ranking, paths: dict[str, Path]) -> None:
    """Facts, the ranking table and the files written, on the console."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    for line in facts(study, ranking):
        console.print(line, markup=False, highlight=False)
    view = ranking_view(study, ranking)
    view["method"] = view["method"].map(short_name)  # the full names are in the files
    table = Table(title_justify="left")
    for column in view.columns:
        table.add_column(str(column), overflow="fold")
    for _, row in view.iterrows():
        table.add_row(*(fmt(v) for v in row))
    console.print(table)
    console.print(f"Written: {', '.join(str(p) for p in paths.values())}", highlight=False)


def _diagram_title(study: Study, ranking: Ranking) -> str:
    n = len(ranking.scores)
    return (
        f"{study.metric}: mean rank over {n} datasets (1 = best)\n"
        f"bars: no significant difference (Nemenyi, alpha = {ranking.alpha}); "
        f"Iman-Davenport p = {ranking.iman_davenport_p:.3g}"
    )


def _markdown_table(view: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(map(str, view.columns)) + " |"
    rule = "|" + "|".join("---:" if _numeric(view[c]) else "---" for c in view.columns) + "|"
    rows = [
        "| " + " | ".join(fmt(v).replace("|", "\\|") for v in row) + " |" for row in view.values
    ]
    return [head, rule, *rows]


def _html_table(view: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in view.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in row) + "</tr>"
        for row in view.values
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 1.5rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>{title}</h1>
<ul>{facts}</ul>
{svg}
{tables}
</body></html>
"""
