"""``python -m bankruptcy.recourse``: every bad option is one line, exit 2, before the rows are
read (the rows here are a file no reader could parse: reaching them would be another error)."""

from __future__ import annotations

import pytest

from bankruptcy.cli.recourse import main
from bankruptcy.experiment.job import JobInfo, run_job
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, ROOT, run_cli


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    """A "CSV" of bytes no CSV reader accepts."""
    path = tmp_path_factory.mktemp("rows") / "firms.csv"
    path.write_bytes(b"\x00\xff" * 64)
    return path


@pytest.fixture(scope="module")
def scores_only_job(synthetic_job, tmp_path_factory):
    """A package without a PD: an SVM's decision scores, not calibrated."""
    root = tmp_path_factory.mktemp("svm")
    cfg = compose_config(
        [
            f"paths.output_dir={root}",
            "dataset=csv",
            f"dataset.path={synthetic_job.parent / 'firms.csv'}",
            "dataset.target=class",
            "dataset.drop=[company]",
            "model=svm",
            "calibration=none",
            "objective=cv/roc_auc",
            "protocol.n_splits=3",
            "logger=none",
            "threads=1",
            *NO_ANALYSES,
        ]
    )
    run_job(cfg, JobInfo(root / "job", name="svm"))
    return root / "job"


CASES = {
    "no plans": (["--plans", "0"], "error: --plans 0: ask for at least 1 plan per firm"),
    "target zero": (["--target-pd", "0"], "error: --target-pd 0: a PD target lies strictly"),
    "target one": (["--target-pd", "1"], "error: --target-pd 1: a PD target lies strictly"),
    "no changes": (["--max-changes", "0"], "error: --max-changes 0: a plan changes at least 1"),
    "direction form": (["--direction", "Attr1"], "error: --direction Attr1: write FEATURE=up"),
    "chunk": (["--chunk-rows", "0"], "error: --chunk-rows 0: read at least 1 row"),
    "unknown immutable": (
        ["--immutable", "Attr1,Attr99"],
        "error: --immutable names Attr99, not a feature of this model; its features: Attr1",
    ),
    "unknown direction": (["--direction", "Attr0=up"], "error: --direction names Attr0, not a"),
    "direction value": (["--direction", "Attr5=sideways"], "error: --direction Attr5=sideways"),
    "both": (
        ["--immutable", "Attr5", "--direction", "Attr5=up"],
        "error: Attr5: both --immutable and --direction/--mutable; choose one",
    ),
    "range": (["--range", "0.1"], "error: --range 0.1: use one of 0.001, 0.01, 0.05, 0.25"),
    "band": (["--target-band", "high"], "error: --target-band high: choose low or elevated"),
}


@pytest.mark.parametrize("args, message", CASES.values(), ids=CASES.keys())
def test_bad_options_are_one_line_before_the_rows_are_read(
    args, message, synthetic_job, unreadable, tmp_path, capsys
):
    out = tmp_path / "plans.csv"
    code = main([str(synthetic_job), str(unreadable), str(out), "--quiet", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(message) and "\n" not in err, err
    assert not out.exists()


def test_a_model_without_a_pd_is_refused_before_the_rows_are_read(
    scores_only_job, unreadable, tmp_path, capsys
):
    code = main([str(scores_only_job), str(unreadable), str(tmp_path / "plans.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(
        "error: the model gives decision scores, not probabilities of default"
    ), err


def test_paths_are_checked_before_the_model_is_opened(unreadable, tmp_path, capsys):
    taken = tmp_path / "plans.csv"
    taken.write_text("mine\n")
    code = main(["no/such/model", str(unreadable), str(taken)])
    assert code == 2 and "plans.csv exists: choose another output path" in capsys.readouterr().err
    assert taken.read_text() == "mine\n"  # nothing the user wrote is overwritten
    code = main(["no/such/model", str(tmp_path / "absent.csv"), str(tmp_path / "out.csv")])
    assert code == 2 and "absent.csv: no such input file" in capsys.readouterr().err


@pytest.mark.slow
def test_the_command_prints_one_line_and_exits_2(synthetic_job, unreadable, tmp_path):
    done = run_cli(
        "bankruptcy.recourse", str(synthetic_job), str(unreadable), str(tmp_path / "p.csv"),
        "--target-pd", "1.5", cwd=ROOT,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: --target-pd 1.5") and "Traceback" not in done.stdout
