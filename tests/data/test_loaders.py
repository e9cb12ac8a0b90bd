"""Loaders on the real files, and on small files written in the exact original formats."""

from __future__ import annotations

import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from bankruptcy.data import taiwan
from bankruptcy.data.american import load_american
from bankruptcy.data.dataset import DataError
from bankruptcy.data.files import PublicSource, locate, read_once
from bankruptcy.data.polish import load_polish
from bankruptcy.data.qualitative import load_qualitative
from bankruptcy.data.tabular import load_table


@pytest.mark.parametrize(
    ("year", "file", "rows", "bankrupt", "missing"),
    [
        (1, None, 7027, 271, 5835),
        (5, None, 5910, 410, 4666),
        (3, "3year_rounded.arff", 10503, 495, 9888),
    ],
)
def test_polish_matches_published_counts(data_dir, year, file, rows, bankrupt, missing):
    ds = load_polish(year, file=file, data_dir=data_dir)
    assert ds.X.shape == (rows, 64)
    assert ds.n_positive == bankrupt
    assert int(ds.X.isna().sum().sum()) == missing  # '?' became NaN
    assert ds.descriptions["Attr7"] == "EBIT / total assets"


def test_polish_rejects_unknown_year_before_reading(tmp_path):
    with pytest.raises(ValueError, match=r"'year' parameter of load_polish .* range \[1, 5\]"):
        load_polish(7, data_dir=tmp_path)  # an empty folder: nothing to read


def test_qualitative_forms_hold_the_same_rows(data_dir):
    uci = load_qualitative("uci", data_dir=data_dir)
    prevention = load_qualitative("prevention", data_dir=data_dir)
    assert list(uci.X.columns) == list(prevention.X.columns)
    assert (uci.n_positive, len(uci.y)) == (prevention.n_positive, len(prevention.y)) == (107, 250)

    def rows(ds):
        return sorted(map(tuple, pd.concat([ds.X, ds.y], axis=1).to_numpy().tolist()))

    assert rows(uci) == rows(prevention)


def test_american_keeps_time_and_group_out_of_features(data_dir):
    ds = load_american("american_bankruptcy_partial.csv", data_dir=data_dir)
    assert len(ds.y) == 77332 and ds.n_positive == 5115
    assert list(ds.X.columns) == [f"X{i}" for i in range(1, 19)]
    assert ds.time.between(1999, 2018).all() and ds.groups.str.startswith("C_").all()


def _write_taiwan(path, rows=12):
    """A small data.csv in the exact Kaggle/UCI layout: 'Bankrupt?' then ' '-padded names."""
    rng = np.random.default_rng(0)
    header = ", ".join(["Bankrupt?", *taiwan.FEATURES])
    lines = [header]
    for i in range(rows):
        values = rng.random(len(taiwan.FEATURES))
        lines.append(",".join([str(i % 3 == 0 and 1 or 0), *(f"{v:.6f}" for v in values)]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_taiwan_reads_the_original_header(tmp_path):
    _write_taiwan(tmp_path / "taiwan" / "data.csv")
    ds = taiwan.load_taiwan(data_dir=tmp_path)
    assert ds.X.shape == (12, 95) and ds.n_positive == 4
    assert ds.X.columns[0] == "ROA(C) before interest and depreciation before interest"


def test_american_original_layout(tmp_path):
    columns = ["company_name", "status_label", "year", *(f"X{i}" for i in range(1, 19))]
    rows = [[f"C_{i}", "failed" if i % 4 == 0 else "alive", 1999 + i, *range(18)] for i in range(8)]
    (tmp_path / "american").mkdir()
    pd.DataFrame(rows, columns=columns).to_csv(
        tmp_path / "american/american_bankruptcy.csv", index=False
    )
    ds = load_american(data_dir=tmp_path)
    assert ds.n_positive == 2 and ds.time.tolist() == list(range(1999, 2007))


def test_csv_and_parquet_user_files(tmp_path):
    frame = pd.DataFrame({"id": range(6), "a": [1.0, 2, 3, 4, 5, 6], "status": ["ok", "bust"] * 3})
    frame.to_csv(tmp_path / "f.csv", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    for name in ("f.csv", "f.parquet"):
        ds = load_table(tmp_path / name, target="status", positive="bust", drop=["id"])
        assert list(ds.X.columns) == ["a"] and ds.y.tolist() == [0, 1] * 3


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            pd.DataFrame({"a": [1, 2], "y": [0, 2]}),
            {"positive": 1, "known": [0, 1]},
            "unknown value",
        ),
        (pd.DataFrame({"a": [1, 2], "y": [0, 0]}), {"positive": 0}, "one class only"),
        (pd.DataFrame({"a": ["x", "y"], "y": [0, 1]}), {"positive": 1}, "non-numeric"),
        (pd.DataFrame({"a": [np.nan, np.nan], "y": [0, 1]}), {"positive": 1}, "no values at all"),
        (
            pd.DataFrame({"a": [1, 2], "y": [0, 1]}),
            {"positive": 1, "drop": ["id"]},
            "missing expected",
        ),
        (pd.DataFrame({"a": [1, 2], "y": ["a", "b"]}), {"positive": "bust"}, "no row of 'y'"),
    ],
)
def test_bad_tables_get_one_line_errors(tmp_path, frame, kwargs, message):
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    from bankruptcy.data.tabular import build_dataset, read_table

    with pytest.raises(DataError, match=message) as info:
        build_dataset(read_table(path), name="bad", source=str(path), target="y", **kwargs)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_wrong_file_for_a_public_loader(tmp_path):
    (tmp_path / "taiwan").mkdir()
    pd.DataFrame({"Bankrupt?": [0, 1], "foo": [1, 2]}).to_csv(
        tmp_path / "taiwan/data.csv", index=False
    )
    with pytest.raises(DataError, match="missing expected column.*right file"):
        taiwan.load_taiwan(data_dir=tmp_path)


