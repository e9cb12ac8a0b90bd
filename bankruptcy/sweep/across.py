"""Methods x datasets from several sweeps, the table a ranking across datasets needs.

Each input is a sweep dir (its job dirs) or a recorded leaderboard (``experiments/<study>/``
with its ``leaderboard.csv``). Every finished job is one cell of a table:

- its **dataset** (a block of the ranking) is told by the ``dataset_keys`` of the config, by
  default ``dataset`` (the option chosen and its settings, e.g. ``polish`` with ``year=3``, or
  a horizon) and ``seed``: read from the job's saved config for a sweep, from its overrides for
  a recorded leaderboard, where the leaderboard's own name stands for what its overrides do
  not say (a study whose dataset is set inside its experiment file);
- its **method** is the overrides that vary between the jobs of one dataset (``model=svm
  sampler=smote``), a config group left at its default counted as its chosen option.

Overrides that are the same within each dataset but differ between datasets (a different
``experiment=`` or protocol per dataset) are not part of the method; they are reported beside
the ranking. Jobs that failed, and methods that did not finish on every dataset, are left out
and named.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.metrics import higher_is_better
from bankruptcy.evaluation.ranking import MIN_DATASETS, MIN_METHODS
from bankruptcy.experiment.outputs import JobStatus
from bankruptcy.sweep.jobs import collect_jobs, split_override
from bankruptcy.sweep.leaderboard import sweep_settings

DATASET = "dataset"  # the config group of the data
DEFAULT_DATASET_KEYS = (DATASET, "seed")
LEADERBOARD = "leaderboard.csv"
SOURCE = "source"  # the input's name, standing for dataset settings its overrides do not say
_SORTED_BY = re.compile(r"Sorted by (\S+) \((higher|lower) is better\)")


class AcrossError(UserError):
    """Inputs that cannot be ranked together; the message says why and what to do."""


@dataclass
class Run:
    """One finished job as the ranking sees it."""

    where: str  # job dir, or "<leaderboard> row <n>"
    overrides: dict[str, str]
    metrics: dict[str, float]
    dataset: dict[str, str]  # flat dataset settings (what the input tells)
    choices: dict[str, str] = field(default_factory=dict)  # Hydra's option per config group


@dataclass
class Study:
    """The methods x datasets table of a metric, and how it was drawn from the inputs.

    Attributes
    ----------
    scores : pandas.DataFrame
        Datasets (rows) x methods shared by every dataset (columns): the metric.
    metric : str
        The metrics.json key, e.g. ``cv/pr_auc``.
    maximize : bool
        Whether larger values are better.
    dataset_keys : list of str
        Config keys that tell datasets apart.
    method_keys : list of str
        Overrides that vary between the jobs of a dataset: what a method is.
    per_dataset : dict of str to dict
        Overrides constant within each dataset but not across them: key -> dataset -> value.
    left_out : dict of str to list of str
        Methods not finished on every dataset -> the datasets they lack.
    """

    scores: pd.DataFrame
    metric: str
    maximize: bool
    dataset_keys: list[str]
    method_keys: list[str]
    per_dataset: dict[str, dict[str, str]] = field(default_factory=dict)
    left_out: dict[str, list[str]] = field(default_factory=dict)


def gather(
    inputs: Sequence[Path], metric: str | None = None, dataset_keys: Iterable[str] = ()
) -> Study:
    """Read `inputs` into the table of `metric` (default: the inputs' shared objective).

    Raises
    ------
    AcrossError
        An input that is neither a sweep dir nor a recorded leaderboard, inputs ranked by
        different metrics without `metric`, a metric the jobs do not report, the same method
        twice on a dataset, fewer than 3 datasets, or fewer than 3 methods on all of them.
    """
    keys = list(dataset_keys) or list(DEFAULT_DATASET_KEYS)
    metric, maximize = _metric(inputs, metric)
    runs = [run for source in inputs for run in read_runs(source, keys)]
    _check_reported(runs, metric, inputs)
    labels = dataset_labels([run.dataset for run in runs])
    method_keys = _method_keys(runs, labels, keys)
    cells: dict[tuple[str, str], tuple[float, str]] = {}
    for run, dataset in zip(runs, labels, strict=True):
        method = " ".join(f"{k}={method_value(run, k)}" for k in method_keys) or "(all jobs)"
        seen = cells.get((dataset, method))
        if seen is not None:
            raise AcrossError(
                f"{method} appears twice on dataset {dataset} ({seen[1]}, {run.where}): pass "
                "each sweep once, or tell the datasets apart with --datasets"
            )
        cells[(dataset, method)] = (float(run.metrics.get(metric, math.nan)), run.where)
    table = pd.Series({cell: value for cell, (value, _) in cells.items()}).unstack()
    table = table.reindex(index=list(dict.fromkeys(labels)))  # inputs' order
    complete = table.notna().all()
    left_out = {m: list(table.index[table[m].isna()]) for m in table.columns[~complete]}
    study = Study(
        scores=table.loc[:, complete],
        metric=metric,
        maximize=maximize,
        dataset_keys=keys,
        method_keys=method_keys,
        per_dataset=_per_dataset(runs, labels, method_keys, keys),
        left_out=left_out,
    )
    _check_size(study, table)
    return study


def read_runs(source: Path, dataset_keys: list[str]) -> list[Run]:
    """The finished jobs of a sweep dir, or the ``ok`` rows of a recorded leaderboard."""
    if not source.is_dir():
        raise AcrossError(f"{source} is not a directory: pass sweep dirs (hydra.sweep.dir)")
    jobs = collect_jobs(source)
    if jobs:
        return [_sweep_run(job, dataset_keys) for job in jobs if job.status == JobStatus.OK]
    if (source / LEADERBOARD).is_file():
        return _leaderboard_runs(source, dataset_keys)
    raise AcrossError(
        f"{source} holds no job dirs and no {LEADERBOARD}: pass sweep dirs or recorded "
        "studies (experiments/<study>)"
    )


def _sweep_run(job, dataset_keys: list[str]) -> Run:
    config = OmegaConf.load(job.path / ".hydra" / "config.yaml")
    hydra = yaml.safe_load((job.path / ".hydra" / "hydra.yaml").read_text())
    choices = {k: str(v) for k, v in hydra["hydra"]["runtime"]["choices"].items()}
    dataset: dict[str, str] = {}
    for key in dataset_keys:
        node = OmegaConf.select(config, key, default=None)
        if OmegaConf.is_config(node):
            # unresolved: where the files were read from is not part of a dataset's identity
            leaves = _flatten(OmegaConf.to_container(node, resolve=False), key)
            dataset.update({k: v for k, v in leaves.items() if not k.endswith("._target_")})
            if key in choices:
                dataset[key] = choices[key]
        else:
            dataset[key] = str(node)
    overrides = dict(split_override(o) for o in job.overrides)
    return Run(str(job.path), overrides, job.metrics, dataset, choices)


def _leaderboard_runs(source: Path, dataset_keys: list[str]) -> list[Run]:
    table = pd.read_csv(source / LEADERBOARD)
    metrics = [c for c in table.columns if "/" in c and pd.api.types.is_numeric_dtype(table[c])]
    runs = []
    for index, row in table[table["status"] == JobStatus.OK].iterrows():
        overrides = dict(split_override(o) for o in str(row["overrides"]).split())
        dataset = {
            k: v for k, v in overrides.items() if any(_under(k, key) for key in dataset_keys)
        }
        if not all(any(_under(k, key) for k in dataset) for key in dataset_keys):
            dataset[SOURCE] = source.name
        values = {m: float(row[m]) for m in metrics if pd.notna(row[m])}
        runs.append(Run(f"{source / LEADERBOARD} row {index + 1}", overrides, values, dataset))
    return runs


def dataset_labels(datasets: list[dict[str, str]]) -> list[str]:
    """A short name per dataset: its name (the option chosen, or the input's name), then as few
    of its settings as tell it apart from the other datasets of that name, then the other keys
    (``seed``) that differ between datasets.

    ``[{dataset: polish, dataset.year: 1, dataset.file: None}, {dataset: polish, dataset.year:
    3, dataset.file: 3year_rounded.arff}]`` -> ``["polish year=1", "polish year=3"]``.
    """
    distinct = list({_key(d): d for d in datasets}.values())
    others = [k for k in dict.fromkeys(k for d in distinct for k in d) if not _named(k)]
    shown_others = [k for k in others if len({d.get(k) for d in distinct}) > 1]
    text = {}
    for d in distinct:
        kin = [e for e in distinct if _name(e) == _name(d)]
        parts = [d[k] for k in (DATASET, SOURCE) if k in d]
        parts += [f"{k.removeprefix(DATASET + '.')}={d[k]}" for k in _telling(kin) if k in d]
        parts += [f"{k}={d[k]}" for k in shown_others if k in d]
        text[_key(d)] = " ".join(parts) or "(one dataset)"
    return [text[_key(d)] for d in datasets]


def _telling(kin: list[dict[str, str]]) -> list[str]:
    """The fewest dataset settings, in config order, that tell the datasets of one name apart."""
    keys = [k for k in dict.fromkeys(k for d in kin for k in d) if _under(k, DATASET)]
    keys = [k for k in keys if k != DATASET]
    chosen: list[str] = []
    for key in keys:
        if len({tuple(d.get(k) for k in chosen) for d in kin}) == len(kin):
            break
        groups = len({tuple(d.get(k) for k in [*chosen, key]) for d in kin})
        if groups > len({tuple(d.get(k) for k in chosen) for d in kin}):
            chosen.append(key)
    return chosen


def _named(key: str) -> bool:
    return key == SOURCE or _under(key, DATASET)


def _name(d: dict[str, str]) -> tuple:
    return d.get(DATASET), d.get(SOURCE)


def _key(d: dict[str, str]) -> str:
    return json.dumps(d, sort_keys=True)


def method_value(run: Run, key: str) -> str:
    """The job's value of method key `key`: its override, its config group's chosen option,
    or ``default``."""
    if key in run.overrides:
        return run.overrides[key]
    return run.choices.get(key, "default")


def _method_keys(runs: list[Run], labels: list[str], dataset_keys: list[str]) -> list[str]:
    """Overrides (outside the dataset keys) that vary between the jobs of some dataset."""
    keys = [
        k
        for k in dict.fromkeys(k for run in runs for k in run.overrides)
        if not any(_under(k, d) for d in dataset_keys)
    ]
    varying = []
    for key in keys:
        values: dict[str, set[str]] = {}
        for run, dataset in zip(runs, labels, strict=True):
            values.setdefault(dataset, set()).add(method_value(run, key))
        if any(len(v) > 1 for v in values.values()):
            varying.append(key)
    return varying


def _per_dataset(
    runs: list[Run], labels: list[str], method_keys: list[str], dataset_keys: list[str]
) -> dict[str, dict[str, str]]:
    """Overrides that are not method keys and differ between datasets: key -> dataset -> value.

    A job without the override counts with its config group's option (or ``default``).
    """
    keys = {
        k
        for run in runs
        for k in run.overrides
        if k not in method_keys and not any(_under(k, d) for d in dataset_keys)
    }
    found: dict[str, dict[str, str]] = {}
    for key in sorted(keys):
        pairs = zip(runs, labels, strict=True)
        values = {dataset: method_value(run, key) for run, dataset in pairs}
        if len(set(values.values())) > 1:
            found[key] = values
    return found


def _metric(inputs: Sequence[Path], metric: str | None) -> tuple[str, bool]:
    if metric:
        return metric, higher_is_better(metric)
    found = {source: _objective(source) for source in inputs}
    distinct = set(found.values())
    if len(distinct) > 1:
        listed = "; ".join(f"{s}: {m[0]}" for s, m in found.items())
        raise AcrossError(f"the inputs rank by different metrics ({listed}): pass --objective")
    return distinct.pop()


def _objective(source: Path) -> tuple[str, bool]:
    """A sweep's objective and direction; a recorded leaderboard's from its Markdown page."""
    if (source / "multirun.yaml").is_file() or not (source / "leaderboard.md").is_file():
        return sweep_settings(source)
    found = _SORTED_BY.search((source / "leaderboard.md").read_text())
    if found is None:
        return sweep_settings(source)
    return found.group(1), found.group(2) == "higher"


def _check_reported(runs: list[Run], metric: str, inputs: Sequence[Path]) -> None:
    if not runs:
        raise AcrossError(f"no finished job in {', '.join(map(str, inputs))}")
    missing = [run for run in runs if metric not in run.metrics]
    if missing:
        reported = sorted(k for k in missing[0].metrics if k.startswith(("cv/", "test/")))
        shown = ", ".join([k for k in reported if not k.endswith("_std")][:12]) or "none"
        raise AcrossError(
            f"--objective {metric}: not reported by {missing[0].where} "
            f"({len(missing)} job(s) lack it); it reports {shown}"
        )


def _check_size(study: Study, table: pd.DataFrame) -> None:
    n = len(study.scores.index)
    if n < MIN_DATASETS:
        hint = (
            ""
            if "seed" in study.dataset_keys
            else ", or count seeds as datasets (--datasets dataset,seed)"
        )
        raise AcrossError(
            f"{n} dataset(s) ({', '.join(study.scores.index)}): a ranking across datasets "
            f"needs at least {MIN_DATASETS}; add sweeps on other datasets, horizons or seeds{hint}"
        )
    k = len(study.scores.columns)
    if k >= MIN_METHODS:
        return
    per_dataset = "; ".join(
        f"{d}: {', '.join(table.columns[table.loc[d].notna()])}" for d in table.index
    )
    shared = ", ".join(study.scores.columns) or "none"
    raise AcrossError(
        f"the datasets share {k} method(s) ({shared}); a ranking needs at least "
        f"{MIN_METHODS} run on every dataset. Methods ({' '.join(study.method_keys)}) per "
        f"dataset: {per_dataset}"
    )


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def _flatten(node: object, prefix: str) -> dict[str, str]:
    if isinstance(node, dict):
        flat: dict[str, str] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}.{key}"))
        return flat
    return {prefix: json.dumps(node) if isinstance(node, list) else str(node)}
