"""The model package: everything needed to score, check input, explain and monitor a model.

A package is a folder (the job's ``package/``, and the same files in the registry):

- ``model.skops``: the pipeline refitted on all training rows, loaded without executing
  arbitrary code (`bankruptcy.serving.trusted`);
- ``package.json``: the manifest: the file's SHA-256, the calibration map from the model's
  scores to probabilities of default (plain data, `bankruptcy.evaluation.calibration`), the
  input contract, the decision threshold chosen on out-of-fold PDs, the risk bands, expected
  against observed bankruptcies per band, metrics with confidence intervals, the data, top
  risk factors, library versions, the resolved config and the git commit;
- ``MODEL_CARD.md``: the same, for people (`bankruptcy.serving.card`);
- ``reference_features.parquet``: a sample of the training rows (input columns) and
  ``reference_scores.parquet``: the test rows' scores (``score``: the model's own,
  ``p_bankrupt``: the PD) and labels, what monitoring compares production data against;
  ``reference_labels.parquet``: the sample's labels (``y_true``), what recourse plans are
  compared with (the nearest healthy training firms, `bankruptcy.recourse.plausibility`).

The manifest's ``recourse`` section holds what plans may change (`bankruptcy.recourse.
constraints.Actionability`): the declared immutable and one-way features and each feature's
risk trend on the training rows.

Nothing is re-derived from the training data at serving time.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.base import BaseEstimator
from threadpoolctl import ThreadpoolController

from bankruptcy.core.errors import UserError
from bankruptcy.core.jsonable import json_ready
from bankruptcy.evaluation.analysis import model_name
from bankruptcy.evaluation.calibration import apply_map
from bankruptcy.evaluation.metrics import ScoreKind, positive_scores
from bankruptcy.evaluation.pd_validation import expected_vs_observed
from bankruptcy.horizons.history import add_history, recorded_history_columns
from bankruptcy.horizons.structure import pd_columns, term_structure
from bankruptcy.pipeline.assembly import history_lags
from bankruptcy.preprocess.concepts import ReadsColumnNames
from bankruptcy.preprocess.panel import lag_name
from bankruptcy.serving import trusted
from bankruptcy.serving.card import render_card
from bankruptcy.serving.contract import Checked, InputContract, Problem

FORMAT = 1
MODEL_FILE = "model.skops"
MANIFEST = "package.json"
CARD = "MODEL_CARD.md"
REFERENCE_FEATURES = "reference_features.parquet"
REFERENCE_SCORES = "reference_scores.parquet"
REFERENCE_LABELS = "reference_labels.parquet"
#: Training rows kept as the reference sample for drift checks.
REFERENCE_ROWS = 5000
#: Libraries whose versions the manifest records (those installed).
LIBRARIES = (
    "scikit-learn", "imbalanced-learn", "numpy", "pandas", "scipy", "skops", "torch",
    "lightgbm", "xgboost", "catboost", "shap", "interpret-core",
)  # fmt: skip
LABEL = {"column": "y", "positive": 1, "meaning": "1 = the company went bankrupt"}
#: The calibration of packages without a map: the model's scores as they are.
IDENTITY = {"method": "none", "form": "identity"}
#: Batches below this many rows are scored on one OpenMP thread. HistGradientBoosting starts
#: its OpenMP team on every predict call (scikit-learn issue #30662), which costs more than
#: the trees on a few rows: on a busy 2-core machine one thread was 1.6-4.7x faster from 1 to
#: 1,000 rows and a second thread paid off at 3,000 (docs/performance.md).
SMALL_BATCH = 2000


class PackageError(UserError):
    """A folder or reference that is not a usable model package."""


@dataclass
class Bands:
    """Named risk bands: the score ranges an analyst reads instead of a number.

    ``low`` lies below `elevated_from`, ``elevated`` up to the decision threshold, ``high``
    at or above it (the rows the model flags).
    """

    elevated_from: float
    threshold: float
    names: tuple[str, ...] = ("low", "elevated", "high")

    def of(self, scores: np.ndarray) -> np.ndarray:
        """Band name of each score."""
        edges = [self.elevated_from, self.threshold]
        return np.asarray(self.names, dtype=object)[np.searchsorted(edges, scores, side="right")]

    def to_list(self) -> list[dict]:
        """JSON form: each band with its lower edge (None = open)."""
        lows = [None, self.elevated_from, self.threshold]
        return [{"name": n, "from": low} for n, low in zip(self.names, lows, strict=True)]


@dataclass
class ModelPackage:
    """A fitted pipeline with its contract and manifest.

    Attributes
    ----------
    pipeline : imblearn.pipeline.Pipeline
        Refitted on all training rows.
    contract : InputContract
        What rows it takes.
    manifest : dict
        ``package.json`` (see the module docstring).
    directory : Path or None
        Where it was loaded from or saved to.
    origin : dict
        How it was named when opened: ``reference``, registry ``name`` and ``version``
        (None for a job dir).
    scorer : callable or None
        What scores rows instead of the pipeline (``--runtime onnx``: the exported graph in
        ONNX Runtime, `bankruptcy.serving.onnx_runtime`); None scores with the pipeline.
    batch_threads : int
        Threads of a model's own pool (``n_jobs``: LightGBM, XGBoost, forests) for batches of
        `SMALL_BATCH` rows or more; 1 keeps the job's setting (the service's requests).
    """

    pipeline: object
    contract: InputContract
    manifest: dict
    directory: Path | None = field(default=None, compare=False)
    origin: dict = field(default_factory=dict, compare=False)
    scorer: Callable[[pd.DataFrame], np.ndarray] | None = field(default=None, compare=False)
    batch_threads: int = field(default=1, compare=False)

    @property
    def score_kind(self) -> ScoreKind:
        """Probabilities or decision scores."""
        return ScoreKind(self.manifest["model"]["score_kind"])

    @property
    def threshold(self) -> float:
        """Score at or above which a company is flagged."""
        return float(self.manifest["decision"]["threshold"])

    @property
    def bands(self) -> Bands:
        """The risk bands."""
        edges = [b["from"] for b in self.manifest["decision"]["bands"][1:]]
        return Bands(edges[0], edges[1])

    @property
    def output_column(self) -> str:
        """``p_bankrupt`` for probabilities, ``score`` for decision scores."""
        return "p_bankrupt" if self.score_kind is ScoreKind.PROBA else "score"

    @property
    def calibration(self) -> dict:
        """The map from the model's own scores to the package's output (plain data)."""
        return self.manifest["model"].get("calibration", IDENTITY)

    @property
    def horizons(self) -> dict | None:
        """What the PDs stand for when a horizon target made the model (the manifest's
        ``horizons``: ``kind``, ``years``, ``main``, ``period_column``); None otherwise."""
        return self.manifest.get("horizons")

    @property
    def period_column(self) -> str | None:
        """A hazard model's year-ahead feature (the pipeline takes it after the contract's
        columns); None for other models."""
        return (self.horizons or {}).get("period_column")

    def scores(self, X: pd.DataFrame) -> np.ndarray:
        """The package's output of contract-ordered rows `X`: the PD of the main horizon
        (uncalibrated decision scores: the score), from `scorer` if set."""
        if self.scorer is not None:
            return self.scorer(X)
        return self.pipeline_scores(self.pipeline_rows(X))

    def pipeline_rows(self, X: pd.DataFrame) -> pd.DataFrame:
        """Contract-ordered rows `X` as the pipeline takes them: a hazard model's with the main
        year ahead appended (its hazard is the main PD), other models' as they are."""
        if self.period_column is None:
            return X
        return X.assign(**{self.period_column: float(self.horizons["main"])})

    def horizon_pds(self, X: pd.DataFrame) -> np.ndarray | None:
        """PDs (n, horizons) of every horizon the model answers (``horizons["years"]``): a
        term structure's cumulative PDs, or the one horizon's PD; None without horizons."""
        horizons = self.horizons
        if horizons is None:
            return None
        if self.scorer is not None and getattr(self.scorer, "horizons", None):
            return self.scorer.horizon_pds(X)
        if self.period_column is None:
            return self.scores(X)[:, None]
        years, column = len(horizons["years"]), self.period_column
        return term_structure(self.pipeline_scores, X, years, column)

    def pipeline_scores(self, X: pd.DataFrame) -> np.ndarray:
        """The same output from the scikit-learn pipeline: its scores through the map.

        The hot path of serving: parameters were validated when the model was built, so
        validation is skipped, and batches below `SMALL_BATCH` rows run on one OpenMP thread.
        """
        pipeline, rows = self.pipeline, X
        if self._array_pipeline is not None:
            pipeline, rows = self._array_pipeline, X.to_numpy(np.float64)
        return self._mapped(pipeline, rows, pipeline[-1])

    def model_scores(self, rows: pd.DataFrame) -> np.ndarray:
        """`pipeline_scores` from model-input rows (`model_rows`): the final estimator only."""
        from bankruptcy.interpret.features import as_fitted

        model = self.pipeline[-1]
        return self._mapped(model, as_fitted(model, rows), model)

    def _mapped(self, estimator, rows, model) -> np.ndarray:
        """`estimator`'s scores of `rows` through the calibration map (`model`: the final
        estimator, whose own threads a large batch may use)."""
        large = len(rows) >= SMALL_BATCH
        with (
            _scoring_threads(len(rows)),
            _model_threads(model, self.batch_threads if large else 1),
            config_context(skip_parameter_validation=True),
        ):
            return apply_map(self.calibration, positive_scores(estimator, rows)[0])

    @cached_property
    def _array_pipeline(self):
        """The pipeline taking plain float64 arrays, or None where a step reads column names.

        Only the steps in front of the first transformer see the contract's DataFrame (then
        arrays flow, `bankruptcy.pipeline.assembly`), and for a few rows pandas' checks there
        and in the model are most of the scoring time (the LightGBM default package: 1.9 ms
        of a row's 2.1 ms -> 0.8 ms). A copy that forgets those steps' fitted column names
        takes an array without scikit-learn's "fitted with feature names" warning; the names
        only ever order the columns, which the contract already did. A model that reads
        column names only when it fits (``names_in_fit_only``: the EBM, whose options name
        columns) takes the array too, and the steps in front of it hand it arrays again.
        """
        readers = [e for e in _estimators(self.pipeline) if isinstance(e, ReadsColumnNames)]
        if not all(getattr(e, "names_in_fit_only", False) for e in readers):
            return None
        copy = deepcopy(self.pipeline)
        # what such a model holds (the EBM's fitted library model) keeps its names
        kept = {
            id(inner)
            for model in _estimators(copy)
            if isinstance(model, ReadsColumnNames)
            for inner in _estimators(model)
            if inner is not model
        }
        for estimator in _estimators(copy):
            if id(estimator) not in kept:
                vars(estimator).pop("feature_names_in_", None)
        if readers:
            copy.set_output(transform="default")
        return copy

    @property
    def statement_columns(self) -> list[str]:
        """The contract's columns a statement itself holds: all, less the history columns a
        panel model reads (built from the firm's earlier statements)."""
        built = set(recorded_history_columns(self.manifest))
        return [n for n in self.contract.names if n not in built]

    def with_history(self, frame: pd.DataFrame, where: str) -> pd.DataFrame:
        """`frame` with the history columns the model reads (panel features: each firm's
        earlier statements, the manifest's ``history``), built from its firm and period
        columns when it does not carry them; `frame` itself otherwise.

        Raises
        ------
        UserError
            Neither the history columns nor the firm and period columns are there.
        """
        wanted = recorded_history_columns(self.manifest)
        if set(wanted) <= set(frame.columns):
            return frame
        history = self.manifest["history"]
        keys = [history["group"], history["time"]]
        if not set(keys) <= set(frame.columns):
            raise UserError(
                f"{where}: the model reads each firm's earlier statements: give the columns "
                f"{wanted[:3]}... or the firm and period columns {keys} (with the earlier "
                "statements as rows) to build them from"
            )
        return add_history(frame, frame[keys[0]], frame[keys[1]], history["items"], history["lags"])

    def decide(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
        """Score (`output_column`), each horizon's ``pd_<h>y``, ``decision`` (0/1) and
        ``risk_band`` of each row of `X`, after a scorecard's ``score_points``.

        Plain arrays: the service answers them without building a DataFrame, which for one
        row costs more than the model. `rows` are `X`'s model-input rows (`model_rows`) where
        the caller has them (points, explanations): the preprocessing then runs once per
        request, and a scorecard's points and PD come from the same pass.
        """
        pds = self.horizon_pds(X)
        if pds is not None:  # one scoring pass gives every horizon, the main one among them
            years = self.horizons["years"]
            scores = pds[:, years.index(self.horizons["main"])]
            by_horizon = dict(zip(pd_columns(years), pds.T, strict=True))
        else:
            if self.has_points and rows is None:
                rows = self.model_rows(X)
            direct = rows is not None and self.scorer is None
            scores, by_horizon = (self.model_scores(rows) if direct else self.scores(X)), {}
        # a scorecard's total score comes first, as its card reads: points, then the PD
        points = {"score_points": self.points(X, rows)} if self.has_points else {}
        return {
            **points,
            self.output_column: scores,
            **by_horizon,
            "decision": (scores >= self.threshold).astype(np.int8),
            "risk_band": self.bands.of(scores),
        }

    def predict(self, checked: Checked, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """Outputs of a checked batch: passthrough columns, score, decision, band, warnings
        (`rows`: see `decide`)."""
        out = checked.passthrough.reset_index(drop=True).copy()
        for column, values in self.decide(checked.X, rows).items():
            out[column] = values
        out["warnings"] = ["; ".join(w) for w in checked.warnings]
        return out

    @property
    def has_points(self) -> bool:
        """Whether the model is a scorecard (its rows get points, `points`)."""
        return hasattr(self.pipeline[-1], "score_points")

    def model_rows(self, X: pd.DataFrame) -> pd.DataFrame:
        """Contract-ordered rows `X` as the model receives them (named columns; a hazard
        model's for the main year ahead)."""
        from bankruptcy.interpret.features import model_input

        return model_input(self.pipeline, self.pipeline_rows(X))

    def feature_points(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """A scorecard's points of rows `X` in each of its features (the card's table);
        `rows`: `X`'s model-input rows where the caller has them."""
        return self.pipeline[-1].feature_points(self.model_rows(X) if rows is None else rows)

    def points(self, X: pd.DataFrame, rows: pd.DataFrame | None = None) -> np.ndarray:
        """A scorecard's total score of rows `X` (higher = healthier); `rows` as above."""
        return self.pipeline[-1].score_points(self.model_rows(X) if rows is None else rows)

    def reference(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The reference sample of training rows and the test rows' scores (for monitoring)."""
        if self.directory is None or not (self.directory / REFERENCE_FEATURES).is_file():
            raise PackageError(
                f"{self.directory}: the package has no reference statistics; re-create it "
                "from its job (python -m bankruptcy.registry register <job dir> ...)"
            )
        return (
            pd.read_parquet(self.directory / REFERENCE_FEATURES),
            pd.read_parquet(self.directory / REFERENCE_SCORES),
        )

    def reference_labels(self) -> pd.Series | None:
        """The labels of the reference sample (1 = bankrupt); None for packages built before
        they were kept."""
        path = None if self.directory is None else self.directory / REFERENCE_LABELS
        return pd.read_parquet(path)["y_true"] if path is not None and path.is_file() else None

    def save(
        self,
        directory: str | Path,
        reference_features: pd.DataFrame,
        reference_scores: pd.DataFrame,
        reference_labels: pd.Series | None = None,
    ) -> Path:
        """Write the package folder; the manifest gets the model file's SHA-256."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.manifest["model"]["sha256"] = trusted.dump(self.pipeline, directory / MODEL_FILE)
        self.manifest["contract"] = self.contract.to_dict()
        (directory / MANIFEST).write_text(self.manifest_text())
        (directory / CARD).write_text(render_card(self.manifest))
        reference_features.to_parquet(directory / REFERENCE_FEATURES, index=False)
        reference_scores.to_parquet(directory / REFERENCE_SCORES, index=False)
        if reference_labels is not None:
            labels = pd.DataFrame({"y_true": np.asarray(reference_labels)})
            labels.to_parquet(directory / REFERENCE_LABELS, index=False)
        self.directory = directory
        return directory

    def manifest_text(self) -> str:
        """``package.json``'s text."""
        return json.dumps(json_ready(self.manifest), indent=1) + "\n"

    @classmethod
    def load(cls, directory: str | Path, expected_sha256: str | None = None) -> ModelPackage:
        """Read a package folder, checking the model file before it is opened.

        Parameters
        ----------
        directory : path
            The package folder.
        expected_sha256 : str, optional
            The checksum recorded elsewhere (the registry); must agree with the manifest's.
        """
        directory = Path(directory)
        try:
            manifest = json.loads((directory / MANIFEST).read_text())
        except (OSError, ValueError) as error:
            raise PackageError(
                f"{directory}: not a model package ({MANIFEST}: {error}); point at a job dir "
                "written by python -m bankruptcy.run, or a registered model models:/NAME@ALIAS"
            ) from None
        recorded = manifest["model"]["sha256"]
        if expected_sha256 is not None and expected_sha256 != recorded:
            raise trusted.UntrustedModel(
                f"{directory}: refused, {MANIFEST} records SHA-256 {recorded[:12]}… but the "
                f"registry recorded {expected_sha256[:12]}… (the package was modified)"
            )
        pipeline = trusted.load(directory / MODEL_FILE, recorded)
        return cls(pipeline, InputContract.from_dict(manifest["contract"]), manifest, directory)


def build_package(
    result,
    metrics: dict,
    config: dict,
    tables: dict,
    seed: int,
    tracking: dict | None = None,
    recourse: dict | None = None,
) -> tuple:
    """The package of a finished job, with its reference data.

    Parameters
    ----------
    result : ExperimentResult
        The protocol's result (refitted pipeline, training/test rows, scores).
    metrics : dict
        The job's ``metrics.json`` (threshold and confidence intervals included).
    config : dict
        The resolved experiment config.
    tables : dict of str to DataFrame
        The analyses' tables (``shap_importance`` gives the card's top risk factors).
    seed : int
        Seed of the reference sample.
    tracking : dict, optional
        The job's tracking run: ``name``, ``group``, ``project`` (monitor runs join the group).
    recourse : dict, optional
        What recourse plans may change (`bankruptcy.recourse.constraints.Actionability.
        defaults`), for the manifest.

    Returns
    -------
    (ModelPackage, reference features, reference scores, reference labels)
    """
    dataset = result.dataset
    statements = _statements(result)
    X_train = result.X_train[statements]
    if dataset.horizon is not None and dataset.horizon.period_column is not None:
        X_train = X_train.drop(columns=dataset.horizon.period_column)
    kind = result.score_kind
    # the source's own label values: new labelled rows (retrain, monitor) may use them
    label = {**LABEL, "bankrupt_value": dataset.bankrupt_value, "values": dataset.label_values}
    contract = InputContract.from_training(X_train, dataset.descriptions, label)
    threshold = float(metrics["threshold"])
    base_rate = float(np.mean(result.y_train[statements]))
    calibration = IDENTITY if result.calibration is None else result.calibration.to_dict()
    bands = Bands(_elevated_from(result, base_rate, threshold), threshold)
    manifest = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            "file": MODEL_FILE,
            "estimator": model_name(result.pipeline),
            "score_kind": str(kind),
            "raw_score_kind": str(result.raw_score_kind),
            "calibrated": calibration["form"] != "identity",
            "calibration": calibration,
        },
        "decision": {
            "threshold": threshold,
            "default_threshold": kind.default_threshold,
            "rule": config.get("threshold", {}),
            "bands": bands.to_list(),
        },
        "calibration": _calibration_check(result, bands),
        "data": {
            "name": dataset.name,
            "source": dataset.source,
            "rows": len(dataset.y),
            "train_rows": len(result.split.train),
            "test_rows": len(result.split.test),
            "base_rate": base_rate,
            # columns new labelled rows may carry for retraining (time orders them)
            "time": None if dataset.time is None else str(dataset.time.name),
            "group": None if dataset.groups is None else str(dataset.groups.name),
        },
        "metrics": metrics,
        # what p_bankrupt and pd_<h>y stand for, and each horizon's test calibration
        "horizons": _horizons(dataset.horizon, tables.get("horizons")),
        # the earlier statements each row carries (panel features), and where they come from
        "history": _history(result.pipeline, contract.names, dataset),
        "risk_factors": _risk_factors(tables.get("shap_importance")),
        "recourse": recourse or {},
        # a scorecard's points per bin (interpret/scorecard.csv), for the card and reviewers
        "scorecard": _records(tables.get("scorecard")),
        # an EBM's term importances and top shapes (interpret/ebm_*.csv), for the card
        "shapes": _shapes(tables, result.pipeline[-1]),
        "versions": _versions(),
        "git": _git(),
        "tracking": tracking or {},
        "config": config,
    }
    package = ModelPackage(result.pipeline, contract, manifest)
    rows = np.random.default_rng(seed).permutation(len(X_train))[:REFERENCE_ROWS]
    reference_features = X_train.iloc[np.sort(rows)].reset_index(drop=True)
    reference_features.columns = [str(c) for c in reference_features.columns]
    reference_labels = np.asarray(result.y_train)[np.sort(rows)]
    probability = kind is ScoreKind.PROBA
    reference_scores = pd.DataFrame(
        {
            "score": result.raw_test_scores,
            "p_bankrupt": result.test_scores if probability else np.nan,
            "y_true": result.y_test,
        }
    )
    return package, reference_features, reference_scores, reference_labels


def _statements(result) -> np.ndarray:
    """Mask of the training rows that are statements as the package takes them: all rows,
    or a hazard model's first-year records (one per statement, its year-ahead feature aside)."""
    horizon = result.dataset.horizon
    if horizon is None or horizon.period_column is None:
        return np.ones(len(result.split.train), dtype=bool)
    return result.X_train[horizon.period_column].to_numpy() == 1


def _horizons(horizon, table: pd.DataFrame | None) -> dict | None:
    """The manifest's ``horizons``: the target's description and its per-horizon test table."""
    if horizon is None:
        return None
    return {**horizon.to_dict(), "test": _records(table)}


def _history(pipeline, names: list[str], dataset) -> dict | None:
    """The manifest's ``history``: how many earlier statements each row carries and of which
    items, and the firm and period columns `predict` builds them from (None without)."""
    lags = history_lags(pipeline)
    if not lags:
        return None
    items = [n for n in names if lag_name(n, 1) in names]
    group, time = str(dataset.groups.name), str(dataset.time.name)
    return {"lags": lags, "items": items, "group": group, "time": time}


@cache
def _openmp() -> ThreadpoolController:
    """The OpenMP runtimes loaded once the first package scores (inspecting them takes ~1 ms).

    Only OpenMP is limited: its thread count is per calling thread, so concurrent requests of
    the service limit and restore their own; BLAS limits are process-wide.
    """
    return ThreadpoolController().select(user_api="openmp")


def _estimators(obj, seen: set | None = None):
    """Every estimator in `obj`, nested ones too (attributes, lists and tuples: a pipeline's
    steps, a wrapper's fitted model), each once."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, BaseEstimator):
        yield obj
        obj = list(vars(obj).values())
    if isinstance(obj, list | tuple):
        for value in obj:
            yield from _estimators(value, seen)


@contextmanager
def _model_threads(model, threads: int):
    """`model`'s own ``n_jobs`` set to `threads` meanwhile (LightGBM sets its OpenMP team from
    it at every call, whatever threadpoolctl says); nothing for 1 or a model without one.

    The model's ``n_jobs`` was 1 for fitting beside other folds; a batch run has the cores.
    """
    model = getattr(model, "delegate_", model)  # a monotone wrapper answers with its booster
    if threads <= 1 or "n_jobs" not in model.get_params(deep=False):
        yield
        return
    saved = model.n_jobs
    model.set_params(n_jobs=threads)
    try:
        yield
    finally:
        model.set_params(n_jobs=saved)


@contextmanager
def _scoring_threads(rows: int):
    """One OpenMP thread for a batch of fewer than `SMALL_BATCH` rows; the job's share else."""
    if rows >= SMALL_BATCH:
        yield
        return
    with _openmp().limit(limits=1):
        yield


def problems_line(problems: list[Problem]) -> str:
    """All problems of a batch as one line."""
    return "; ".join(p.message for p in problems)


def _calibration_check(result, bands: Bands) -> dict:
    """Where the PDs come from and, per risk band, expected against observed bankruptcies of
    the test rows (empty for decision scores)."""
    if result.score_kind is not ScoreKind.PROBA:
        return {}
    return {
        "fitted_on": {
            "rows": len(result.oof_y),
            "bankrupt": int(result.oof_y.sum()),
            "folds": len(result.folds),
        },
        "test_by_band": expected_vs_observed(
            result.y_test, result.test_scores, bands.of(result.test_scores), bands.names
        ),
    }


def _elevated_from(result, base_rate: float, threshold: float) -> float:
    """Lower edge of the "elevated" band: the base rate, on the scores' own scale."""
    if result.score_kind is ScoreKind.PROBA:
        edge = base_rate
    else:  # a decision score: where the riskiest base-rate share of training rows begins
        edge = float(np.quantile(result.oof_scores, 1 - base_rate))
    return min(edge, threshold)


def _records(table: pd.DataFrame | None) -> list[dict]:
    """A table's rows as plain records (missing values as None), or [] without one."""
    if table is None:
        return []
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _shapes(tables: dict, model) -> dict:
    """An EBM's intercept, term importances and top shapes in a few value ranges (the card's
    "Shapes" section); empty for other models."""
    if "ebm_importance" not in tables:
        return {}
    return {
        "intercept": float(model.intercept_),
        "importance": _records(tables["ebm_importance"]),
        "summary": _records(tables.get("ebm_shapes")),
        "edits": list(getattr(model, "edited_", [])),
    }


def _risk_factors(table: pd.DataFrame | None, top: int = 10) -> list[dict]:
    if table is None:
        return []
    return table.head(top).to_dict(orient="records")


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("bankruptcy", *LIBRARIES):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _git() -> dict:
    """Commit of the code that built the package, and whether the work tree had changes."""
    root = Path(__file__).resolve().parents[2]

    def run(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}
