"""Scoring a package with its exported ONNX graph in ONNX Runtime (``--runtime onnx``).

The package is opened as for the scikit-learn runtime (contract, manifest, threshold, bands and
the pipeline for explanations); only its scores come from ONNX Runtime, so ``predict`` and the
service answer the same columns and JSON either way. The ONNX file is checked against the
SHA-256 its export recorded in ``package.json`` before it is opened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankruptcy.serving.package import ModelPackage, PackageError
from bankruptcy.serving.trusted import UntrustedModel, sha256

RUNTIMES = ("sklearn", "onnx")


class OnnxScorer:
    """Scores contract-ordered rows with an ONNX Runtime session.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The exported graph: input ``X`` (float64 [N, features]), one float64 [N] output.
    """

    def __init__(self, session):
        self.session = session
        self.input = session.get_inputs()[0].name
        self.output = session.get_outputs()[0].name
        self.horizons = [o.name for o in session.get_outputs()[1:]]

    def __call__(self, X: pd.DataFrame) -> np.ndarray:
        """The score of each row of `X`."""
        return self.session.run([self.output], {self.input: self._values(X)})[0]

    def horizon_pds(self, X: pd.DataFrame) -> np.ndarray:
        """A horizon model's PDs (n, horizons) of the rows of `X`, one run for all of them."""
        return np.column_stack(self.session.run(self.horizons, {self.input: self._values(X)}))

    @staticmethod
    def _values(X: pd.DataFrame) -> np.ndarray:
        return np.ascontiguousarray(X.to_numpy(dtype=np.float64))


def use_runtime(package: ModelPackage, runtime: str, threads: int = 1) -> ModelPackage:
    """`package`, scoring with `runtime` (``sklearn``: its pipeline; ``onnx``: its export).

    Raises
    ------
    PackageError
        An unknown runtime, or a package without an ONNX export.
    UntrustedModel
        An ONNX file whose SHA-256 differs from the one recorded at export.
    """
    if runtime not in RUNTIMES:
        raise PackageError(f"--runtime {runtime}: choose one of {', '.join(RUNTIMES)}")
    if runtime == "sklearn":
        package.scorer = None
        package.batch_threads = threads
        return package
    from bankruptcy.serving.onnx_export import require_onnx, session

    require_onnx()
    entry = package.manifest.get("onnx")
    path = package.directory / entry["file"] if entry and package.directory else None
    if path is None or not path.is_file():
        reference = package.origin.get("reference") or package.directory
        raise PackageError(
            f"{reference}: the package has no ONNX export; run python -m bankruptcy.export "
            f"{reference} model.onnx first (or serve it with --runtime sklearn)"
        )
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise UntrustedModel(
            f"{path}: refused, its SHA-256 {actual[:12]}… differs from the "
            f"{entry['sha256'][:12]}… its export recorded (the file was modified); export again"
        )
    package.scorer = OnnxScorer(session(path.read_bytes(), threads))
    return package
