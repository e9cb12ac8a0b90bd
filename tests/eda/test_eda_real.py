"""The EDA on the real data files: the CLI end to end, Chromium, W&B offline, the time section."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from bankruptcy.core.errors import UserError
from bankruptcy.eda.browser import check_page, dump_dom, screenshot
from bankruptcy.eda.render import write_report
from bankruptcy.eda.sections import FigureFile, Section, duplicates_section, time_section
from bankruptcy.experiment.builder import build_dataset
from tests.eda.test_report import SECTION_IDS
from tests.wandb_offline import read_offline_run, wandb_run_dirs

REPO = Path(__file__).resolve().parents[2]


def test_time_section_on_the_real_american_file(compose, data_dir, tmp_path):
    cfg = compose(
        ["dataset=american", "dataset.file=american_bankruptcy_partial.csv"], config_name="eda"
    )
    section = time_section(build_dataset(cfg.dataset), tmp_path)

    table = section.tables[0].frame.set_index("period")
    assert table.index.tolist() == list(range(1999, 2019))
    # Row and failure counts of the partial file, as documented in shared/data/DERIVED.md.
    assert table["rows"].sum() == 77_332
    assert table["bankrupt"].sum() == 5_115
    raw = pd.read_csv(
        data_dir / "american" / "american_bankruptcy_partial.csv", usecols=["year", "status_label"]
    )
    expected = raw["status_label"].eq("failed").groupby(raw["year"]).mean()
    assert table["bankrupt_rate"].to_numpy() == pytest.approx(expected.to_numpy())
    assert section.figures[0].path.read_bytes()[:4] == b"\x89PNG"
    low, high = expected.idxmin(), expected.idxmax()
    reading = section.paragraphs[0]
    assert f"from {expected[low]:.2%} ({low}) to {expected[high]:.2%} ({high})" in reading


def test_duplicates_on_the_real_qualitative_file(compose, tmp_path):
    dataset = build_dataset(compose(["dataset=qualitative"], config_name="eda").dataset)
    section = duplicates_section(dataset, tmp_path)
    # shared/data/README.md: 250 rows but only 103 distinct ones.
    assert section.metrics["duplicate_rows"] == 250 - 103
    assert "147 rows repeat an earlier row" in section.paragraphs[0]


def test_unusable_dataset_is_one_line_naming_file_and_fix(compose, tmp_path):
    csv = tmp_path / "firms.csv"
    csv.write_text("x,status\n1,0\n2,0\n")
    cfg = compose(["dataset=csv", f"dataset.path={csv}", "dataset.target=status"], "eda")
    with pytest.raises(UserError) as exit_info:
        build_dataset(cfg.dataset)
    message = str(exit_info.value)
    assert "\n" not in message
    assert "firms.csv" in message and "dataset.positive" in message


@pytest.mark.slow
def test_polish_year5_report_opens_in_chromium_and_logs_to_wandb(data_dir, tmp_path):
    env = {
        **os.environ,
        "BANKRUPTCY_DATA_DIR": str(data_dir),
        "BANKRUPTCY_OUTPUT_DIR": str(tmp_path),
        "WANDB_MODE": "offline",
    }
    command = [sys.executable, "-m", "bankruptcy.eda", "dataset=polish", "dataset.year=5"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "EDA polish_year5" in result.stderr and "8/8" in result.stderr  # progress bar
    (report,) = tmp_path.glob("eda/*/*/eda_report.html")

    # A real browser: every section rendered, every embedded image decoded, no script error.
    # Without Chromium this fails with BrowserMissing: "apt-get install -y chromium".
    page = check_page(dump_dom(report))
    assert page.section_ids == SECTION_IDS
    assert page.images == 6  # no time column in the Polish data: no time figure
    assert (page.broken_images, page.js_errors) == ("0", "0")
    shot = Image.open(screenshot(report, tmp_path / "report.png", height=3000))
    assert len(shot.convert("RGB").getcolors(maxcolors=1 << 20)) > 100  # not a blank page

    # The same figures, key tables, headline numbers and the HTML in the offline W&B run.
    (run_dir,) = wandb_run_dirs(report.parent)
    run = read_offline_run(run_dir)
    images = sorted(Path(f).name.split("_")[0] for f in run["files"] if "media/images/plots" in f)
    assert images == sorted(
        ["class", "missing", "distributions", "outliers", "correlation", "univariate"]
    )
    assert any("media/table/tables/univariate_auc" in f for f in run["files"])
    assert "eda_report.html" in run["files"]
    # Figures of the Polish 5year file documented in shared/data/README.md.
    summary = run["summary"]
    assert (summary["eda/rows"], summary["eda/features"]) == (5910, 64)
    assert (summary["eda/missing_cells"], summary["eda/duplicate_rows"]) == (4666, 60)
    assert run["tags"] == ["eda", "polish_year5"]
    assert run["config"]["dataset"]["year"] == 5


@pytest.mark.slow
def test_browser_check_catches_a_broken_image(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    section = Section("only", "Only", ["text"], figures=[FigureFile("bad", broken, "broken")])
    report = write_report(tmp_path / "page.html", "Broken", [], [section])
    page = check_page(dump_dom(report))
    assert page.section_ids == ["only"]
    assert page.broken_images == "1"
