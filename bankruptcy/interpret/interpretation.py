"""The ``interpret`` config group's objects: run every interpretation of a fitted job, or none.

`Interpretation.run` returns its tables and figures as `Artifacts`; the job's outputs
write them (``interpret/<name>.csv``, ``plots/<name>.png``) and log them.
"""

from __future__ import annotations

import logging
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, StrOptions
from threadpoolctl import threadpool_limits

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.params import CheckedParams
from bankruptcy.interpret import plots
from bankruptcy.interpret.features import model_input, source_column
from bankruptcy.interpret.importance import native_table, permutation_table
from bankruptcy.interpret.partial_dependence import pd_curves

log = logging.getLogger(__name__)


class NoInterpretation:
    """``interpret=none``: does nothing (sweeps skip the cost)."""

    def run(self, result, subtitle: str = "") -> Artifacts:
        """Return nothing."""
        return Artifacts()


class Interpretation(CheckedParams):
    """Permutation and native importance, SHAP values, per-company factors, partial dependence.

    Parameters
    ----------
    n_repeats : int
        Shuffles per feature for permutation importance.
    permutation_features : int or None
        Permutation importance for the original columns behind this many
        top SHAP features (each costs `n_repeats` full predictions of the test
        rows); None shuffles every column.
    scoring : str
        scikit-learn scorer the permutation importance measures.
    top_features : int
        Features shown in the importance and SHAP figures.
    shap_rows : int
        Test rows explained with tree / linear explainers.
    agnostic_rows : int
        Test rows explained with the (slow) model-agnostic explainer.
    background_rows : int
        Training rows used as the reference distribution of linear and
        model-agnostic explainers.
    n_companies : int
        Highest-risk test companies whose top factors are reported.
    top_factors : int
        Factors listed per company.
    pdp_features : int
        Partial-dependence curves for this many top permutation features.
    pdp_rows : int
        Training rows averaged over by partial dependence.
    grid_resolution : int
        Grid points per partial-dependence curve.
    seed : int
        Seed of the shuffles and row samples.
    n_threads : int
        Native threads (OpenMP/BLAS) while interpreting. The work is hundreds of
        small predictions, where thread start-up and, on a busy machine, thread
        contention cost more than they save (measured 10x slower per
        HistGradientBoosting predict with 2 threads on a loaded 2-core host).
    """

    _parameter_constraints: dict = {
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "permutation_features": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [StrOptions(set(get_scorer_names()))],
        "top_features": [Interval(Integral, 1, None, closed="left")],
        "shap_rows": [Interval(Integral, 1, None, closed="left")],
        "agnostic_rows": [Interval(Integral, 1, None, closed="left")],
        "background_rows": [Interval(Integral, 1, None, closed="left")],
        "n_companies": [Interval(Integral, 0, None, closed="left")],
        "top_factors": [Interval(Integral, 1, None, closed="left")],
        "pdp_features": [Interval(Integral, 0, None, closed="left")],
        "pdp_rows": [Interval(Integral, 1, None, closed="left")],
        "grid_resolution": [Interval(Integral, 2, None, closed="left")],
        "seed": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
        "n_threads": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_repeats: int = 3,
        permutation_features: int | None = 20,
        scoring: str = "average_precision",
        top_features: int = 15,
        shap_rows: int = 500,
        agnostic_rows: int = 50,
        background_rows: int = 100,
        n_companies: int = 5,
        top_factors: int = 5,
        pdp_features: int = 4,
        pdp_rows: int = 500,
        grid_resolution: int = 20,
        seed: int = 0,
        n_threads: int = 1,
    ):
        self.n_repeats = n_repeats
        self.permutation_features = permutation_features
        self.scoring = scoring
        self.top_features = top_features
        self.shap_rows = shap_rows
        self.agnostic_rows = agnostic_rows
        self.background_rows = background_rows
        self.n_companies = n_companies
        self.top_factors = top_factors
        self.pdp_features = pdp_features
        self.pdp_rows = pdp_rows
        self.grid_resolution = grid_resolution
        self.seed = seed
        self.n_threads = n_threads

    def run(self, result, subtitle: str = "") -> Artifacts:
        """Interpret the refitted pipeline of `result` on its test rows.

        Parameters
        ----------
        result : ExperimentResult
            Needs ``pipeline``, ``X_train``, ``X_test``, ``y_test``,
            ``test_scores`` and ``dataset.descriptions``.
        subtitle : str
            Second title line of the figures.

        Returns
        -------
        Artifacts
            Tables ``native_importance`` (models that have one), ``shap_importance``,
            ``company_factors``, ``permutation_importance``; figures of the same names,
            ``shap_summary`` and ``partial_dependence``.
        """
        out = Artifacts()
        with threadpool_limits(limits=self.n_threads):
            self._run(result, out, subtitle)
        return out

    def _run(self, result, out: Artifacts, subtitle: str) -> None:
        desc = result.dataset.descriptions
        estimator = result.pipeline[-1]
        rows = model_input(result.pipeline, result.X_test)
        native = native_table(estimator, [str(c) for c in rows.columns], desc)
        if len(native):
            out.tables["native_importance"] = native
            out.figures["native_importance"] = plots.native_figure(
                native, desc, self.top_features, subtitle
            )

        ranked = self._shap(result, rows, out, subtitle)
        # shuffling costs one full prediction per feature and repeat: shuffle the original
        # columns behind the features SHAP ranks highest (all of them if permutation_features
        # is null)
        columns = ranked[: self.permutation_features] if self.permutation_features else None
        perm = permutation_table(
            result.pipeline,
            result.X_test,
            result.y_test,
            desc,
            self.n_repeats,
            self.scoring,
            self.seed,
            columns,
        )
        out.tables["permutation_importance"] = perm
        out.figures["permutation_importance"] = plots.permutation_figure(
            perm, desc, self.scoring, self.top_features, subtitle
        )

        top = perm["feature"].head(self.pdp_features).tolist()
        curves = pd_curves(
            result.pipeline, self._sample(result.X_train, self.pdp_rows), top, self.grid_resolution
        )
        response = "predicted probability" if hasattr(estimator, "predict_proba") else "score"
        out.figures["partial_dependence"] = plots.pdp_figure(curves, desc, response, subtitle)

    def _sample(self, frame: pd.DataFrame, n: int) -> pd.DataFrame:
        return frame.sample(n=min(n, len(frame)), random_state=self.seed)

    def _explained_positions(self, scores: np.ndarray) -> np.ndarray:
        """Highest-risk companies first (they get per-company reports), then a random sample."""
        ranked = np.argsort(-scores, kind="stable")
        top, rest = ranked[: self.n_companies], ranked[self.n_companies :]
        rest = np.random.default_rng(self.seed).permutation(rest)
        return np.concatenate([top, rest])[: max(self.shap_rows, self.n_companies)]

    def _shap(self, result, rows: pd.DataFrame, out: Artifacts, subtitle: str) -> list[str]:
        """SHAP summary and per-company factors; return original columns by SHAP rank."""
        # shap costs ~1 s to import: only jobs that interpret pay for it
        from bankruptcy.interpret.shap_values import company_factors, explain, mean_abs_table

        desc = result.dataset.descriptions
        positions = self._explained_positions(np.asarray(result.test_scores))
        background = model_input(
            result.pipeline, self._sample(result.X_train, self.background_rows)
        )
        expl = explain(
            result.pipeline[-1],
            rows.iloc[positions],
            background,
            max(self.agnostic_rows, self.n_companies),
        )
        kept = positions[: len(expl.data)]
        log.info("SHAP: %s on %d test rows (%s)", expl.explainer, len(kept), expl.output)
        shap_rank = mean_abs_table(expl, desc)
        out.tables["shap_importance"] = shap_rank
        out.figures["shap_summary"] = plots.shap_summary_figure(
            expl, desc, self.top_features, subtitle
        )
        factors = company_factors(
            expl,
            np.arange(self.n_companies),
            np.asarray(result.test_scores)[kept],
            np.asarray(result.y_test)[kept],
            result.X_test.iloc[kept],
            desc,
            self.top_factors,
        )
        out.tables["company_factors"] = factors
        out.figures["company_factors"] = plots.company_figure(factors, expl.output, subtitle)
        sources = [source_column(f, list(result.X_test.columns)) for f in shap_rank["feature"]]
        return list(dict.fromkeys(c for c in sources if c is not None))
