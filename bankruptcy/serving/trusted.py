"""Saving and loading a fitted pipeline without executing arbitrary code (skops).

``skops.io`` rebuilds only the types it is told to trust. Beyond scikit-learn's and NumPy's
usual types (which skops trusts itself), `TRUSTED` is the reviewed list of what this project's
pipelines hold: our preprocessing steps and models, imbalanced-learn's samplers and pipeline,
and the few scikit-learn internals skops does not trust by default. A file naming any other
type is refused, whatever the file itself claims (MLflow's own skops loader reads the trusted
list from the model's metadata, which a tampered file could extend). ``tests/serving`` fits
every model, sampler and preprocessing option and checks that this list covers them.

The file's SHA-256 is checked before it is opened.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import sys
from pathlib import Path

from bankruptcy.core.errors import UserError

TRUSTED = [
    # this project's estimators
    "bankruptcy.models.altman.AltmanZ",
    "bankruptcy.models.ebm.ExplainableBoosting",
    "bankruptcy.models.ensemble.StackingEnsemble",
    "bankruptcy.models.ensemble.VotingEnsemble",
    "bankruptcy.models.mlp.MLPClassifier",
    "bankruptcy.models.monotone.Monotone",
    "bankruptcy.models.scorecard.Scorecard",
    "bankruptcy.pipeline.samplers.CappedNeighbors",
    "bankruptcy.preprocess.clean.Cleaner",
    "bankruptcy.preprocess.clean.InfToNaN",
    "bankruptcy.preprocess.features.ConceptFeatures",
    "bankruptcy.preprocess.impute.MissingFlags",
    "bankruptcy.preprocess.impute.NumericImputer",
    "bankruptcy.preprocess.outliers.DropOutlierRows",
    "bankruptcy.preprocess.panel.PanelFeatures",
    "bankruptcy.preprocess.outliers.Winsorizer",
    "bankruptcy.preprocess.rows.DropDuplicates",
    "bankruptcy.preprocess.select.CorrelationFilter",
    "bankruptcy.preprocess.select.MutualInfoKBest",
    "bankruptcy.preprocess.select.RFE",
    "bankruptcy.preprocess.select.SelectFromModel",
    "bankruptcy.preprocess.transform.QuantileTransformer",
    "bankruptcy.preprocess.transform.signed_log",  # the function preprocess/transform applies
    # boosted-tree libraries (skops stores their boosters in the libraries' own text formats)
    "catboost.core.CatBoostClassifier",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
    # InterpretML's fitted EBM (bins, term scores and bags: lists and arrays)
    "interpret.glassbox._ebm._ebm.ExplainableBoostingClassifier",
    # imbalanced-learn
    "imblearn.base.FunctionSampler",
    "imblearn.combine._smote_enn.SMOTEENN",
    "imblearn.combine._smote_tomek.SMOTETomek",
    "imblearn.over_sampling._adasyn.ADASYN",
    "imblearn.over_sampling._random_over_sampler.RandomOverSampler",
    "imblearn.over_sampling._smote.base.SMOTE",
    "imblearn.over_sampling._smote.filter.BorderlineSMOTE",
    "imblearn.pipeline.Pipeline",
    "imblearn.under_sampling._prototype_selection._edited_nearest_neighbours."
    "EditedNearestNeighbours",
    "imblearn.under_sampling._prototype_selection._random_under_sampler.RandomUnderSampler",
    "imblearn.under_sampling._prototype_selection._tomek_links.TomekLinks",
    # scikit-learn internals, NumPy and standard types skops does not trust by default
    "collections.OrderedDict",  # LightGBM's parameters
    "numpy.dtype",  # structured dtype of HistGradientBoosting's tree nodes
    "sklearn.model_selection._split.StratifiedKFold",  # the stacking ensemble's inner CV
    "sklearn.utils._bunch.Bunch",  # ensembles' named estimators
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.impute._iterative.IterativeImputer",
    # neighbour searches fitted inside samplers (k-d or ball tree on the default metric)
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.impute._iterative._ImputerTriplet",
    "sklearn.tree._tree.Tree",
]


class UntrustedModel(UserError):
    """A model file that was changed, or that holds a type this project does not trust."""


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _NoTorch(importlib.abc.MetaPathFinder):
    """Refuses ``import torch`` while skops loads (see `skops_io`)."""

    def find_spec(self, name, path, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def skops_io():
    """``skops.io``, imported without loading torch when nothing has loaded it yet.

    Importing skops lists every scikit-learn estimator, which imports scikit-learn's optional
    PyTorch support: 2.2 s instead of 0.7 s, and torch's memory, in every job that writes a
    package, for models that never touch torch. The estimators it lists are the same.
    """
    if "skops.io" in sys.modules or "torch" in sys.modules:
        import skops.io

        return skops.io
    blocker = _NoTorch()
    sys.meta_path.insert(0, blocker)
    try:
        import skops.io
    finally:
        sys.meta_path.remove(blocker)
    return skops.io


def dump(model, path: str | Path) -> str:
    """Save `model` as a skops file at `path`; return its SHA-256."""
    skops_io().dump(model, path)
    return sha256(path)


def load(path: str | Path, expected_sha256: str):
    """Load a skops file after checking its SHA-256, rebuilding only `TRUSTED` types.

    Raises
    ------
    UntrustedModel
        When the checksum differs (the file was changed) or the file holds an untrusted type.
    """
    io = skops_io()
    from skops.io.exceptions import UntrustedTypesFoundException

    actual = sha256(path)
    if actual != expected_sha256:
        raise UntrustedModel(
            f"{path}: refused, its SHA-256 {actual[:12]}… differs from the recorded "
            f"{expected_sha256[:12]}… (the file was modified); re-create the package from its job"
        )
    try:
        return io.load(path, trusted=TRUSTED)
    except UntrustedTypesFoundException as error:
        raise UntrustedModel(
            f"{path}: refused, it holds types this project does not trust: {error}"
        ) from None
