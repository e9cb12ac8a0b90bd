"""The page of a service that takes API keys, in headless Chromium: it asks for the key first.

Its own module: Playwright's sync API runs one browser at a time, and the page tests of the
open service keep theirs open for their module.
"""

from __future__ import annotations

import pytest

from bankruptcy.serving.predlog import read_records
from tests.serving.test_page import served_page

pytestmark = pytest.mark.slow


def test_with_api_keys_the_page_asks_for_one_then_scores(job_dir, tmp_path):
    key_file = tmp_path / "keys.txt"
    key_file.write_text("browser  page-key-0123456789abcdef\n")
    key_file.chmod(0o600)
    log_dir = tmp_path / "log"
    with served_page(str(job_dir), log_dir, "--api-keys", str(key_file)) as (page, errors, _):
        page.wait_for_selector("#api-key")
        assert page.is_hidden("#app") and page.locator("#fields input").count() == 0
        page.fill("#api-key", "not-the-key-0123456789")
        page.click("#key-submit")
        page.wait_for_function("document.getElementById('key-error').textContent !== ''")
        assert "unknown API key" in page.inner_text("#key-error")
        page.fill("#api-key", "page-key-0123456789abcdef")
        page.click("#key-submit")
        page.wait_for_selector("#fields input")
        assert page.locator("#fields input").count() == 64 and page.is_hidden("#key-form")
        page.click("#fill")
        page.click("#score")
        page.wait_for_selector("#probability")
        assert 0 <= float(page.inner_text("#probability")) <= 1
        page.reload()  # the key lives as long as the tab: no second prompt
        page.wait_for_selector("#fields input")
        # the browser reports the refused requests themselves; the page raised nothing
        assert all("status of 401" in e for e in errors) and len(errors) == 2
    records = list(read_records(log_dir))
    assert [r["key_name"] for r in records] == ["browser"]
