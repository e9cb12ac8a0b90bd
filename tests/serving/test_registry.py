"""The MLflow registry on a SQLite file: versions, aliases, tags, and refused tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.serving import registry
from bankruptcy.serving.package import PackageError
from bankruptcy.serving.trusted import UntrustedModel, sha256


def registered_folder(name: str, version: int) -> Path:
    """Where the registry's artifact store holds a version's files (a local registry)."""
    _, client = registry._client()
    return Path(client.get_model_version(name, str(version)).source.removeprefix("file://"))


def test_versions_aliases_and_tags(job_dir, registry_db):
    first = registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    second = registry.register(job_dir / PACKAGE_DIR, "polish5")
    assert (first.version, second.version) == (1, 2)
    assert first.aliases == ["champion"] and second.aliases == []
    registry.set_alias("polish5", 2, "challenger")
    listed = {v.version: v for v in registry.list_versions("polish5")}
    assert listed[2].aliases == ["challenger"] and listed[1].aliases == ["champion"]
    metrics = json.loads((job_dir / "metrics.json").read_text())
    assert float(listed[1].tags["cv/roc_auc"]) == pytest.approx(metrics["cv/roc_auc"], rel=1e-5)
    assert listed[1].tags["sha256"] == sha256(job_dir / PACKAGE_DIR / "model.skops")
    assert listed[1].tags["dataset"] == "polish_year5"
    champion = registry.open_model("models:/polish5@champion")
    assert champion.origin["version"] == 1 and champion.threshold == metrics["threshold"]
    assert registry.open_model("models:/polish5/2").origin["version"] == 2
    # the registered copy is an MLflow sklearn model too, with the package's own model file
    folder = registered_folder("polish5", 1)
    assert (folder / "MLmodel").is_file()
    assert sha256(folder / "model.skops") == listed[1].tags["sha256"]


def test_unknown_names_and_aliases_list_what_exists(job_dir, registry_db):
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    with pytest.raises(PackageError, match=r"no registered model 'polish1'.*registered: polish5"):
        registry.open_model("models:/polish1@champion")
    with pytest.raises(PackageError, match=r"no version 'challenger'.*aliases: \['champion'\]"):
        registry.open_model("models:/polish5@challenger")


def test_a_file_changed_in_the_artifact_store_is_refused(job_dir, registry_db):
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    model = registered_folder("polish5", 1) / "model.skops"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(UntrustedModel, match="differs .*modified"):
        registry.open_model("models:/polish5@champion")


def test_a_rewritten_manifest_does_not_fool_the_registry(job_dir, registry_db):
    """Whoever swaps the model file and its recorded checksum still meets the registry's tag."""
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    folder = registered_folder("polish5", 1)
    model = folder / "model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    manifest = json.loads((folder / "package.json").read_text())
    manifest["model"]["sha256"] = sha256(model)
    (folder / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(UntrustedModel, match="registry recorded"):
        registry.open_model("models:/polish5@champion")


def test_a_version_is_downloaded_once_and_its_cached_copy_checked_on_every_load(
    job_dir, registry_db
):
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    first = registry.open_model("models:/polish5@champion")
    cached = list(registry.model_cache().iterdir())
    assert [first.directory] == cached  # one entry, no download folders left behind
    assert registry.open_model("models:/polish5/1").directory == first.directory
    assert list(registry.model_cache().iterdir()) == cached
    model = first.directory / "model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(UntrustedModel, match="modified"):
        registry.open_model("models:/polish5@champion")


def test_a_refused_download_is_not_cached(job_dir, registry_db):
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    model = registered_folder("polish5", 1) / "model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(UntrustedModel):
        registry.open_model("models:/polish5@champion")
    assert list(registry.model_cache().iterdir()) == []
