"""``python -m bankruptcy.report``: on-demand leaderboard, lab-notebook record, clear errors."""

from __future__ import annotations

import yaml

from bankruptcy.cli.report import main
from tests.sweep.fakes import make_job, metrics


def _sweep(tmp_path):
    sweep = tmp_path / "sweep"
    make_job(sweep, "0", ["experiment=demo", "model=svm"], metrics(0.42))
    make_job(sweep, "1", ["experiment=demo", "model=logistic"], metrics(0.31))
    overrides = {
        "hydra": ["hydra.mode=MULTIRUN", "hydra/launcher=parallel", f"hydra.sweep.dir={sweep}"],
        "task": ["experiment=demo", "model=svm,logistic"],
    }
    cfg = {"objective": "cv/pr_auc", "hydra": {"overrides": overrides}}
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(cfg))
    return sweep


def test_record_writes_readme_with_command_best_and_table(tmp_path, capsys):
    sweep = _sweep(tmp_path)
    out = tmp_path / "experiments" / "demo"
    assert main([str(sweep), "--record", str(out)]) == 0
    assert (sweep / "leaderboard.html").exists()  # the sweep's own copy
    readme = (out / "README.md").read_text()
    cmd = "python -m bankruptcy.run -m hydra/launcher=parallel experiment=demo model=svm,logistic"
    assert f"```\n{cmd}\n```" in readme
    assert "`experiment=demo model=svm`: cv/pr_auc = 0.4200 ± 0.0100 (CV)" in readme
    assert "| 1 | ok | svm | 0.4200 |" in readme and "| 2 | ok | logistic | 0.3100 |" in readme
    assert {p.name for p in out.iterdir()} == {
        "README.md", "leaderboard.csv", "leaderboard.md", "leaderboard.html", "leaderboard.png"
    }  # fmt: skip
    assert "rank" in capsys.readouterr().out  # the console table


def test_bad_sweep_dir_is_one_line_error(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'nope'} is not a directory: pass a sweep dir (hydra.sweep.dir)"
    )
    assert main([str(tmp_path)]) == 2
    assert "holds no job dirs" in capsys.readouterr().err
