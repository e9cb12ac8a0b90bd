"""Every bad option stops in one line naming it, before any data is read: one case per class of
mistake per component, top-level key and combination.

In-process cases run the job as ``python -m bankruptcy.run`` does (`run_job`) with every dataset
loader replaced by one that fails the test if it is called: the option's `UserError` must come
first. A few real subprocesses prove the command's own output (one line, no traceback, exit 1).
Adding a component or option adds its cases here.
"""

from __future__ import annotations

import functools
import resource
import time
from pathlib import Path

import pytest
from hydra.utils import get_object
from omegaconf import OmegaConf, open_dict

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.job import JobInfo, run_job
from tests.conftest import compose_config
from tests.helpers import CONF_DIR, ROOT, run_cli

LOADERS = sorted({OmegaConf.load(p)["_target_"] for p in (CONF_DIR / "dataset").glob("*.yaml")})
ABSENT = "/nonexistent/bankruptcy-data"

# (overrides, what the one line must say): the override as typed, then the library's words
CASES = {
    # models: scikit-learn's rules, ours, and the boosting libraries' own (dry fit)
    "logistic value": (["model=logistic", "model.C=-1"], "model.C=-1: The 'C' parameter of Logi"),
    "logistic name": (["model=logistic", "+model.Cc=1"], "model.Cc=1: LogisticRegression has no"),
    "tree": (["model=decision_tree", "model.max_depth=0"], "model.max_depth=0: The 'max_depth'"),
    "forest": (["model=random_forest", "model.n_estimators=0"], "model.n_estimators=0: The"),
    "svm": (["model=svm", "model.kernel=rbff"], "model.kernel=rbff: The 'kernel' parameter"),
    "hgb": (["model=gradient_boosting", "model.learning_rate=-0.1"], "model.learning_rate=-0.1"),
    "dummy": (["model=dummy", "model.strategy=median"], "model.strategy=median: The 'strategy'"),
    "mlp range": (["model=mlp", "model.dropout=2"], "model.dropout=2: The 'dropout' parameter"),
    "mlp choice": (["model=mlp", "model.activation=relu6"], "model.activation=relu6: The"),
    "mlp sizes": (["model=mlp", "model.hidden_sizes=[64,0]"], "model.hidden_sizes=[64,0]: The"),
    "mlp weights": (["model=mlp", "model.class_weight={0:1,1:-2}"], "model.class_weight="),
    "lightgbm": (["model=lightgbm", "model.num_leaves=1"], "model.num_leaves=1: LightGBMError"),
    # LightGBM's message names its alias (feature_fraction): the option is found by a reset
    "lightgbm alias": (["model=lightgbm", "model.colsample_bytree=0"], "model.colsample_bytree=0:"),
    "xgboost": (["model=xgboost", "model.max_depth=-1"], "model.max_depth=-1: XGBoostError"),
    "xgboost choice": (["model=xgboost", "model.tree_method=fast"], "model.tree_method=fast:"),
    "catboost": (["model=catboost", "model.depth=-1"], "model.depth=-1: CatBoostError"),
    "catboost name": (["model=catboost", "+model.depht=4"], "model.depht=4: CatBoostClassifier"),
    "altman form": (["model=altman_z", "model.form=z3"], "model.form=z3: The 'form' parameter"),
    "scorecard trend": (
        ["model=scorecard", "model.monotonic_trend=upward"],
        "model.monotonic_trend=upward: The 'monotonic_trend' parameter of Scorecard",
    ),
    "scorecard trend map": (
        ["model=scorecard", "model.monotonic_trend={Attr27:up}"],
        "The 'monotonic_trend' parameter of Scorecard must be a trend among",
    ),
    "scorecard pdo": (["model=scorecard", "model.pdo=-20"], "model.pdo=-20: The 'pdo' parameter"),
    "scorecard bins": (["model=scorecard", "model.max_n_bins=1"], "model.max_n_bins=1: The"),
    "scorecard trend column": (
        ["model=scorecard", "model.monotonic_trend={Attr99:peak}"],
        "model.monotonic_trend names Attr99, which the dataset lacks; its columns: Attr1",
    ),
    "monotone sign": (
        ["model=lightgbm", "model.monotone={Attr1:2}"],
        "model.monotone={'Attr1': 2}: The 'monotone' parameter of Monotone must be a mapping",
    ),
    "monotone choice": (["model=xgboost", "model.monotone=sometimes"], "model.monotone=sometimes"),
    "monotone column": (
        ["model=gradient_boosting", "model.monotone={Attr99:1}"],
        "model.monotone names Attr99, which the dataset lacks",
    ),
    "monotone model": (
        ["model=logistic", "+model.monotone=auto"],
        "model.monotone: LogisticRegression takes no monotone constraints",
    ),
    # the EBM: the library's own checks (a dry fit of its estimator), ours, the columns named
    "ebm bags": (["model=ebm", "model.outer_bags=0"], "model.outer_bags=0: ValueError: outer_bag"),
    "ebm rate": (["model=ebm", "model.learning_rate=-1"], "model.learning_rate=-1: ValueError"),
    "ebm rounds": (["model=ebm", "model.max_rounds=-5"], "model.max_rounds=-5: ValueError: max_r"),
    "ebm name": (["model=ebm", "+model.max_bin=8"], "model.max_bin=8: ExplainableBoosting has no"),
    "ebm monotone": (
        ["model=ebm", "model.monotone={Attr1:2}"],
        "model.monotone={'Attr1': 2}: The 'monotone' parameter of ExplainableBoosting must be",
    ),
    "ebm monotone column": (
        ["model=ebm", "model.monotone={Attr99:1}"],
        "model.monotone names Attr99, which the dataset lacks",
    ),
    "ebm edits": (
        ["model=ebm", "model.edits={cap:{Attr5:[1,0]}}"],
        "The 'edits' parameter of ExplainableBoosting must be a mapping with keys among drop",
    ),
    "ebm edits column": (
        ["model=ebm", "model.edits={drop:[Attr99]}"],
        "model.edits.drop names Attr99, which the dataset lacks",
    ),
    "ebm pairs column": (
        ["model=ebm", "model.interactions=[[Attr1,Attr99]]"],
        "model.interactions names Attr99, which the dataset lacks",
    ),
    "stacking": (["model=stacking", "model.cv=1"], "model.cv=1: The 'cv' parameter of Stacking"),
    "stacking base": (
        ["model=stacking", "model.candidates.lightgbm.num_leaves=1"],
        "model.candidates.lightgbm.num_leaves=1: LightGBMError",
    ),
    "stacking unused base": (
        ["model=stacking", "model.candidates.catboost.depth=-1"],
        "model.candidates.catboost.depth=-1: CatBoostError",
    ),
    "stacking unknown base": (["model=stacking", "model.base=[lgbm,svm]"], "unknown model 'lgbm'"),
    "voting average": (["model=voting", "model.average=median"], "model.average=median: The"),
    "voting weights": (
        ["model=voting", "model.base=[logistic,svm]", "model.weights=[1,2,3]"],
        "model.weights=[1,2,3]: The 'weights' parameter of VotingEnsemble must be one weight",
    ),
    "voting scores": (
        ["model=voting", "model.base=[svm,logistic]"],
        "model.base=[svm,logistic]: The 'estimators' parameter of VotingEnsemble must be base",
    ),
    # samplers (imbalanced-learn's rules, and the wrapper's nested sampler)
    "smote": (["sampler=smote", "sampler.sampler.k_neighbors=0"], "sampler.sampler.k_neighbors=0"),
    "under": (["sampler=random_under", "sampler.sampling_strategy=many"], "sampling_strategy=many"),
    "adasyn name": (["sampler=adasyn", "+sampler.sampler.k=3"], "sampler.sampler.k=3: ADASYN has"),
    # preprocessing steps: each its own rules
    "dedup": (
        ["preprocess=default", "+preprocess.dedup.keep=last"],
        "preprocess.dedup.keep=last: DropDuplicates has no",
    ),
    "clean": (
        ["preprocess=default", "preprocess.clean.max_missing=2"],
        "preprocess.clean.max_missing=2: The",
    ),
    "indicator": (
        ["preprocess=default", "preprocess.indicator.min_share=-1"],
        "preprocess.indicator.min_share=-1:",
    ),
    "clip order": (
        ["preprocess/clip=quantile", "preprocess.clip.lower=0.9", "preprocess.clip.upper=0.1"],
        "preprocess.clip.upper=0.1: The 'upper' parameter of Winsorizer must be above lower=0.9",
    ),
    # (the default experiment's mean-imputed preset has no dedup, cleaner, flags, transform or
    # scaler: the default preset's)
    "transform": (
        ["preprocess=default", "preprocess.transform.n_quantiles=0"],
        "preprocess.transform.n_quantiles=0:",
    ),
    "imputer": (["preprocess.imputer.imputer.strategy=mode"], "imputer.imputer.strategy=mode: The"),
    "outliers": (
        ["preprocess/outlier_rows=lof", "preprocess.outlier_rows.detector.contamination=2"],
        "preprocess.outlier_rows.detector.contamination=2: The 'contamination'",
    ),
    "scaler": (
        ["preprocess=default", "+preprocess.scaler.with_men=false"],
        "preprocess.scaler.with_men=false: Robust",
    ),
    "select k": (
        ["preprocess/select=mutual_info", "preprocess.select.k=-1"],
        "preprocess.select.k=-1: The 'k' parameter of MutualInfoKBest",
    ),
    "select method": (
        ["preprocess/select=correlation", "preprocess.select.method=kendal"],
        "preprocess.select.method=kendal: The 'method' parameter of CorrelationFilter",
    ),
    "features recipe": (
        ["preprocess/features=altman", "preprocess.features.recipes=[altmann]"],
        "preprocess.features.recipes=[altmann]: The 'recipes' parameter of ConceptFeatures",
    ),
    # threshold rules, calibration, protocols, bootstrap, analyses, logger
    "fixed threshold": (["threshold=fixed", "threshold.value=2"], "threshold.value=2: The 'value'"),
    "recall": (["threshold=recall", "threshold.recall=1.5"], "threshold.recall=1.5: The 'recall'"),
    "fbeta": (["threshold=fbeta", "threshold.beta=0"], "threshold.beta=0: The 'beta' parameter"),
    "cost": (["threshold=cost", "threshold.miss_cost=-1"], "threshold.miss_cost=-1: The"),
    "calibration": (
        ["calibration=sigmoid", "calibration.smoothing=maybe"],
        "calibration.smoothing=maybe",
    ),
    "folds": (["protocol.n_splits=1"], "protocol.n_splits=1: The 'n_splits' parameter of Holdout"),
    "repeats": (["protocol.n_repeats=0"], "protocol.n_repeats=0: The 'n_repeats' parameter"),
    "test size": (["protocol.test_size=20"], "protocol.test_size=20: The 'test_size' parameter"),
    "temporal order": (
        ["dataset=american", "protocol=temporal", "protocol.valid_end=2010"],
        "protocol.valid_end=2010: The 'valid_end' parameter of Temporal must be after train_end",
    ),
    "bootstrap": (["bootstrap.n_resamples=-5"], "bootstrap.n_resamples=-5: The 'n_resamples'"),
    "confidence": (["bootstrap.confidence=95"], "bootstrap.confidence=95: The 'confidence'"),
    "metrics": (["metrics.names=[roc_auc,auc]"], "unknown metric(s) ['auc'] in metrics.names"),
    "plots": (["plots.kinds=[roc,rocc]"], "unknown plots.kinds ['rocc']"),
    "plots dpi": (["plots.dpi=0"], "plots.dpi=0: The 'dpi' parameter of PlotMaker"),
    "interpret": (["interpret.scoring=auc"], "interpret.scoring=auc: The 'scoring' parameter"),
    "logger": (["logger=wandb", "logger.mode=onlin"], "logger.mode=onlin: The 'mode' parameter"),
    # recourse defaults stored in the package
    "recourse column": (
        ["recourse.immutable=[Attr99]"],
        "recourse.immutable names Attr99, which the dataset lacks; its columns: Attr1",
    ),
    "recourse move": (
        ["recourse.one_way={Attr1:sideways}"],
        "The 'one_way' parameter of Actionability must be a mapping feature -> up or down",
    ),
    "recourse both": (
        ["recourse.one_way={Attr29:up}"],
        "The 'one_way' parameter of Actionability must be free of immutable features",
    ),
    "recourse directions": (["recourse.directions=some"], "recourse.directions=some: The"),
    # datasets: the loader's own declared rules, checked before it is called
    "polish year": (["dataset.year=9"], "dataset.year=9: The 'year' parameter of load_polish"),
    "dataset name": (["+dataset.yeer=2"], "dataset.yeer=2: load_polish has no parameter 'yeer'"),
    "qualitative form": (["dataset=qualitative", "dataset.form=kaggle"], "dataset.form=kaggle:"),
    "csv unset": (["dataset=csv"], "dataset.path is not set (???); give it"),
    "synthetic": (["dataset=synthetic", "dataset.positive_rate=5"], "dataset.positive_rate=5:"),
    # top-level keys
    "seed": (["seed=abc"], "seed=abc: The 'seed' parameter of the experiment config"),
    "seed range": (["seed=-1"], "seed=-1: The 'seed' parameter"),
    "threads": (["threads=0"], "threads=0: use a positive number of threads or auto"),
    "fold jobs": (["fold_jobs=many"], "fold_jobs=many: use a positive number of worker processes"),
    "cache": (["preprocess_cache=maybe"], "preprocess_cache=maybe: The 'preprocess_cache'"),
    "fail soft": (["fail_soft=2"], "fail_soft=2: The 'fail_soft' parameter"),
    "objective": (["objective=cv/roc"], "objective=cv/roc: not a metric of this job; did you mean"),
    "objective metric": (["objective=cv/f1@threshold"], "objective=cv/f1@threshold: not a metric"),
    # combinations
    "objective scores": (
        ["model=svm", "calibration=none", "objective=cv/brier"],
        "objective=cv/brier needs probabil",
    ),
    "threshold scores": (
        ["model=svm", "threshold=fixed", "threshold.value=-1"],
        "threshold.value=-1: The 'value' parameter of FixedThreshold must be a probability",
    ),
    "sampler gaps": (["model=xgboost", "sampler=smote"], "sampler=smote cannot take missing va"),
    "outliers gaps": (
        ["preprocess=none", "preprocess/outlier_rows=lof"],
        "preprocess/outlier_rows=lof cannot take missing values",
    ),
    "selector gaps": (
        ["model=catboost", "preprocess/select=mutual_info"],
        "preprocess/select=mutual_info cannot take missing values",
    ),
    "temporal time": (["protocol=temporal"], "protocol=temporal needs a time column"),
    "temporal csv": (
        ["dataset=csv", "dataset.path=x.csv", "dataset.target=y", "protocol=temporal"],
        "protocol=temporal needs a time column",
    ),
    "altman concepts": (["dataset=qualitative", "model=altman_z"], "needs dataset.concepts"),
    "features concepts": (
        ["dataset=qualitative", "preprocess/features=ohlson"],
        "preprocess/features (ohlson) needs dataset.concepts",
    ),
    # horizons: the target group, and panel features
    "within years": (["target=within", "target.years=0"], "target.years=0: The 'years' parameter"),
    "term structure years": (
        ["target=term_structure", "target.years=1"],
        "target.years=1: The 'years' parameter of TermStructure",
    ),
    "within without a panel": (["target=within"], "target=within needs firm-year data"),
    "within on a csv without firms": (
        ["dataset=csv", "dataset.path=x.csv", "dataset.target=y", "dataset.time=year"]
        + ["target=within"],
        "target=within needs firm-year data",
    ),
    "term structure without probabilities": (
        ["dataset=american", "target=term_structure", "model=svm", "calibration=none"],
        "target=term_structure needs probabilities",
    ),
    "horizon past the validation years": (
        ["dataset=american", "protocol=temporal", "target=within", "target.years=3"],
        "no validation year in (2011, 2014] has its 3-year label window closed",
    ),
    "panel features without a panel": (
        ["preprocess/features=panel"],
        "preprocess/features=panel needs firm-year data",
    ),
    "panel lags": (
        ["dataset=american", "preprocess/features=panel", "preprocess.features.lags=0"],
        "preprocess.features.lags=0: The 'lags' parameter of PanelFeatures",
    ),
}

