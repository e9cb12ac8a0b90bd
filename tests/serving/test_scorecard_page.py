"""A scorecard package's page in headless Chromium: its score and points beside the PD.

Its own module: Playwright's sync API runs one browser at a time, and the page tests of the
default package keep theirs open for their module.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.serving.test_page import served_page

pytestmark = pytest.mark.slow


def test_a_scorecards_page_shows_its_points_beside_the_pd(data_dir, tmp_path_factory):
    from bankruptcy.experiment.job import JobInfo, run_job
    from tests.conftest import compose_config

    job = tmp_path_factory.mktemp("scorecard") / "job"
    cheap = ["interpret=none", "plots=none", "bootstrap=none", "protocol.n_splits=3"]
    options = ["dataset.year=5", "model=scorecard", "logger=none", *cheap]
    run_job(compose_config([f"paths.data_dir={data_dir}", *options]), JobInfo(job))
    table = pd.read_csv(job / "interpret" / "scorecard.csv")
    n_features = table.loc[table["bin"] == "Missing", "feature"].nunique()
    with served_page(str(job), tmp_path_factory.mktemp("log")) as (page, errors, _):
        page.wait_for_selector("#fields input")
        page.click("#fill")
        page.click("#score")
        page.wait_for_selector("#score-points")
        rows = page.locator("#points tr")  # a header, then one row per scorecard feature
        assert rows.count() == n_features + 1
        cells = [rows.nth(i).locator("td").nth(1) for i in range(1, n_features + 1)]
        shown = [float(cell.inner_text()) for cell in cells]
        # the company's points add up, with the base points, to the score shown
        base = table["points"].iloc[-1]
        assert float(page.inner_text("#score-points")) == pytest.approx(base + sum(shown))
        assert 0 <= float(page.inner_text("#probability")) <= 1
        assert "points lost" in page.inner_text("#chart")
        assert errors == []
