"""The model registry: MLflow's, on a SQLite file by default or any MLflow tracking server.

``$BANKRUPTCY_REGISTRY`` names the registry as an MLflow tracking URI; unset, it is
``sqlite:///registry/mlflow.db`` under the working directory (artifacts beside it in
``registry/artifacts``), which needs no server. A team shares one by pointing the variable at
an MLflow server (``http://host:5000``).

A registered version is the job's model package plus MLflow's sklearn-flavour metadata
(``MLmodel``, requirements), so ``mlflow models serve`` can serve it too; its tags hold the
job's metrics, config choices and the model file's SHA-256, which `open_model` checks
against the downloaded package (an artifact store edited behind the registry's back is
refused). Aliases (``champion``, ``challenger``) name the versions in use. A version is
downloaded once, into ``$BANKRUPTCY_MODEL_CACHE`` (default ``~/.cache/bankruptcy/models``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bankruptcy.core.jsonable import json_ready
from bankruptcy.serving.package import MODEL_FILE, ModelPackage, PackageError
from bankruptcy.serving.trusted import TRUSTED

REGISTRY_VARIABLE = "BANKRUPTCY_REGISTRY"
CACHE_VARIABLE = "BANKRUPTCY_MODEL_CACHE"
DEFAULT_REGISTRY = Path("registry") / "mlflow.db"
EXPERIMENT = "bankruptcy-registry"
ARTIFACT = "model"
#: metrics.json keys copied to a version's tags (what `list` shows and teams filter on).
TAGGED_METRICS = ("cv/roc_auc", "cv/pr_auc", "test/roc_auc", "test/pr_auc", "threshold")


def registry_uri() -> str:
    """The MLflow tracking URI of the registry (see the module docstring)."""
    return os.environ.get(REGISTRY_VARIABLE) or f"sqlite:///{DEFAULT_REGISTRY.resolve()}"


def _client():
    """An MLflow client on the registry (MLflow is imported here: it costs seconds)."""
    # a progress bar per download would clutter every command's output
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    # MLflow's INFO lines (creating tables, registering) would break the one-line outputs
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    uri = registry_uri()
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow, mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


@dataclass
class Registered:
    """One registered version, as `list_versions` shows it."""

    name: str
    version: int
    aliases: list[str]
    tags: dict[str, str]
    created: int


def register(package_dir: str | Path, name: str, alias: str | None = None) -> Registered:
    """Register the package in `package_dir` as a new version of model `name`.

    Parameters
    ----------
    package_dir : path
        A package folder (a job's ``package/``).
    name : str
        Registered model name, e.g. ``polish-bankruptcy``.
    alias : str, optional
        Alias to point at the new version (``champion``, ``challenger``).
    """
    package = ModelPackage.load(package_dir)
    mlflow, client = _client()
    experiment = _experiment(mlflow, client)
    manifest = package.manifest
    tags = {
        "sha256": manifest["model"]["sha256"],
        "dataset": manifest["data"]["name"],
        "estimator": manifest["model"]["estimator"],
        "score_kind": manifest["model"]["score_kind"],
        "calibrated": str(manifest["model"]["calibrated"]).lower(),
        "git_commit": str(manifest["git"].get("commit")),
        "job_dir": str(Path(package_dir).resolve().parent),
    }
    metrics = {k: v for k, v in json_ready(manifest["metrics"]).items() if _is_number(v)}
    tags.update({k: f"{metrics[k]:.6g}" for k in TAGGED_METRICS if k in metrics})
    with tempfile.TemporaryDirectory() as scratch:
        folder = _mlflow_model(package, Path(scratch))
        with mlflow.start_run(experiment_id=experiment, run_name=Path(package_dir).parent.name):
            mlflow.log_params(_flat_params(manifest["config"]))
            mlflow.log_metrics({k.replace("@", "_at_"): v for k, v in metrics.items()})
            mlflow.set_tags(tags)
            mlflow.log_artifacts(str(folder), ARTIFACT)
            run = mlflow.active_run().info.run_id
    version = mlflow.register_model(f"runs:/{run}/{ARTIFACT}", name, tags=tags)
    if alias:
        client.set_registered_model_alias(name, alias, version.version)
    return _registered(client, name, int(version.version))


def set_alias(name: str, version: int, alias: str) -> Registered:
    """Point `alias` of model `name` at `version`."""
    _, client = _client()
    _version(client, name, str(version))
    client.set_registered_model_alias(name, alias, str(version))
    return _registered(client, name, int(version))


def attach_decision(name: str, versions: list[int], record: dict) -> None:
    """Tag each of `versions` with a promotion decision (the gate's record, compact JSON)."""
    import orjson

    _, client = _client()
    keep = ("promoted", "reason", "test", "p_value", "margin", "decided", "champion_version",
            "challenger_version", "rows")  # fmt: skip
    text = orjson.dumps(json_ready({k: record.get(k) for k in keep})).decode()
    for version in versions:
        client.set_model_version_tag(name, str(version), "promotion_decision", text)


def attach_files(name: str, version: int, files: list[Path], tags: dict[str, str]) -> None:
    """Add `files` to version `version`'s package (replacing same-named ones) and tag it.

    What an ONNX export adds to a registered package: its ``model.onnx`` and the manifest that
    records it. The model file (checked against the ``sha256`` tag) is left as it is.
    """
    _, client = _client()
    found = _version(client, name, str(version))
    for path in files:
        client.log_artifact(found.run_id, str(path), ARTIFACT)
    for key, value in tags.items():
        client.set_model_version_tag(name, str(version), key, value)


def list_versions(name: str | None = None) -> list[Registered]:
    """Every registered version (of model `name`), newest first within each model."""
    _, client = _client()
    names = [name] if name else sorted(m.name for m in client.search_registered_models())
    if name:
        _known_name(client, name)
    found = []
    for model in names:
        versions = client.search_model_versions(f"name = '{model}'")
        for v in sorted(versions, key=lambda v: -int(v.version)):
            found.append(_registered(client, model, int(v.version)))
    return found


def open_model(reference: str) -> ModelPackage:
    """The package a model reference names, checked and loaded.

    Parameters
    ----------
    reference : str
        ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, a job dir (holding ``package/``)
        or a package folder.
    """
    if not reference.startswith("models:/"):
        path = Path(reference)
        folder = path / "package" if (path / "package").is_dir() else path
        if not folder.is_dir():
            raise PackageError(
                f"{reference}: no such job dir or package; give a job dir, a package folder "
                "or models:/NAME@ALIAS (models:/NAME/VERSION)"
            )
        package = ModelPackage.load(folder)
        package.origin = {"reference": reference, "name": path.resolve().name, "version": None}
        return package
    mlflow, client = _client()
    name, version = _parse_reference(reference)
    found = _version(client, name, version)
    package = _cached_package(mlflow, found)
    package.origin = {"reference": reference, "name": name, "version": int(found.version)}
    return package


def model_cache() -> Path:
    """Where downloaded versions are kept: ``$BANKRUPTCY_MODEL_CACHE``, else the user's cache."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bankruptcy"
    return Path(os.environ.get(CACHE_VARIABLE) or default / "models")


def _cached_package(mlflow, found) -> ModelPackage:
    """A registered version's package, downloaded once into `model_cache` and checked per load.

    The cache key holds the model file's SHA-256 (and its ONNX export's), so same-named versions
    of different registries never share an entry; only a copy that passed the checks is kept,
    and the checks run again on every load, so an edited cache entry is refused like an edited
    artifact store.
    """
    expected = found.tags.get("sha256")
    # an export adds files to a version: a copy downloaded before it is another entry
    exported = found.tags.get("onnx_sha256")
    key = f"{found.name}-v{found.version}-{(expected or 'none')[:16]}"
    key = re.sub(r"[^\w.-]", "_", key + (f"-onnx-{exported[:8]}" if exported else ""))
    folder = model_cache() / key
    if folder.is_dir():
        return ModelPackage.load(folder, expected_sha256=expected)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".download-", dir=folder.parent)
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=found.source, dst_path=scratch)
        package = ModelPackage.load(local, expected_sha256=expected)
        # a rename is atomic: a process loading the same version at once finds it whole or absent
        with contextlib.suppress(OSError):  # that process renamed its copy first
            Path(local).rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    package.directory = folder
    return package


def current_version(reference: str) -> int | None:
    """The version a ``models:/NAME@ALIAS`` reference points at now (None for other kinds)."""
    if not reference.startswith("models:/") or "@" not in reference:
        return None
    _, client = _client()
    name, version = _parse_reference(reference)
    return int(_version(client, name, version).version)


def _parse_reference(reference: str) -> tuple[str, str]:
    """``models:/NAME@ALIAS`` -> (NAME, "@ALIAS"); ``models:/NAME/VERSION`` -> (NAME, VERSION)."""
    rest = reference.removeprefix("models:/")
    if "@" in rest:
        name, alias = rest.split("@", 1)
        return name, f"@{alias}"
    name, _, version = rest.partition("/")
    if not version.isdigit():
        raise PackageError(
            f"{reference}: write models:/NAME@ALIAS or models:/NAME/VERSION (a number)"
        )
    return name, version


def _version(client, name: str, version: str):
    """The MLflow model version ``version`` (a number or ``@alias``) of `name`."""
    from mlflow.exceptions import MlflowException

    _known_name(client, name)
    try:
        if version.startswith("@"):
            return client.get_model_version_by_alias(name, version[1:])
        return client.get_model_version(name, version)
    except MlflowException:
        have = client.search_model_versions(f"name = '{name}'")
        aliases = sorted(client.get_registered_model(name).aliases)
        raise PackageError(
            f"model {name!r} has no version {version.lstrip('@')!r} in {registry_uri()}; "
            f"versions: {sorted(int(v.version) for v in have)}, aliases: {aliases}"
        ) from None


def _known_name(client, name: str) -> None:
    names = sorted(m.name for m in client.search_registered_models())
    if name not in names:
        raise PackageError(
            f"no registered model {name!r} in {registry_uri()}; registered: "
            f"{', '.join(names) or 'none'} (python -m bankruptcy.registry register <job dir> "
            f"--name {name})"
        )


def _registered(client, name: str, version: int) -> Registered:
    found = client.get_model_version(name, str(version))
    aliases = [a for a, v in client.get_registered_model(name).aliases.items() if int(v) == version]
    return Registered(name, version, sorted(aliases), dict(found.tags), found.creation_timestamp)


def _experiment(mlflow, client) -> str:
    """The registry's MLflow experiment; local registries keep artifacts beside the database."""
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return found.experiment_id
    uri = registry_uri()
    location = None
    if uri.startswith("sqlite:///"):
        location = (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").as_uri()
    return client.create_experiment(EXPERIMENT, artifact_location=location)


def _mlflow_model(package: ModelPackage, scratch: Path) -> Path:
    """The package's files plus MLflow's sklearn-flavour metadata, in one folder.

    MLflow writes its own ``MLmodel`` and requirements (checking the model loads with our
    trusted types); the model file itself stays the package's, byte for byte.
    """
    import mlflow.sklearn
    from mlflow.models import infer_signature

    features, _ = package.reference()
    example = features.head(5)
    flavour = scratch / "mlflow"
    mlflow.sklearn.save_model(
        package.pipeline,
        str(flavour),
        serialization_format="skops",
        skops_trusted_types=TRUSTED,
        pip_requirements=[
            f"{k}=={v}"
            for k, v in package.manifest["versions"].items()
            if k not in ("python", "bankruptcy")
        ],  # fmt: skip
        signature=infer_signature(example, package.pipeline.predict_proba(example)),
        pyfunc_predict_fn="predict_proba",
    )
    folder = scratch / ARTIFACT
    shutil.copytree(package.directory, folder)
    for entry in flavour.iterdir():
        if entry.name != MODEL_FILE:
            shutil.copy2(entry, folder / entry.name)
    return folder


def _flat_params(config: dict, prefix: str = "") -> dict[str, str]:
    """The config as MLflow params: dotted keys, values cut to MLflow's length limit."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat_params(value, f"{name}."))
        else:
            flat[name] = str(value)[:500]
    return flat


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