# Combinations that work: the checks must not refuse them (false alarms cost more than misses).
VALID = {
    "boosters keep NaN": ["model=xgboost"],
    "random over-sampling on NaN": ["model=xgboost", "sampler=random_over"],
    "smote with an imputer": ["model=xgboost", "sampler=smote", "preprocess/imputer=median"],
    "svm scores, default metrics": ["model=svm"],
    "svm with a decision threshold": [
        "model=svm",
        "calibration=none",
        "threshold=fixed",
        "threshold.value=-0.5",
    ],
    "temporal on the american data": ["dataset=american", "protocol=temporal"],
    "a horizon on the american data": ["dataset=american", "target=within", "target.years=2"],
    "a term structure with temporal folds": [
        "dataset=american",
        "target=term_structure",
        "protocol=temporal",
        "preprocess/features=panel",
    ],
    "a horizon with an earlier first fold": [
        "dataset=american",
        "protocol=temporal",
        "protocol.train_end=2008",
        "target=within",
        "target.years=5",
    ],
    "the dataset's own label on a panel": ["dataset=american", "target=ever"],
    "a horizon on a csv panel": [
        "dataset=csv",
        "dataset.path=x.csv",
        "dataset.target=y",
        "dataset.time=year",
        "dataset.group=firm",
        "target=within",
    ],
    "temporal on a csv with time": [
        "dataset=csv",
        "dataset.path=x.csv",
        "dataset.target=y",
        "dataset.time=year",
        "protocol=temporal",
    ],  # fmt: skip
    "stacking": ["model=stacking"],
    "voting by rank": ["model=voting", "model.average=rank", "model.weights=[2,1,1]"],
    "mlp": ["model=mlp", "model.class_weight=balanced", "model.patience=null"],
    "catboost": ["model=catboost", "model.auto_class_weights=Balanced"],
    "altman": ["model=altman_z"],
    "every top-level key": ["seed=7", "threads=1", "fold_jobs=1", "objective=test/f1@threshold"],
}


