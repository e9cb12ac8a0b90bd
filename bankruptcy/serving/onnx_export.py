"""ONNX export of a model package: one graph from the contract's columns to the package's PD.

The graph takes ``X``, float64 rows of the contract's features in order (NaN = missing), and
ends in an output named like the package's output column (``p_bankrupt``, or ``score`` for a
decision-function model with ``calibration=none``), float64 of shape [N]; a horizon model's
also in ``pd_<h>y`` for each horizon (`bankruptcy.serving.onnx_horizons`). It runs the steps
``predict`` runs (samplers act in ``fit`` only and are left out), converted by skl2onnx with
this project's converters (`bankruptcy.serving.onnx_steps`), then the package's calibration
map (`bankruptcy.serving.onnx_calibration`).

Precision: preprocessing runs in float64, as scikit-learn does, so its outputs match to
rounding. Trees: the ONNX tree operators skl2onnx and onnxmltools write hold float32
thresholds and need float32 input (a ``Cast`` in front of them; skl2onnx 1.20 cannot give a
float64 tree a float64 output). That is exact where the library itself compares in float32
(XGBoost; scikit-learn's decision trees and forests cast rows to float32, and skl2onnx adjusts
their thresholds for it). HistGradientBoosting compares in float64: its tree operator gets
float64 thresholds and input (`_exact_thresholds`), since float32 ones flipped rows of a real
job. LightGBM also compares in float64, and its float32 graph could send a row within a
float32 rounding (relative ~6e-8) of a threshold down the other branch (none of the measured
jobs had one). Scores leave the tree operators as float32 (relative ~6e-8). The parity check
is what guards every export: every
export scores the package's reference rows (a sample of its training rows) and a few extreme
rows (all missing, +/-inf, far outside the training range) both ways and refuses the export
when any p_bankrupt differs by more than `TOLERANCE`, naming the first step whose output
differs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.serving.onnx_calibration import append_calibration
from bankruptcy.serving.onnx_horizons import append_horizons, horizon_outputs

INPUT = "X"
ONNX_FILE = "model.onnx"
#: Opsets written: ONNX 18 and ai.onnx.ml 3 run on ONNX Runtime 1.14 (2023) and later.
TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}
#: Largest |delta p_bankrupt| between scikit-learn and ONNX Runtime an export accepts.
TOLERANCE = 1e-5
#: A preprocessing step's ONNX output agrees with scikit-learn's to rounding (float64).
STEP_TOLERANCE = 1e-9
#: How far float64 tree thresholds are raised, relative to 1 + |threshold| (`_exact_thresholds`).
THRESHOLD_MARGIN = 1e-13
VERSIONS = ("onnx", "onnxruntime", "skl2onnx", "onnxmltools")


class ExportError(UserError):
    """A package that cannot be exported to ONNX, or an export that fails its parity check."""


def require_onnx() -> None:
    """Raise `ExportError` naming the extra to install when the ONNX libraries are missing."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import skl2onnx  # noqa: F401
    except ModuleNotFoundError as error:
        raise ExportError(
            f"ONNX export and --runtime onnx need {error.name}: pip install -e '.[onnx]'"
        ) from None


@dataclass
class Exported:
    """An exported graph and what its parity check measured."""

    model: object  # onnx.ModelProto
    max_abs_diff: float
    rows: int


def predict_steps(pipeline) -> list[tuple[str, object]]:
    """The named steps ``predict`` runs, the model last: no samplers, no ``passthrough``; a
    model that hands its predictions to a fitted one (``delegate_``: a monotone booster's
    constrained LightGBM, say) is that one."""
    steps = [
        (name, step)
        for name, step in pipeline.steps[:-1]
        if step not in (None, "passthrough") and not hasattr(step, "fit_resample")
    ]
    name, model = pipeline.steps[-1]
    return [*steps, (name, getattr(model, "delegate_", model))]


