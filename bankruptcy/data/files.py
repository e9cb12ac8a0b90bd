"""Where data files live, and fetching public ones from their official source."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
    # requests' errors are OSErrors; pooch raises ValueError for a URL it cannot fetch
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise DataError(
            f"data file {relative} not found and the download from {source.url} failed "
            f"({type(error).__name__}: {error}); {where}"
        ) from None
    return path


def download(source: PublicSource, destination: Path) -> None:
    """Fetch `source` into `destination` with a progress bar; atomic (no partial files).

    ``pooch`` does the HTTP(S)/FTP transfer and the unzipping, in a scratch folder next to
    `destination`; only the finished file is moved into place.
    """
    import pooch  # deferred: only a missing file needs it

    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        unzip = None if source.member is None else pooch.Unzip(members=[source.member])
        fetched = pooch.retrieve(
            source.url,
            known_hash=None,
            fname="download",
            path=scratch,
            processor=unzip,
            progressbar=True,
        )
        shutil.move(fetched if unzip is None else fetched[0], destination)
