"""Which method is best across datasets, and is the difference real? Demšar's (2006) procedure.

Scores of k methods on N datasets (one number per dataset and method, e.g. the CV mean of a
metric) are ranked within each dataset (1 = best; tied methods share the average of the ranks
they span, as Demšar prescribes). The Friedman test asks whether the methods' mean ranks
differ more than chance allows; Iman and Davenport's F form of it is less conservative and
the one to read with few datasets. Post hoc, the Nemenyi test compares every pair: two methods
differ when their mean ranks are further apart than the critical difference
``CD = q_alpha sqrt(k (k + 1) / (6 N))`` (the bars of the CD diagram join methods closer than
that); Holm's step-down procedure compares each method with the best one only, which has more
power than Nemenyi's all-pairs correction. Optionally, the Bayesian signed-rank test (Benavoli
et al. 2017) gives, for the best method against each other, the probabilities that it is
better, practically equivalent (within a region of practical equivalence, ROPE) or worse.

Rank tests, not repeated-measures ANOVA: scores on different datasets are not commensurable
(a PR-AUC of 0.6 on Polish data and 1.0 on the Qualitative data), and with a handful of datasets
neither normality nor sphericity can be checked (autorank, which picks ANOVA when Shapiro-Wilk
does not reject normality, would pick it for almost every small study, and refuses fewer than
five datasets). The statistics come from scipy (Friedman, with its correction for ties),
scikit-posthocs (Nemenyi's p-values; Demšar's z-test against a control with Holm's adjustment)
and baycomp (the Bayesian signed-rank test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: Fewest datasets (blocks) and methods the ranking accepts: with two datasets every method's
#: mean rank is one of a few values and no difference can reach significance.
MIN_DATASETS = 3
MIN_METHODS = 3
#: Posterior samples of the Bayesian test: its probabilities to +-0.004 (one standard error).
BAYES_SAMPLES = 20_000


@dataclass
class Ranking:
    """The methods ranked across datasets, with the tests of their differences.

    Attributes
    ----------
    scores : pandas.DataFrame
        Datasets (rows) x methods (columns): the metric.
    ranks : pandas.DataFrame
        The same shape: each method's rank within its dataset (1 = best, ties averaged).
    table : pandas.DataFrame
        One row per method, best mean rank first: ``mean_rank``, ``mean`` (the metric over
        the datasets), ``wins`` (datasets where it ranks best, ties included), ``rank_gap``
        (mean rank minus the best's), ``nemenyi_p`` (vs the best), ``holm_p`` (Demšar's
        z-test vs the best, Holm-adjusted), ``worse_than_best`` (``holm_p < alpha``) and,
        with a ROPE, ``p_best_better``, ``p_equivalent``, ``p_best_worse``.
    friedman, friedman_p : float
        Friedman's chi-square (corrected for ties) and its p-value.
    iman_davenport, iman_davenport_p : float
        Iman and Davenport's F and its p-value (k - 1 and (k - 1)(N - 1) degrees of freedom).
    cd : float
        Nemenyi's critical difference of mean ranks at `alpha`.
    nemenyi : pandas.DataFrame
        Nemenyi p-values of every pair of methods.
    alpha : float
        Significance level.
    rope : float or None
        Region of practical equivalence of the Bayesian test, in the metric's units.
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    table: pd.DataFrame
    friedman: float
    friedman_p: float
    iman_davenport: float
    iman_davenport_p: float
    cd: float
    nemenyi: pd.DataFrame
    alpha: float
    rope: float | None = None

    @property
    def best(self) -> str:
        """The method with the best mean rank."""
        return str(self.table.index[0])

    @property
    def significant(self) -> bool:
        """Whether Iman-Davenport rejects "all methods are equivalent" at `alpha`."""
        return bool(self.iman_davenport_p < self.alpha)


