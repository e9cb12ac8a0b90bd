"""Edit the shapes of an EBM package: a new package whose every figure is the edited model's.

A credit team overrules a learned shape (makes a term monotone, caps its contribution, drops
it). Editing the fitted model alone would leave the package dishonest: its calibration map,
threshold and metrics were fitted on the unedited model's out-of-fold scores. So an edit is an
option of the model (``model.edits``, applied after every fit, `bankruptcy.models.ebm`) and
`edit_package` re-runs the package's own job (its config, data and seed) with the edits added:
the CV folds, the calibration map, the threshold and the hold-out test are the edited model's,
and the new card records the edits and the package they were made to.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

from omegaconf import OmegaConf

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.models.ebm import EDITS, apply_edits
from bankruptcy.serving.package import CARD, MANIFEST, ModelPackage
from bankruptcy.serving.registry import open_model

log = logging.getLogger(__name__)


def merged_edits(current: dict | None, new: dict) -> dict:
    """The edits of a package (`current`, its ``model.edits``) with `new` ones added: drops
    appended, monotone signs and caps of the same term replaced."""
    edits = {kind: copy.deepcopy(value) for kind, value in (current or {}).items() if value}
    for name in new.get("drop") or []:
        edits.setdefault("drop", [])
        if name not in edits["drop"]:
            edits["drop"].append(name)
    for kind in ("monotone", "cap"):
        if new.get(kind):
            edits[kind] = {**edits.get(kind, {}), **new[kind]}
    return {kind: edits[kind] for kind in EDITS if kind in edits}


def preview(package: ModelPackage, edits: dict) -> list[dict]:
    """What new `edits` do to the package's fitted (maybe already edited) model, on a copy,
    before the job is re-run: a name no term has, or a monotone edit of a dropped term, stops
    here in one line."""
    model = package.pipeline[-1]
    if not hasattr(model, "ebm_"):
        raise UserError(
            f"{package.origin.get('reference', package.directory)}: the model is a "
            f"{package.manifest['model']['estimator']}, not an EBM (model=ebm); only an EBM's "
            "shapes can be edited"
        )
    return apply_edits(copy.deepcopy(model.ebm_), edits)


def edit_package(
    reference: str, out: str | Path, edits: dict, logger: str = "none"
) -> tuple[ModelPackage, list[dict]]:
    """Re-run the job of the EBM package `reference` with `edits` added; return the new
    package (``<out>/package``) and what the edits did to its final model.

    Parameters
    ----------
    reference : str
        ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a job dir.
    out : path
        The new job's directory; must not exist.
    edits : dict
        ``{drop: [...], monotone: {feature: +1/-1}, cap: {term: [low, high]}}`` (see
        `bankruptcy.models.ebm.EDITS`).
    logger : {"none", "wandb"}
        Tracking of the re-run job.

    Raises
    ------
    UserError
        `out` exists, the package is no EBM, or an edit names no term of its model.
    """
    out = Path(out)
    if out.exists():
        raise UserError(f"{out} exists: choose a new directory for the edited job")
    package = open_model(reference)
    preview(package, edits)
    cfg = OmegaConf.create(package.manifest["config"])
    combined = merged_edits(OmegaConf.to_container(cfg.model).get("edits"), edits)
    cfg.model.edits = combined
    if logger == "none":
        cfg.logger = {"_target_": "bankruptcy.tracking.base.NullTracker"}
    log.info("re-running %s's job with model.edits=%s", reference, combined)
    run_job(cfg, JobInfo(out, name="edited"))
    edited = ModelPackage.load(out / "package")
    edited.manifest["edited_from"] = {
        "reference": reference,
        "sha256": package.manifest["model"]["sha256"],
        "name": package.origin.get("name"),
        "version": package.origin.get("version"),
        "metrics": {k: package.manifest["metrics"].get(k) for k in SUMMARY},
    }
    rewrite_manifest(edited)
    return edited, edited.manifest["shapes"].get("edits", [])


#: Metrics the edit command prints for the package before and after.
SUMMARY = ("cv/roc_auc", "cv/pr_auc", "test/roc_auc", "test/pr_auc", "test/brier")


def rewrite_manifest(package: ModelPackage) -> None:
    """Write `package`'s (changed) manifest and card back to its folder; the model file and
    its checksum are untouched."""
    from bankruptcy.serving.card import render_card

    (package.directory / MANIFEST).write_text(package.manifest_text())
    (package.directory / CARD).write_text(render_card(package.manifest))