def _in_float32(model) -> bool:
    """Whether the model's ONNX operators compute in float32 (tree ensembles)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.ensemble._forest import BaseForest
    from sklearn.tree import BaseDecisionTree

    trees = (BaseDecisionTree, BaseForest, HistGradientBoostingClassifier)
    inner = getattr(model, "estimator", None)  # CalibratedClassifierCV
    names = {type(m).__name__ for m in (model, inner)}
    return (
        isinstance(model, trees)
        or isinstance(inner, trees)
        or bool(names & {"LGBMClassifier", "XGBClassifier"})
    )


def _converted(steps, n_features: int, output: str | None = None):
    """ONNX graph of the scikit-learn steps on float64 input ``X``; `output` names the score."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType
    from sklearn.pipeline import Pipeline

    from bankruptcy.serving import onnx_steps

    onnx_steps.register()
    model = steps[-1][1]
    options = {id(model): {"zipmap": False}} if output else None
    return to_onnx(
        Pipeline(steps),
        initial_types=[(INPUT, DoubleTensorType([None, n_features]))],
        target_opset=TARGET_OPSET,
        options=options,
    )


def convert(package) -> object:
    """The package's ONNX graph (an ``onnx.ModelProto``), before its parity check.

    Raises
    ------
    ExportError
        A step no converter covers, named with its type.
    """
    from skl2onnx.sklapi import CastTransformer

    from bankruptcy.serving import onnx_steps

    onnx_steps.register()
    steps = predict_steps(package.pipeline)
    for name, step in steps:
        missing = onnx_steps.unconvertible(step)
        if missing:
            raise ExportError(
                f"{_where(package)}: step '{name}' ({missing}) has no ONNX converter; "
                "export a package whose steps do (docs/onnx.md lists them), or serve this one "
                "with --runtime sklearn"
            )
    model = steps[-1][1]
    if _in_float32(model):
        steps = [*steps[:-1], ("float32", CastTransformer(dtype=np.float32)), steps[-1]]
    columns = len(package.contract.names) + (package.period_column is not None)
    try:
        graph = _converted(steps, columns, output=package.output_column)
    except (RuntimeError, TypeError, ValueError) as error:  # a converter's own refusal
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ExportError(
            f"{_where(package)}: skl2onnx could not convert the pipeline ({first[:300]}); "
            "serve this package with --runtime sklearn"
        ) from None
    _exact_thresholds(graph, model)
    calibrated = append_calibration(_single_output(graph, package), package.calibration)
    return append_horizons(calibrated, package, INPUT)


def _exact_thresholds(graph, model) -> None:
    """Give a HistGradientBoosting or LightGBM tree operator its float64 input and thresholds.

    Both libraries compare float64 values with float64 thresholds; the converters write them
    as float32, and rows near a threshold take the other branch (the Polish year-5 HGB job: p
    off by 0.02; the year-1 LightGBM job: 1.03e-5 over the parity limit). ai.onnx.ml 3's
    ``nodes_values_as_tensor`` holds float64 thresholds, which ONNX Runtime compares with a
    float64 input: the operator reads the rows before the ``Cast``. Each float64 threshold is
    matched to its float32 one before anything is replaced (`_hgb_thresholds`,
    `_lightgbm_thresholds`); any mismatch leaves the float32 ones to the parity check.
    """
    from onnx import helper, numpy_helper
    from sklearn.ensemble import HistGradientBoostingClassifier

    trees = [n for n in graph.graph.node if n.op_type == "TreeEnsembleClassifier"]
    casts = {n.output[0]: n.input[0] for n in graph.graph.node if n.op_type == "Cast"}
    if len(trees) != 1 or trees[0].input[0] not in casts:
        return
    tree = trees[0]
    attributes = {a.name: a for a in tree.attribute}
    if isinstance(model, HistGradientBoostingClassifier):
        exact = _hgb_thresholds(model, attributes)
    elif type(model).__name__ == "LGBMClassifier":
        exact = _lightgbm_thresholds(model, attributes)
    else:
        return
    if exact is None:
        return
    tree.attribute.remove(attributes["nodes_values"])
    if isinstance(model, HistGradientBoostingClassifier):
        # An HGB threshold can equal a training value (scikit-learn's bin edges are
        # percentiles of the distinct values), which goes left; the converted preprocessing may
        # land just above it (its normal quantile differs from SciPy's by ~1e-15). Raising each
        # threshold by `THRESHOLD_MARGIN` * (1 + |t|) keeps those rows left; only values that
        # close above a threshold (~1e-13, against a float32 rounding's ~6e-8) could differ.
        # LightGBM's thresholds lie between distinct values, but for its +-1e-35 bounds around
        # zero, which a margin would move across 0 (a zero would go left of -1e-35).
        exact = exact + THRESHOLD_MARGIN * (1 + np.abs(exact))
    tensor = numpy_helper.from_array(exact, "nodes_values_as_tensor")
    tree.attribute.append(helper.make_attribute("nodes_values_as_tensor", tensor))
    tree.input[0] = casts[tree.input[0]]
    for opset in graph.opset_import:
        if opset.domain == "ai.onnx.ml":
            opset.version = max(opset.version, 3)


