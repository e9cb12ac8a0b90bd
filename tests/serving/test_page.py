"""The service's web page in headless Chromium (Playwright driving the system browser)."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pandas as pd
import pytest

from bankruptcy.eda.browser import FLAGS, find_chromium
from tests.serving.conftest import Server

pytestmark = pytest.mark.slow


@contextmanager
def served_page(model: str, log_dir, *args: str):
    """A server on `model` (serve options `args`) and a fresh Chromium page recording console
    errors, opened on the page (which then reads the model, or asks for an API key)."""
    from playwright.sync_api import sync_playwright

    server = Server(model, log_dir, dict(os.environ), *args)
    flags = [f for f in FLAGS if f != "--headless"]  # Playwright adds its own
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=flags)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        yield page, errors, server
        browser.close()
    server.stop()


@pytest.fixture(scope="module")
def browser_page(job_dir, tmp_path_factory):
    """The page of the job's package, served without API keys."""
    with served_page(str(job_dir), tmp_path_factory.mktemp("page-log")) as opened:
        opened[0].wait_for_selector("#fields input")
        yield opened


def test_form_scores_one_company_and_charts_its_factors(browser_page, tmp_path):
    page, errors, server = browser_page
    errors.clear()
    assert page.locator("#fields input").count() == 64
    assert "EBIT / total assets" in page.inner_text("#fields")  # fields carry the meanings
    page.click("#fill")  # the training medians
    page.click("#score")
    page.wait_for_selector("#probability")
    probability = float(page.inner_text("#probability"))
    assert 0 <= probability <= 1
    band = page.inner_text("#band")
    assert band in {"low", "elevated", "high"}
    assert page.locator("#factor-chart rect").count() == 5
    page.screenshot(path=str(tmp_path / "one.png"), full_page=True)
    assert (tmp_path / "one.png").stat().st_size > 20_000
    assert errors == []


def test_text_in_a_number_field_shows_the_problem(browser_page):
    page, errors, _ = browser_page
    errors.clear()
    page.click("#fill")
    page.fill("#f-Attr3", "twelve")
    page.click("#score")
    page.wait_for_selector("#result .error")
    assert "Attr3" in page.inner_text("#result") and "twelve" in page.inner_text("#result")
    # the browser reports the refused request itself; the page raised nothing
    assert all("status of 422" in e for e in errors)


def test_csv_upload_scores_many_companies(browser_page, test_rows, tmp_path):
    page, errors, _ = browser_page
    errors.clear()
    upload = tmp_path / "twenty.csv"
    rows = pd.read_csv(test_rows).head(20)
    rows.to_csv(upload, index=False)
    page.set_input_files("#csv", str(upload))
    page.wait_for_selector("#batch-table")
    table = page.locator("#batch-table tbody tr")
    assert table.count() == 20
    assert table.nth(0).locator("td").nth(0).inner_text() == rows["company"].iloc[0]
    assert "companies" in page.inner_text("#batch-summary")
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    assert (tmp_path / "batch.png").stat().st_size > 20_000
    assert errors == []