@pytest.fixture
def http_folder(tmp_path):
    """A real HTTP server on 127.0.0.1 serving `tmp_path / "site"`; yields its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_missing_file_offline_names_where_to_put_it(tmp_path, http_folder):
    _, url = http_folder
    source = PublicSource(f"{url}/nowhere.zip", member="1year.arff")
    with pytest.raises(DataError, match=r"download .* failed.*place it at .*polish/1year.arff"):
        locate(tmp_path, "polish/1year.arff", source)
    assert not (tmp_path / "polish" / "1year.arff").exists()
    assert not list((tmp_path / "polish").iterdir())  # no partial file or scratch folder


def test_download_extracts_and_caches(tmp_path, data_dir, http_folder):
    site, url = http_folder
    with zipfile.ZipFile(site / "uci.zip", "w") as zf:
        zf.write(data_dir / "polish" / "5year.arff", "data/5year.arff")
    root = tmp_path / "cache"
    source = PublicSource(f"{url}/uci.zip", "data/5year.arff")
    path = locate(root, "polish/5year.arff", source)
    assert path.read_bytes() == (data_dir / "polish" / "5year.arff").read_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["5year.arff"]  # nothing else left
    (site / "uci.zip").unlink()  # second call must use the cached copy
    assert locate(root, "polish/5year.arff", source) == path
    assert load_polish(5, data_dir=root).n_positive == 410


def test_a_file_is_parsed_once_per_content_and_each_caller_gets_a_copy(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]}).to_csv(path, index=False)
    calls = []

    def reader(p, **options):
        calls.append(options)
        return pd.read_csv(p, **options)

    first = read_once(path, reader, sep=",")
    first.loc[0, "x"] = 99.0  # a job changing its frame must not change the next job's
    second = read_once(path, reader, sep=",")
    assert len(calls) == 1 and second.loc[0, "x"] == 1.0
    read_once(path, reader, sep=";")  # other options: another parse
    assert len(calls) == 2

    pd.DataFrame({"x": [1.0, 3.0], "y": [0, 1]}).to_csv(path, index=False)  # same size, new value
    assert read_once(path, reader, sep=",").loc[1, "x"] == 3.0 and len(calls) == 3


def test_a_failed_read_is_not_remembered(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x\n1\n")
    outcomes = iter([ValueError("busy"), pd.DataFrame({"x": [1]})])

    def reader(p):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(ValueError, match="busy"):
        read_once(path, reader)
    assert read_once(path, reader)["x"].tolist() == [1]


def test_polish_read_twice_gives_equal_independent_datasets(data_dir):
    first, second = load_polish(1, data_dir=data_dir), load_polish(1, data_dir=data_dir)
    pd.testing.assert_frame_equal(first.X, second.X)
    first.X.iloc[0, 0] = -1e9
    assert second.X.iloc[0, 0] != -1e9
