"""The model registry (MLflow; ``$BANKRUPTCY_REGISTRY``, default ``registry/mlflow.db``).

Examples::

    python -m bankruptcy.registry register outputs/runs/<date>/<time> --name polish --alias champion
    python -m bankruptcy.registry list
    python -m bankruptcy.registry list --name polish
    python -m bankruptcy.registry alias polish 3 champion

A shared registry: ``export BANKRUPTCY_REGISTRY=http://mlflow.internal:5000`` (any MLflow
tracking URI).
"""

from __future__ import annotations

import time

from bankruptcy.cli.common import parser_for, run
from bankruptcy.core.errors import UserError


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.registry", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register", help="register a job's model package")
    register.add_argument("run_dir", help="a job's output dir (holding package/)")
    register.add_argument("--name", required=True, help="registered model name")
    register.add_argument("--alias", help="alias for the new version, e.g. champion")
    listing = commands.add_parser("list", help="registered models and versions")
    listing.add_argument("--name", help="only this model")
    alias = commands.add_parser("alias", help="point an alias at a version")
    alias.add_argument("name")
    alias.add_argument("version", type=int)
    alias.add_argument("alias")
    args = parser.parse_args(argv)
    from bankruptcy.serving import registry

    def command() -> None:
        if args.command == "register":
            found = registry.register(_package_dir(args.run_dir), args.name, args.alias)
            print(f"registered {found.name} version {found.version} {_aliases(found)}")
        elif args.command == "alias":
            found = registry.set_alias(args.name, args.version, args.alias)
            print(f"{found.name}@{args.alias} -> version {found.version}")
        else:
            print_versions(registry.list_versions(args.name))

    return run(command)


def print_versions(versions) -> None:
    """One line per version: name, version, aliases, dataset, model, CV/test ROC-AUC, date."""
    if not versions:
        print("no registered models")
        return
    for v in versions:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created / 1000))
        print(
            f"{v.name} v{v.version} {_aliases(v):<22} {v.tags.get('dataset', '?'):<14} "
            f"{v.tags.get('estimator', '?'):<32} cv/roc_auc {v.tags.get('cv/roc_auc', '–'):<8} "
            f"test/roc_auc {v.tags.get('test/roc_auc', '–'):<8} {created}"
        )


def _aliases(found) -> str:
    return f"[{', '.join(found.aliases)}]" if found.aliases else ""


def _package_dir(run_dir: str):
    from pathlib import Path

    from bankruptcy.experiment.outputs import PACKAGE_DIR

    path = Path(run_dir)
    if not (path / PACKAGE_DIR).is_dir():
        raise UserError(
            f"{run_dir}: no {PACKAGE_DIR}/ folder; give the output dir of a job run by "
            "python -m bankruptcy.run (jobs write their model package there)"
        )
    return path / PACKAGE_DIR
