"""Where data files live, fetching public ones from their official source, reading them once."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

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


def read_once(path: Path, reader: Callable[..., pd.DataFrame], **options) -> pd.DataFrame:
    """``reader(path, **options)``, parsed once per file content by this process.

    The jobs of a sweep run in one process and read the same file: parsing the Polish ARFF
    takes ~0.25 s, a third of a logistic regression job, hashing it ~5 ms. The key is the
    file's content, so a changed file is read again. Each call gets its own copy.

    Parameters
    ----------
    path : Path
        The file.
    reader : callable
        Returns a DataFrame from ``(path, **options)``; its errors pass through (not cached).
    **options
        Hashable keyword arguments of `reader`.
    """
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha1").hexdigest()
    return _read(path, digest, reader, tuple(sorted(options.items()))).copy()


@lru_cache(maxsize=8)  # a few files at a time: the datasets are small, sweeps rarely mix many
def _read(path: Path, digest: str, reader: Callable[..., pd.DataFrame], options: tuple):
    return reader(path, **dict(options))