@pytest.fixture
def loaders_refused(monkeypatch):
    """Every dataset loader fails the test when called (its signature and declared rules kept)."""

    def patch(target: str) -> None:
        module, _, name = target.rpartition(".")
        loader = get_object(target)

        @functools.wraps(loader)
        def reached(*args, **kwargs):
            raise AssertionError(f"{name} was called: the data would be read")

        monkeypatch.setattr(get_object(module), name, reached)

    for target in LOADERS:
        patch(target)


def job(overrides: list[str], tmp_path: Path):
    """`run_job` as the command calls it (its Hydra choices and overrides), data folder absent."""
    args = ["logger=none", f"paths.data_dir={ABSENT}", f"paths.output_dir={tmp_path}", *overrides]
    cfg = compose_config(args, return_hydra_config=True)
    choices = dict(cfg.hydra.runtime.choices)
    with open_dict(cfg):
        del cfg.hydra
    return lambda: run_job(cfg, JobInfo(tmp_path / "job", choices=choices, overrides=args))


@pytest.mark.parametrize("overrides, message", CASES.values(), ids=CASES.keys())
def test_bad_option_is_one_line_naming_it_before_any_data_is_read(
    overrides, message, loaders_refused, tmp_path
):
    run = job(overrides, tmp_path)
    start = time.perf_counter()
    with pytest.raises(UserError) as error:
        run()
    assert time.perf_counter() - start < 5
    text = str(error.value)
    assert "\n" not in text and message in text, text
    assert not (tmp_path / "job").exists()  # nothing written


