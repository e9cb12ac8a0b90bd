"""Batch scoring of CSV or Parquet files in chunks: bounded memory, whatever the file's size.

Each chunk goes through the package's input contract (`bankruptcy.serving.contract`), is
scored (or given recourse plans: `recourse_file`), and is appended to the output; the output
is written under a temporary name and moved into place only when every chunk succeeded, so a
failed run leaves no half file and never touches an existing one.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.serving.contract import Checked
from bankruptcy.serving.package import ModelPackage, problems_line

PARQUET = {".parquet", ".pq"}
#: Rows scored at once: large enough to amortise per-call overhead, small enough for memory.
CHUNK_ROWS = 100_000
#: Rows per chunk of a recourse run: each flagged firm costs thousands of scored candidates.
RECOURSE_CHUNK_ROWS = 1000


def file_format(path: Path) -> str:
    """``parquet`` or ``csv`` from the file name."""
    return "parquet" if path.suffix.lower() in PARQUET else "csv"


def read_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The file's rows, `rows` at a time."""
    if file_format(path) == "parquet":
        import pyarrow.parquet as pq

        # pyarrow's defaults read a whole row group (often 1Mi rows, ~0.5 GB here) ahead;
        # a buffered, single-threaded read keeps memory to about one chunk's worth
        source = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 23)
        for batch in source.iter_batches(batch_size=rows, use_threads=False):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, chunksize=rows)


def count_rows(path: Path) -> int | None:
    """Rows of a Parquet file (from its metadata); None for CSV (unknown without reading)."""
    if file_format(path) != "parquet":
        return None
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


