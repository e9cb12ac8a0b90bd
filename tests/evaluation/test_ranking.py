"""Ranking methods across datasets (Demšar 2006) against hand computations on small tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from bankruptcy.evaluation.ranking import critical_difference, rank_methods

# 4 datasets x 3 methods, higher is better, no ties. Ranks by hand:
#   d1: A 1, B 2, C 3;  d2: A 2, B 1, C 3;  d3: A 1, B 3, C 2;  d4: A 1, B 2, C 3
SCORES = pd.DataFrame(
    {"A": [0.90, 0.70, 0.88, 0.95], "B": [0.85, 0.75, 0.80, 0.90], "C": [0.80, 0.60, 0.82, 0.85]},
    index=["d1", "d2", "d3", "d4"],
)
N, K = 4, 3


def friedman_by_hand(mean_ranks: list[float], n: int, k: int) -> float:
    """Demšar's eq.: 12 N / (k (k + 1)) * (sum R_j^2 - k (k + 1)^2 / 4)."""
    return 12 * n / (k * (k + 1)) * (sum(r * r for r in mean_ranks) - k * (k + 1) ** 2 / 4)


def test_mean_ranks_friedman_and_iman_davenport_match_the_hand_computation():
    ranking = rank_methods(SCORES)
    assert ranking.ranks.loc["d3"].tolist() == [1, 3, 2]
    assert ranking.table["mean_rank"].to_dict() == {"A": 1.25, "B": 2.0, "C": 2.75}
    assert list(ranking.table.index) == ["A", "B", "C"] and ranking.best == "A"
    chi2 = friedman_by_hand([1.25, 2.0, 2.75], N, K)
    assert chi2 == pytest.approx(4.5)
    assert ranking.friedman == pytest.approx(chi2)
    assert ranking.friedman_p == pytest.approx(math.exp(-4.5 / 2))  # chi2 with 2 df
    f = (N - 1) * chi2 / (N * (K - 1) - chi2)
    assert ranking.iman_davenport == pytest.approx(f) and f == pytest.approx(13.5 / 3.5)
    assert ranking.iman_davenport_p == pytest.approx(stats.f.sf(f, K - 1, (K - 1) * (N - 1)))
    assert ranking.table["wins"].to_dict() == {"A": 3, "B": 1, "C": 0}


def test_critical_difference_is_demsars():
    # q_0.05 from Demšar's table 5a: 2.343 for 3 methods, 3.164 for 10
    assert critical_difference(3, 4) == pytest.approx(2.343 * math.sqrt(3 * 4 / (6 * 4)), abs=1e-3)
    assert critical_difference(10, 20) == pytest.approx(3.164 * math.sqrt(110 / 120), abs=1e-3)


def test_holm_against_the_best_is_demsars_z_test_step_down():
    ranking = rank_methods(SCORES)
    se = math.sqrt(K * (K + 1) / (6 * N))
    p_b = math.erfc((2.0 - 1.25) / se / math.sqrt(2))  # two-sided normal p-values
    p_c = math.erfc((2.75 - 1.25) / se / math.sqrt(2))
    # Holm: the smallest p times 2, the next times 1, never below the previous
    assert ranking.table.at["C", "holm_p"] == pytest.approx(2 * p_c)
    assert ranking.table.at["B", "holm_p"] == pytest.approx(max(p_b, 2 * p_c))
    assert math.isnan(ranking.table.at["A", "holm_p"])
    assert ranking.table["worse_than_best"].tolist()[1:] == [False, False]  # 0.068, 0.29


def test_nemenyi_pairs_beyond_the_critical_difference_are_the_significant_ones():
    many = pd.concat([SCORES] * 3, ignore_index=True)  # 12 datasets: CD 0.96 separates A, C
    ranking = rank_methods(many)
    for method, row in ranking.table.iterrows():
        if method != ranking.best:
            assert (row["rank_gap"] > ranking.cd) == (row["nemenyi_p"] < ranking.alpha)
    assert ranking.table.at["C", "nemenyi_p"] < 0.05 < ranking.table.at["B", "nemenyi_p"]


def test_ties_share_the_average_rank_and_friedman_is_corrected_for_them():
    tied = SCORES.copy()
    tied.loc["d2", "A"] = tied.loc["d2", "B"]  # A and B tie for first on d2
    ranking = rank_methods(tied)
    assert ranking.ranks.loc["d2"].tolist() == [1.5, 1.5, 3.0]
    plain = friedman_by_hand([1.125, 2.125, 2.75], N, K)
    # scipy divides by 1 - sum(t^3 - t) / (N k (k^2 - 1)): one tie of 2 methods
    correction = 1 - (2**3 - 2) / (N * K * (K * K - 1))
    assert ranking.friedman == pytest.approx(plain / correction)
    assert ranking.table.at["A", "wins"] == 4  # a shared first place counts for both


def test_lower_is_better_ranks_the_smallest_first():
    ranking = rank_methods(1 - SCORES, higher_is_better=False)
    assert ranking.ranks.equals(rank_methods(SCORES).ranks)
    assert ranking.table.at["A", "mean"] == pytest.approx((1 - SCORES["A"]).mean())


def test_all_ties_and_perfect_agreement_are_the_extremes():
    same = pd.DataFrame(0.5, index=SCORES.index, columns=SCORES.columns)
    ranking = rank_methods(same)
    assert (ranking.friedman, ranking.friedman_p) == (0.0, 1.0) and not ranking.significant
    agree = pd.DataFrame({"A": [3.0] * 4, "B": [2.0] * 4, "C": [1.0] * 4}, index=SCORES.index)
    ranking = rank_methods(agree)
    assert ranking.friedman == pytest.approx(N * (K - 1))  # the largest value possible
    assert ranking.iman_davenport == math.inf and ranking.significant


def test_bayesian_signed_rank_gives_the_three_probabilities():
    scores = SCORES[["A", "C"]].assign(D=SCORES["A"] - 0.001)  # D: within 0.01 of A
    ranking = rank_methods(scores, rope=0.01)
    probabilities = ranking.table[["p_best_better", "p_equivalent", "p_best_worse"]]
    assert probabilities.drop("A").sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert ranking.table.at["D", "p_equivalent"] > 0.9
    assert ranking.table.at["C", "p_best_better"] > ranking.table.at["C", "p_best_worse"]
    assert rank_methods(scores, rope=0.01).table.equals(ranking.table)  # seeded


def test_an_incomplete_or_too_small_table_is_refused():
    with pytest.raises(ValueError, match="complete table"):
        rank_methods(SCORES.iloc[:2])
    with pytest.raises(ValueError, match="complete table"):
        rank_methods(SCORES.mask(SCORES > 0.94))