@pytest.mark.parametrize("overrides", VALID.values(), ids=VALID.keys())
def test_valid_combinations_pass_the_checks_and_reach_the_data(
    overrides, loaders_refused, tmp_path
):
    with pytest.raises(Exception, match="was called: the data would be read"):  # noqa: B017
        job(overrides, tmp_path)()


def cpu_seconds_of(command) -> tuple[object, float]:
    """Run `command`; return its result and the CPU seconds (user + system) its child used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = command()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["model=mlp", "model.dropout=2"], "error: model.dropout=2: The 'dropout' parameter"),
        (["model=lightgbm", "model.num_leaves=1"], "error: model.num_leaves=1: LightGBMError"),
        (["objective=cv/roc"], "error: objective=cv/roc: not a metric of this job"),
        (["threshold=fixed", "threshold.value=2"], "error: threshold.value=2: The 'value'"),
        (["model=xgboost", "sampler=smote"], "error: sampler=smote cannot take missing values"),
    ],
)
def test_the_issues_examples_are_one_line_from_the_command(args, message, tmp_path):
    """The command's own output: exit 1, one stderr line, no traceback, in <= 5 s of CPU (the
    machine may be shared: wall time would measure the neighbours)."""
    command = functools.partial(
        run_cli,
        "bankruptcy.run",
        *args,
        "logger=none",
        f"paths.data_dir={ABSENT}",
        f"paths.output_dir={tmp_path}",
        cwd=ROOT,
    )
    done, cpu = cpu_seconds_of(command)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert "Traceback" not in done.stdout + done.stderr and cpu <= 5, cpu
