"""``python -m bankruptcy.registry`` and ``python -m bankruptcy.predict`` as a user runs them."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # each command starts a Python with MLflow (seconds)


@pytest.fixture
def cli(registry_db, tmp_path):
    return partial(run_cli, cwd=tmp_path, env={"BANKRUPTCY_REGISTRY": registry_db})


def test_registered_model_reproduces_the_jobs_predictions(job_dir, test_rows, cli, tmp_path):
    done = cli("bankruptcy.registry", "register", str(job_dir), "--name", "polish5", "--alias",
               "champion")  # fmt: skip
    assert done.returncode == 0 and "version 1 [champion]" in done.stdout, done.stderr
    listed = cli("bankruptcy.registry", "list")
    assert "polish5 v1 [champion]" in listed.stdout and "polish_year5" in listed.stdout

    expected = pd.read_csv(job_dir / "predictions.csv")
    for name in ("scored.csv", "scored.parquet"):
        out = tmp_path / name
        done = cli("bankruptcy.predict", "models:/polish5@champion", str(test_rows), str(out))
        assert done.returncode == 0, done.stderr
        scored = pd.read_csv(out) if name.endswith(".csv") else pd.read_parquet(out)
        assert list(scored.columns) == ["company", "p_bankrupt", "decision", "risk_band",
                                        "warnings"]  # fmt: skip
        assert list(scored["company"]) == [f"firm-{r}" for r in expected["row"]]
        np.testing.assert_allclose(scored["p_bankrupt"], expected["p_bankrupt"], rtol=0, atol=1e-12)


def test_explain_adds_named_risk_factors(job_dir, test_rows, cli, tmp_path):
    rows = tmp_path / "ten.csv"
    pd.read_csv(test_rows).head(10).to_csv(rows, index=False)
    out = tmp_path / "explained.csv"
    done = cli("bankruptcy.predict", str(job_dir), str(rows), str(out), "--explain", "2")
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(out)
    assert {"factor_1", "factor_1_shap", "factor_2", "factor_2_shap"} <= set(scored.columns)
    assert scored["factor_1"].str.match(r"Attr\d+: \S").all()  # name and its meaning
    assert (scored["factor_1_shap"] >= scored["factor_2_shap"]).all()


def test_bad_input_and_references_are_one_line_and_write_nothing(job_dir, test_rows, cli, tmp_path):
    broken = tmp_path / "broken.csv"
    pd.read_csv(test_rows).drop(columns=["Attr7", "Attr9"]).to_csv(broken, index=False)
    out = tmp_path / "out.csv"
    done = cli("bankruptcy.predict", str(job_dir), str(broken), str(out))
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.strip().splitlines() == [
        f"error: {broken}, rows 1-1182: missing feature column(s) Attr7, Attr9: every row needs "
        "all 64 features of the model's input contract"
    ]
    out.write_text("mine")
    done = cli("bankruptcy.predict", str(job_dir), str(test_rows), str(out))
    assert done.returncode == 2 and "exists" in done.stderr and out.read_text() == "mine"
    done = cli("bankruptcy.predict", "models:/nope@champion", str(test_rows), str(tmp_path / "x"))
    assert done.returncode == 2 and "no registered model 'nope'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = cli("bankruptcy.registry", "register", str(tmp_path), "--name", "x")
    assert done.returncode == 2 and "no package/ folder" in done.stderr
