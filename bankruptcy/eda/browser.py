"""Open a report in headless Chromium: the DOM after loading, and a screenshot.

Used by the end-to-end test and `scripts/eda_screenshot.py` to check that the
page really renders (sections present, every image decoded, no script error).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# No network, no profile, no first-run UI: the page is a local file and nothing else may load.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


class BrowserMissing(RuntimeError):
    """Raised when no Chromium executable is on PATH."""


def find_chromium() -> str:
    """Path of the Chromium executable; `BrowserMissing` names the install command."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing(
        "headless Chromium not found on PATH (tried chromium, chromium-browser, google-chrome); "
        "install it with `apt-get install -y chromium`"
    )


def dump_dom(page: Path, timeout: float = 180) -> str:
    """The page's DOM as serialised by Chromium after the page has loaded."""
    return _chromium(["--dump-dom", Path(page).resolve().as_uri()], timeout).stdout


def screenshot(
    page: Path, png: Path, width: int = 1400, height: int = 6000, timeout: float = 180
) -> Path:
    """Save a `width` x `height` pixel screenshot of the top of `page` to `png`."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    args = [f"--screenshot={png}", f"--window-size={width},{height}"]
    _chromium([*args, Path(page).resolve().as_uri()], timeout)
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot to {png}")
    return png


@dataclass
class PageCheck:
    """What the loaded page holds: section ids, image count and the page's own status marks.

    `broken_images` and `js_errors` are the ``data-broken-images`` and
    ``data-js-errors`` attributes of ``<body>`` (see `bankruptcy.eda.render`);
    ``"pending"`` means the page's load handler never ran.
    """

    section_ids: list[str]
    images: int
    broken_images: str | None
    js_errors: str | None


def check_page(dom: str) -> PageCheck:
    """Read section ids, image count and status marks from a dumped DOM."""
    parser = _PageParser()
    parser.feed(dom)
    body = parser.body_attrs
    return PageCheck(
        section_ids=parser.section_ids,
        images=parser.images,
        broken_images=body.get("data-broken-images"),
        js_errors=body.get("data-js-errors"),
    )


def _chromium(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run headless Chromium with a throw-away profile; raise with its stderr on failure."""
    with tempfile.TemporaryDirectory(prefix="eda-chromium-") as profile:
        command = [find_chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"Chromium exited with {result.returncode}: {' | '.join(tail)}")
    return result


class _PageParser(HTMLParser):
    """Collects ``<section id>``, ``<img>`` count and ``<body>`` attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.section_ids: list[str] = []
        self.images = 0
        self.body_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.section_ids.append(values["id"])
        elif tag == "img":
            self.images += 1
        elif tag == "body":
            self.body_attrs = values