def _hgb_thresholds(model, attributes) -> np.ndarray | None:
    """HGB's float64 thresholds in skl2onnx's node order (trees in turn, nodes in order)."""
    exact = np.concatenate([p.nodes["num_threshold"] for ps in model._predictors for p in ps])
    written = np.asarray(attributes["nodes_values"].floats, dtype=np.float32)
    if written.shape != exact.shape or not np.array_equal(written, exact.astype(np.float32)):
        return None
    return exact


def _lightgbm_thresholds(model, attributes) -> np.ndarray | None:
    """LightGBM's float64 thresholds for onnxmltools' nodes, matched by (tree, feature, float32).

    onnxmltools numbers a tree's nodes in its own order; a split is found by its tree, its
    feature and its float32 threshold, which must name one float64 threshold.
    """
    known: dict[tuple, set] = {}
    for t, info in enumerate(model.booster_.dump_model()["tree_info"]):
        stack = [info["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                key = (t, node["split_feature"], np.float32(node["threshold"]))
                known.setdefault(key, set()).add(float(node["threshold"]))
                stack += [node["left_child"], node["right_child"]]
    written = np.asarray(attributes["nodes_values"].floats, dtype=np.float32)
    exact = written.astype(np.float64)
    nodes = zip(
        attributes["nodes_treeids"].ints,
        attributes["nodes_featureids"].ints,
        attributes["nodes_modes"].strings,
        written,
        strict=True,
    )
    for i, (t, feature, mode, value) in enumerate(nodes):
        if mode == b"LEAF":
            continue
        found = known.get((t, feature, value), set())
        if len(found) != 1:
            return None
        # not pop(): a tree may split on the same feature and threshold in two branches
        (exact[i],) = found
    return exact


def _single_output(graph, package):
    """`graph` answering only the bankrupt class's score, as float64 [N] named like the column."""
    import onnx
    from onnx import TensorProto, helper
    from onnx.utils import Extractor

    classes = list(package.pipeline.classes_)
    scores = graph.graph.output[1].name  # skl2onnx: label, then per-class scores
    column = f"{scores}_bankrupt"
    index = helper.make_tensor("bankrupt_class", TensorProto.INT64, [], [classes.index(1)])
    graph.graph.initializer.append(index)
    margin = _tree_margin(graph, scores)
    cast = f"{column}_float64" if margin else package.output_column
    graph.graph.node.extend(
        [
            helper.make_node("Gather", [scores, "bankrupt_class"], [column], axis=1),
            helper.make_node("Cast", [column], [cast], to=TensorProto.DOUBLE),
        ]
    )
    if margin:  # the probability in float64, from the float32 margin
        graph.graph.node.append(helper.make_node("Sigmoid", [cast], [package.output_column]))
    graph.graph.output.append(
        helper.make_tensor_value_info(package.output_column, TensorProto.DOUBLE, [None])
    )
    single = Extractor(graph).extract_model([INPUT], [package.output_column])
    single.opset_import.extend([o for o in graph.opset_import if o not in single.opset_import])
    single.ir_version = graph.ir_version
    single.producer_name, single.producer_version = "bankruptcy", _version("bankruptcy")
    onnx.checker.check_model(single)
    return single


def _tree_margin(graph, scores: str) -> bool:
    """Make a tree classifier that writes `scores` answer its margin instead of probabilities.

    The tree operators answer float32: a probability within ~6e-8 of 1 rounds to 1, and the
    calibration map's log(1 - p) then moves the PD by up to ~1e-4 (the Polish year-1 default
    job: 2.4e-5 over the parity limit). The margin keeps its relative precision; its sigmoid
    is taken in float64 after the ``Cast`` (`_single_output`), as scikit-learn's ``expit``.
    Returns whether the operator was changed (binary ``LOGISTIC`` tree classifiers only).
    """
    # onnxmltools' LightGBM graph answers the operator's scores through an Identity
    aliases = {n.output[0]: n.input[0] for n in graph.graph.node if n.op_type == "Identity"}
    while scores in aliases:
        scores = aliases[scores]
    for node in graph.graph.node:
        if node.op_type == "TreeEnsembleClassifier" and scores in node.output:
            for attribute in node.attribute:
                if attribute.name == "post_transform" and attribute.s == b"LOGISTIC":
                    attribute.s = b"NONE"  # binary: the scores are then [-margin, margin]
                    return True
    return False


def session(model, threads: int = 1):
    """An ONNX Runtime session on `model` (bytes or ModelProto) with `threads` intra-op threads.

    Spinning is off: idle ORT threads would busy-wait on a machine other work shares.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    data = model if isinstance(model, bytes) else model.SerializeToString()
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def parity_rows(package) -> pd.DataFrame:
    """The package's reference rows and a few extreme ones, in contract order."""
    reference, _ = package.reference()
    names = package.contract.names
    low = np.array([f.min if f.min is not None else 0.0 for f in package.contract.features])
    high = np.array([f.max if f.max is not None else 0.0 for f in package.contract.features])
    span = np.maximum(high - low, 1.0)
    extreme = np.vstack([np.full(len(names), v) for v in (np.nan, np.inf, -np.inf)]
                        + [high + span, low - span])  # fmt: skip
    rows = pd.concat([reference[names], pd.DataFrame(extreme, columns=names)], ignore_index=True)
    return rows.astype(np.float64)


def check_parity(package, model, rows: pd.DataFrame) -> float:
    """Max |delta score| over `rows` between the package's pipeline and ONNX Runtime.

    Raises
    ------
    ExportError
        Above `TOLERANCE`, naming the first step whose output differs.
    """
    expected = _pipeline_outputs(package, rows)
    found = session(model).run(list(expected), {INPUT: rows.to_numpy(np.float64)})
    delta = max(_max_delta(e, f) for e, f in zip(expected.values(), found, strict=True))
    if delta > TOLERANCE:
        name, step, step_delta = _first_differing_step(package, rows, delta)
        raise ExportError(
            f"{_where(package)}: ONNX parity check failed, max |delta {package.output_column}| "
            f"= {delta:.3g} > {TOLERANCE:g} on {len(rows)} rows; step '{name}' "
            f"({type(step).__name__}) differs first (max |delta| {step_delta:.3g} on its "
            "output); the export was not written"
        )
    return delta


def _pipeline_outputs(package, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """What the graph's outputs must hold for `rows`, from the scikit-learn pipeline."""
    scorer, package.scorer = package.scorer, None
    try:
        decided = package.decide(rows)
    finally:
        package.scorer = scorer
    return {name: decided[name] for name in horizon_outputs(package)}


def _max_delta(expected: np.ndarray, found: np.ndarray) -> float:
    """Max |a - b|; a missing value on one side only counts as infinitely different."""
    expected, found = np.asarray(expected, float), np.asarray(found, float).reshape(expected.shape)
    if (np.isnan(expected) != np.isnan(found)).any():
        return float("inf")
    both = ~np.isnan(expected)
    return float(np.max(np.abs(expected[both] - found[both]), initial=0.0))


def _first_differing_step(package, rows: pd.DataFrame, delta: float) -> tuple[str, object, float]:
    """The first step whose ONNX output differs from scikit-learn's (the model, with the
    graph's `delta`, if none does)."""
    steps = predict_steps(package.pipeline)
    if package.period_column is not None:  # the pipeline's rows: the first year ahead
        rows = rows.assign(**{package.period_column: 1.0})
    values = rows.to_numpy(np.float64)
    for k, (name, step) in enumerate(steps[:-1]):
        expected = rows  # the first step was fitted on named columns
        for _, done in steps[: k + 1]:
            expected = done.transform(expected)
        graph = _converted(steps[: k + 1], values.shape[1])
        found = session(graph).run(None, {INPUT: values})[0]
        scale = 1.0 + np.nan_to_num(np.abs(np.asarray(expected, float)), posinf=0.0)
        delta = _max_delta(np.asarray(expected, float) / scale, found / scale)
        if delta > STEP_TOLERANCE:
            return name, step, delta
    name, model = steps[-1]
    return name, model, delta


def export(package) -> Exported:
    """Convert `package` and check its parity (see the module docstring)."""
    require_onnx()
    model = convert(package)
    rows = parity_rows(package)
    delta = check_parity(package, model, rows)
    _describe(model, package, delta, len(rows))
    return Exported(model, delta, len(rows))


def _describe(model, package, delta: float, rows: int) -> None:
    """Metadata a caller in another language reads from the file (ORT's custom metadata)."""
    from onnx import helper

    decision = package.manifest["decision"]
    props = {
        "input": INPUT,
        "features": ",".join(package.contract.names),
        "output": package.output_column,
        "outputs": ",".join(horizon_outputs(package)),
        "threshold": repr(package.threshold),
        "bands": ",".join(f"{b['name']}:{b['from']}" for b in decision["bands"]),
        "package_sha256": package.manifest["model"]["sha256"],
        "parity_max_abs_diff": f"{delta:.3g}",
        "parity_rows": str(rows),
    }
    helper.set_model_props(model, props)


def manifest_entry(exported: Exported, sha256: str, package) -> dict:
    """What ``package.json`` records of an export (``onnx``)."""
    return {
        "file": ONNX_FILE,
        "sha256": sha256,
        "input": {"name": INPUT, "dtype": "float64", "shape": [None, len(package.contract.names)]},
        "output": {"name": package.output_column, "dtype": "float64", "shape": [None]},
        "outputs": horizon_outputs(package),
        "opset": {o.domain or "ai.onnx": o.version for o in exported.model.opset_import},
        "parity": {
            "max_abs_diff": exported.max_abs_diff,
            "rows": exported.rows,
            "tolerance": TOLERANCE,
        },  # fmt: skip
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": {name: _version(name) for name in VERSIONS},
    }


def check_target(target: str | Path) -> Path:
    """The output path, refused before any work when it exists or its folder does not."""
    target = Path(target)
    if target.exists():
        raise ExportError(f"{target} exists: choose another output path (nothing is overwritten)")
    if not target.parent.is_dir():
        raise ExportError(f"{target}: no such folder {target.parent}; create it first")
    if target.suffix != ".onnx":
        raise ExportError(f"{target}: name the output file <name>.onnx")
    return target


def save(package, exported: Exported, target: Path) -> dict:
    """Write the export to `target` and record it in the package; return the manifest entry.

    A job dir's (or package folder's) package gets ``model.onnx`` and its ``package.json``
    entry; a registered version gets both as artifacts and the tags ``onnx_sha256``,
    ``onnx_parity`` and ``onnx_opset``.
    """
    from bankruptcy.serving import registry
    from bankruptcy.serving.package import MANIFEST

    data = exported.model.SerializeToString()
    write_atomically(data, target)
    entry = manifest_entry(exported, hashlib.sha256(data).hexdigest(), package)
    package.manifest["onnx"] = entry
    files = {ONNX_FILE: data, MANIFEST: package.manifest_text().encode()}
    version = package.origin.get("version")
    if version is None:
        for name, content in files.items():
            write_atomically(content, package.directory / name)
        return entry
    tags = {
        "onnx_sha256": entry["sha256"],
        "onnx_parity": f"{exported.max_abs_diff:.3g}",
        "onnx_opset": ",".join(f"{k}={v}" for k, v in entry["opset"].items()),
    }
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for name, content in files.items():
            paths.append(Path(scratch) / name)
            paths[-1].write_bytes(content)
        registry.attach_files(package.origin["name"], version, paths, tags)
    return entry


def write_atomically(data: bytes, target: Path) -> None:
    """Write `data` to `target` through a temporary file in the same folder."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _where(package) -> str:
    return package.origin.get("reference") or str(package.directory)