def rank_methods(
    scores: pd.DataFrame,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    rope: float | None = None,
    seed: int = 0,
) -> Ranking:
    """Rank the methods (columns) of `scores` across its datasets (rows) and test them.

    Parameters
    ----------
    scores : pandas.DataFrame
        One complete row per dataset, one column per method (no missing values).
    higher_is_better : bool
        The metric's direction.
    alpha : float
        Significance level of the tests and of the critical difference.
    rope : float, optional
        Run the Bayesian signed-rank test of the best method against each other with this
        region of practical equivalence (metric units, e.g. 0.01 of PR-AUC).
    seed : int
        Seed of the Bayesian test's posterior samples.

    Returns
    -------
    Ranking
    """
    import scikit_posthocs as sp

    n, k = scores.shape
    if n < MIN_DATASETS or k < MIN_METHODS or scores.isna().any().any():
        raise ValueError(f"need a complete table of >= {MIN_DATASETS} x {MIN_METHODS} scores")
    oriented = scores if higher_is_better else -scores  # larger is better from here on
    ranks = oriented.rank(axis=1, ascending=False, method="average")
    mean_ranks = ranks.mean().sort_values(kind="stable")
    best = mean_ranks.index[0]
    friedman, friedman_p = friedman_test(ranks)
    iman, iman_p = iman_davenport(friedman, n, k)
    nemenyi = sp.posthoc_nemenyi_friedman(oriented)
    holm = sp.posthoc_demsar(oriented, control=best, p_adjust="holm", to_matrix=False)
    table = pd.DataFrame(
        {
            "mean_rank": mean_ranks,
            "mean": scores.mean().reindex(mean_ranks.index),
            "wins": ranks.eq(ranks.min(axis=1), axis=0).sum().reindex(mean_ranks.index),
            "rank_gap": mean_ranks - mean_ranks.iloc[0],
            "nemenyi_p": nemenyi.loc[best].reindex(mean_ranks.index),
            "holm_p": holm.droplevel(0).reindex(mean_ranks.index),
        }
    )
    table.loc[best, ["nemenyi_p", "holm_p"]] = math.nan
    table["worse_than_best"] = (table["holm_p"] < alpha).where(table["holm_p"].notna())
    if rope is not None:
        table = table.join(bayesian_versus_best(oriented, best, rope, seed))
    table.index.name = "method"
    return Ranking(
        scores=scores,
        ranks=ranks,
        table=table,
        friedman=friedman,
        friedman_p=friedman_p,
        iman_davenport=iman,
        iman_davenport_p=iman_p,
        cd=critical_difference(k, n, alpha),
        nemenyi=nemenyi,
        alpha=alpha,
        rope=rope,
    )


def friedman_test(ranks: pd.DataFrame) -> tuple[float, float]:
    """Friedman's chi-square of a datasets x methods rank table, corrected for ties, and its
    p-value (k - 1 degrees of freedom); 0 and 1 when every dataset ties every method."""
    if (ranks.nunique(axis=1) == 1).all():
        return 0.0, 1.0
    result = stats.friedmanchisquare(*ranks.to_numpy().T)
    return float(result.statistic), float(result.pvalue)


def iman_davenport(chi2: float, n: int, k: int) -> tuple[float, float]:
    """Iman and Davenport's F = (N - 1) chi2 / (N (k - 1) - chi2) and its p-value.

    Every dataset ranking the methods the same way makes chi2 = N (k - 1): F is infinite.
    """
    denominator = n * (k - 1) - chi2
    if denominator <= 0:
        return math.inf, 0.0
    f = (n - 1) * chi2 / denominator
    return float(f), float(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of mean ranks for k methods on n datasets.

    ``q_alpha`` is the studentized range quantile (infinite degrees of freedom) over sqrt(2):
    2.343 for k = 3 and 3.164 for k = 10 at alpha = 0.05 (Demšar 2006, table 5a).
    """
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6 * n)))


def bayesian_versus_best(
    oriented: pd.DataFrame, best: str, rope: float, seed: int = 0
) -> pd.DataFrame:
    """Bayesian signed-rank test (baycomp) of the best method against each other.

    Returns
    -------
    pandas.DataFrame
        Per method: ``p_best_better``, ``p_equivalent`` (difference within the ROPE),
        ``p_best_worse``; empty cells for the best itself.
    """
    import baycomp

    rows = {}
    for method in oriented.columns.drop(best):
        # baycomp's left probability is "first better" when larger is better
        left, within, right = baycomp.two_on_multiple(
            oriented[best].to_numpy(),
            oriented[method].to_numpy(),
            rope,
            nsamples=BAYES_SAMPLES,
            random_state=seed,
        )
        rows[method] = {"p_best_better": left, "p_equivalent": within, "p_best_worse": right}
    return pd.DataFrame.from_dict(rows, orient="index")
