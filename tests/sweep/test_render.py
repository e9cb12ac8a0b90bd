"""CSV, Markdown, HTML and PNG views of a leaderboard."""

from __future__ import annotations

import re

import pandas as pd

from bankruptcy.sweep.leaderboard import build_leaderboard
from bankruptcy.sweep.render import to_markdown, write_all
from tests.sweep.fakes import make_job, metrics


def _board(tmp_path):
    make_job(tmp_path, "0", ["model=logistic"], metrics(0.30, std=0.02))
    make_job(tmp_path, "1", ["model=svm"], metrics(0.50, std=0.05))
    make_job(tmp_path, "2", ["model=mlp"], error="ValueError: bad <input> | width")
    return build_leaderboard(tmp_path)


def test_write_all_writes_every_format_in_rank_order(tmp_path):
    board = _board(tmp_path)
    paths = write_all(board, tmp_path / "out")
    assert set(paths) == {"csv", "md", "html", "png"}
    csv = pd.read_csv(paths["csv"])
    assert list(csv["model"]) == ["svm", "logistic", "mlp"]
    assert csv["status"].tolist() == ["ok", "ok", "failed"]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained_with_chart_and_escaped_errors(tmp_path):
    page = write_all(_board(tmp_path), tmp_path)["html"].read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing fetched
    assert page.count("<circle") == 2  # one dot per successful job
    assert "cv/pr_auc = 0.5000 ± 0.0500" in page
    assert '<tr class="failed">' in page
    assert "bad &lt;input&gt; | width" in page and "<input>" not in page


def test_markdown_has_one_row_per_job_and_escapes_pipes(tmp_path):
    text = to_markdown(_board(tmp_path))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 3  # header + jobs
    assert rows[1].startswith("| 1 | ok | svm | 0.5000 | 0.0500 |")
    assert "bad <input> \\| width" in rows[3]
    assert "Jobs: 1 failed, 2 ok" in text
