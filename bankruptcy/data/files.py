"""Where data files live, and fetching public ones from their official source."""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from bankruptcy.data.dataset import DataError

DATA_DIR_VARIABLE = "BANKRUPTCY_DATA_DIR"
DEFAULT_DATA_DIR = "data"


def resolve_data_dir(directory: str | os.PathLike | None = None) -> Path:
    """Return the data directory: `directory`, else ``$BANKRUPTCY_DATA_DIR``, else ``./data``."""
    chosen = directory or os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR
    return Path(chosen).expanduser()


@dataclass(frozen=True)
class PublicSource:
    """An official download: a zip archive (or a plain file) at `url`.

    Parameters
    ----------
    url : str
        Address of the archive or file.
    member : str, optional
        Path of the wanted file inside the zip archive; None for a plain file.
    """

    url: str
    member: str | None = None


def locate(root: Path, relative: str, source: PublicSource | None = None) -> Path:
    """Return the path of data file `relative` under `root`, downloading it if allowed.

    Parameters
    ----------
    root : Path
        Data directory.
    relative : str
        File path inside the data directory, e.g. ``"polish/1year.arff"``.
    source : PublicSource, optional
        Official source to fetch the file from when it is missing.

    Raises
    ------
    DataError
        When the file is missing and cannot be fetched; the message says
        where to place it.
    """
    path = root / relative
    if path.is_file():
        return path
    where = f"place it at {path.resolve()} (data directory from ${DATA_DIR_VARIABLE})"
    if source is None:
        raise DataError(f"data file {relative} not found; {where}")
    try:
        download(source, path)
    except (OSError, zipfile.BadZipFile, KeyError) as error:
        raise DataError(
            f"data file {relative} not found and the download from {source.url} failed "
            f"({type(error).__name__}: {error}); {where}"
        ) from None
    return path


def download(source: PublicSource, destination: Path) -> None:
    """Fetch `source` into `destination` with a progress bar; atomic (no partial files)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        fetched = Path(scratch) / "download"
        _fetch(source.url, fetched)
        if source.member is None:
            shutil.move(fetched, destination)
            return
        with zipfile.ZipFile(fetched) as archive:
            extracted = Path(archive.extract(source.member, scratch))
        shutil.move(extracted, destination)


def _fetch(url: str, target: Path, chunk: int = 1 << 16) -> None:
    """Stream `url` to `target`, showing a progress bar sized from Content-Length."""
    with urllib.request.urlopen(url, timeout=30) as response, open(target, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        name = url.rsplit("/", 1)[-1]
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {name}") as bar:
            while block := response.read(chunk):
                out.write(block)
                bar.update(len(block))
