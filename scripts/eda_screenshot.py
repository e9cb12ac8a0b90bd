"""Open an EDA report in headless Chromium, check it and save screenshots to look at.

    python -m bankruptcy.eda dataset=polish dataset.year=5
    python scripts/eda_screenshot.py outputs/eda/<date>/<time>/eda_report.html --out shots/

Prints the sections found, the image count and the page's broken-image and
script-error counts (exit status 1 if any is wrong), then writes the full page
as ``page.png`` and cut into ``page_<n>.png`` tiles of `--tile` pixels, small
enough for an image viewer to show at full size.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageOps

from bankruptcy.eda.browser import check_page, dump_dom, screenshot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="eda_report.html")
    parser.add_argument("--out", type=Path, default=Path("eda_screenshots"), help="output folder")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=16000, help="page height to capture")
    parser.add_argument("--tile", type=int, default=1600, help="tile height in pixels")
    args = parser.parse_args()

    page = check_page(dump_dom(args.report))
    print(f"sections: {', '.join(page.section_ids)}")
    print(f"images: {page.images}, broken: {page.broken_images}, script errors: {page.js_errors}")

    full = screenshot(args.report, args.out / "page.png", args.width, args.height)
    image = Image.open(full).convert("RGB")
    # The window is taller than most reports: cut the white space below the content.
    content = ImageOps.invert(image).getbbox()
    image = image.crop((0, 0, image.width, content[3] + 20 if content else image.height))
    image.save(full)
    for number, top in enumerate(range(0, image.height, args.tile)):
        tile = image.crop((0, top, image.width, min(top + args.tile, image.height)))
        tile.save(args.out / f"page_{number}.png")
    print(f"screenshots: {full} and {number + 1} tiles in {args.out}")
    ok = page.section_ids and page.broken_images == "0" and page.js_errors == "0"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