class ChunkWriter:
    """Appends DataFrames to a CSV or Parquet file with one schema (the first chunk's)."""

    def __init__(self, path: Path, format: str):
        self.path = path
        self.format = format
        self.writer = None
        self.schema = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append `frame`."""
        if self.format == "csv":
            frame.to_csv(self.path, mode="a", header=self.writer is None, index=False)
            self.writer = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        """Finish the file."""
        if self.format == "parquet" and self.writer is not None:
            self.writer.close()


def score_file(
    package: ModelPackage,
    source: str | Path,
    target: str | Path,
    explain: int = 0,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool = True,
) -> int:
    """Score every row of `source` into `target`; return the number of rows.

    Parameters
    ----------
    package : ModelPackage
        The model.
    source, target : path
        Input and output files, CSV or Parquet by extension. `target` must not exist.
    explain : int
        Add the `explain` largest risk factors of each row, 0 for none: a scorecard's reason
        codes, an EBM's own term contributions, SHAP values of other models.
    chunk_rows : int
        Rows read, scored and written at once.
    progress : bool
        Show a progress bar (rows) when writing to a terminal.

    Raises
    ------
    UserError
        A missing input, an existing output, or a chunk the contract refuses (with its rows).
    """
    check_paths(source, target)
    explainer = explainer_for(package, explain) if explain else None

    def scored(checked: Checked, first_row: int) -> pd.DataFrame:
        # points and explanations read the model-input rows: one preprocessing pass
        needs_rows = explainer is not None or package.has_points
        rows = package.model_rows(checked.X) if needs_rows else None
        out = package.predict(checked, rows)
        if explainer is not None:
            out = pd.concat([out, explainer.factors(checked.X, rows)], axis=1)
        return out

    return each_chunk(package, source, target, scored, chunk_rows, progress, "scoring")


def recourse_file(
    recourser,
    source: str | Path,
    target: str | Path,
    chunk_rows: int = RECOURSE_CHUNK_ROWS,
    progress: bool = True,
) -> Counter:
    """Recourse plans for every row of `source` into `target` (`bankruptcy.recourse.output`);
    returns the firms per status, ``rows``, and ``gaps_only``: flagged firms without a plan
    whose PD falls below the target once their data gaps are filled.

    Parameters
    ----------
    recourser : bankruptcy.recourse.engine.Recourser
        The engine over the model package.
    source, target : path
        Input and output files, CSV or Parquet by extension. `target` must not exist.
    chunk_rows : int
        Rows read, searched and written at once (memory stays about one chunk's worth).
    progress : bool
        Show a progress bar (rows) when writing to a terminal.
    """
    from bankruptcy.recourse.engine import INFEASIBLE
    from bankruptcy.recourse.output import plans_frame

    counts: Counter = Counter()

    def planned(checked: Checked, first_row: int) -> pd.DataFrame:
        results = recourser.run(checked.X)
        counts.update(r.status for r in results)
        counts["gaps_only"] += sum(
            r.status == INFEASIBLE and r.gaps_pd < recourser.target for r in results
        )
        return plans_frame(results, checked.X, checked.passthrough, first_row)

    package = recourser.package
    counts["rows"] = each_chunk(package, source, target, planned, chunk_rows, progress, "plans")
    return counts


def each_chunk(
    package: ModelPackage,
    source: str | Path,
    target: str | Path,
    make: Callable[[Checked, int], pd.DataFrame],
    chunk_rows: int,
    progress: bool,
    what: str,
) -> int:
    """Read `source` in chunks (with each firm's history where the package reads it), check
    each against the package's contract, write ``make(checked, first row)`` to `target` (under a
    temporary name until every chunk succeeded); return the rows.

    Raises
    ------
    UserError
        A missing input, an existing output, or a chunk the contract refuses (with its rows).
    """
    source, target = Path(source), Path(target)
    check_paths(source, target)
    from tqdm.auto import tqdm

    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    writer = ChunkWriter(partial, file_format(target))
    done = 0
    try:
        with tqdm(
            total=count_rows(source), unit="rows", disable=None if progress else True, desc=what
        ) as bar:
            for chunk in _chunks(package, source, chunk_rows):
                checked = package.contract.check(chunk, extra="passthrough")
                if checked.problems:
                    raise UserError(
                        f"{source}, rows {done + 1}-{done + len(chunk)}: "
                        f"{problems_line(checked.problems)}"
                    )
                writer.write(make(checked, done))
                done += len(chunk)
                bar.update(len(chunk))
        writer.close()
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return done


def check_paths(source: str | Path, target: str | Path) -> None:
    """Refuse a missing input, an existing output, or the input as output (one line)."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise UserError(f"{source}: no such input file (CSV or Parquet)")
    if target.exists():
        raise UserError(f"{target} exists: choose another output path (nothing is overwritten)")
    if source.resolve() == target.resolve():
        raise UserError(f"{target}: the output must differ from the input")


def _chunks(package: ModelPackage, source: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The file's rows, `rows` at a time; for a model reading each firm's earlier statements,
    the whole file first (a firm's statements may be anywhere in it, `ModelPackage.history`)."""
    if package.manifest.get("history") is None:
        yield from read_chunks(source, rows)
        return
    frame = package.with_history(pd.concat(read_chunks(source, CHUNK_ROWS)), str(source))
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


def explainer_for(package: ModelPackage, top: int):
    """The explainer of `package` (`explainer_kind`), giving `top` factors per row."""
    return explainer_kind(package)(package, top)


def explainer_kind(package: ModelPackage) -> type:
    """Reason codes of a scorecard (`PointsExplainer`), an EBM's own term contributions
    (`TermsExplainer`), SHAP factors of any other model (`RowExplainer`); each names the
    fields of its factors and their JSON types (``types``)."""
    if package.has_points:
        return PointsExplainer
    if hasattr(package.pipeline[-1], "contributions"):
        return TermsExplainer
    return RowExplainer


class PointsExplainer:
    """Reason codes of a scorecard: each row's `top` features that cost it the most points.

    A feature's cost is the points the row lacks against the feature's best bin (the card's
    table), as adverse-action notices state them.
    """

    unit = "points_lost"
    types = {unit: "number"}

    def __init__(self, package: ModelPackage, top: int):
        self.package = package
        self.top = top
        self.descriptions = {f.name: f.description for f in package.contract.features}

    def factors(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """``factor_<k>`` (feature with its meaning) and ``factor_<k>_points_lost``; `rows`
        are `X`'s model-input rows where the caller has them (`ModelPackage.model_rows`)."""
        rows = self.package.model_rows(X) if rows is None else rows
        lost = self.package.pipeline[-1].points_lost(rows)
        return top_factors(lost, self.top, self.descriptions, self.unit)


class TermsExplainer:
    """An EBM's own explanation: each row's `top` terms that add most to its log-odds.

    Exact, not SHAP: a row's log-odds (before the calibration map) is the model's intercept
    plus the contributions of all its terms (`bankruptcy.models.ebm.ExplainableBoosting`).
    Each factor gives the term (a feature, or a pair ``A & B``) with its meaning, its
    contribution (``logit``), the row's value(s) and the bin of the term's shape they fall in.
    """

    unit = "logit"
    #: each factor's fields and their JSON types (the OpenAPI answer schema's)
    types = {unit: "number", "value": "string", "bin": "string"}

    def __init__(self, package: ModelPackage, top: int):
        from bankruptcy.interpret.ebm import meaning_of

        self.package = package
        self.top = top
        descriptions = {f.name: f.description for f in package.contract.features}
        self.features = package.pipeline[-1].term_features()
        self.names = {
            term: _named(term, meaning_of(features, descriptions))
            for term, features in self.features.items()
        }

    def factors(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """``factor_<k>`` (term with its meaning), ``factor_<k>_logit``, ``factor_<k>_value``
        and ``factor_<k>_bin`` for k = 1..top, by decreasing contribution."""
        rows = self.package.model_rows(X) if rows is None else rows
        model = self.package.pipeline[-1]
        contributions = model.contributions(rows)
        bins = model.term_bins(rows).to_numpy()
        terms = list(contributions.columns)
        values = np.column_stack([_values_text(rows, self.features[t]) for t in terms])
        array = contributions.to_numpy()
        order = np.argsort(-array, axis=1, kind="stable")[:, : self.top]
        names = np.asarray([self.names[t] for t in terms], dtype=object)
        out = {}
        for k in range(order.shape[1]):
            at = order[:, [k]]
            out[f"factor_{k + 1}"] = names[at[:, 0]]
            out[f"factor_{k + 1}_logit"] = np.take_along_axis(array, at, 1)[:, 0]
            out[f"factor_{k + 1}_value"] = np.take_along_axis(values, at, 1)[:, 0]
            out[f"factor_{k + 1}_bin"] = np.take_along_axis(bins, at, 1)[:, 0]
        return pd.DataFrame(out)


def _values_text(rows: pd.DataFrame, features: list[str]) -> np.ndarray:
    """Each row's value of a term's feature(s) as text (``missing`` for NaN; ``; `` between
    the two values of an interaction)."""
    parts = [
        np.where(np.isnan(column), "missing", np.char.mod("%.6g", np.nan_to_num(column)))
        for column in (rows[f].to_numpy(np.float64) for f in features)
    ]
    return (
        parts[0].astype(object)
        if len(parts) == 1
        else np.char.add(np.char.add(parts[0], "; "), parts[1]).astype(object)
    )


def top_factors(values: pd.DataFrame, top: int, descriptions: dict, unit: str) -> pd.DataFrame:
    """Each row's `top` columns of `values` by decreasing value: ``factor_<k>`` (the feature
    with its meaning) and ``factor_<k>_<unit>`` (its value), k = 1..top."""
    from bankruptcy.interpret.features import describe

    array = values.to_numpy()
    order = np.argsort(-array, axis=1, kind="stable")[:, :top]
    names = np.asarray(
        [_named(str(c), describe(str(c), descriptions)) for c in values.columns], dtype=object
    )
    out = {}
    for k in range(order.shape[1]):
        out[f"factor_{k + 1}"] = names[order[:, k]]
        out[f"factor_{k + 1}_{unit}"] = np.take_along_axis(array, order[:, [k]], 1)[:, 0]
    return pd.DataFrame(out)


class RowExplainer:
    """The largest risk factors of each row: SHAP values on the model's input features.

    Parameters
    ----------
    package : ModelPackage
        The model; its reference rows are the explainer's background.
    top : int
        Factors per row.
    background_rows : int
        Reference rows the linear and model-agnostic explainers average over.
    """

    unit = "shap"
    types = {unit: "number"}

    def __init__(self, package: ModelPackage, top: int, background_rows: int = 100):

        self.package = package
        self.top = top
        reference, _ = package.reference()
        self.background = package.model_rows(reference.head(background_rows))
        self.descriptions = {f.name: f.description for f in package.contract.features}

    def factors(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """``factor_<k>`` (feature with its meaning) and ``factor_<k>_shap`` for k = 1..top."""
        from bankruptcy.interpret.shap_values import explain

        rows = self.package.model_rows(X) if rows is None else rows
        found = explain(self.package.pipeline[-1], rows, self.background, len(rows))
        values = pd.DataFrame(found.values, columns=rows.columns)
        return top_factors(values, self.top, self.descriptions, self.unit)


def _named(feature: str, description: str) -> str:
    return f"{feature}: {description}" if description else feature
