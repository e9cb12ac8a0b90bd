"""Labels by horizon: the event year, censoring by the window for every firm, hazard records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankruptcy.core.errors import DataError
from bankruptcy.data.american import load_american
from bankruptcy.horizons.labels import Panel
from bankruptcy.horizons.targets import TermStructure, Within

AMERICAN = "american_bankruptcy_partial.csv"


def panel_of(rows: list[tuple[str, int, int]]) -> Panel:
    """A panel from (firm, year, failed) rows."""
    frame = pd.DataFrame(rows, columns=["firm", "year", "failed"])
    return Panel.of(frame["year"], frame["firm"], frame["failed"], "test")


# firm A fails after its 2005 statement; B is alive to the data's end (2008); C leaves in 2004;
# D fails after 2008, the data's last year
SMALL = [("A", y, 1) for y in range(2000, 2006)]
SMALL += [("B", y, 0) for y in range(2000, 2009)]
SMALL += [("C", y, 0) for y in range(2001, 2005)]
SMALL += [("D", y, 1) for y in range(2004, 2009)]


def label_of(panel: Panel, firm_rows, years: int):
    positive, observed = panel.within(years)
    return {i: (bool(observed[i]), bool(positive[i])) for i in firm_rows}


def test_a_failed_firms_last_statement_is_positive_for_every_horizon_whose_window_closes():
    panel = panel_of(SMALL)
    last_of_a = 5  # A, 2005: fails in 2006
    for years in (1, 2, 3):
        observed, positive = label_of(panel, [last_of_a], years)[last_of_a]
        assert observed and positive
    # its 2002 statement (3 years earlier) is positive only from the 4-year horizon on
    for years, expected in ((1, False), (2, False), (3, False)):
        assert label_of(panel, [2], years)[2] == (True, expected)
    positive, observed = panel.within(4, cutoff=2010)
    assert observed[2] and positive[2]


def test_the_last_year_is_censored_for_every_firm_alike():
    panel = panel_of(SMALL)
    positive, observed = panel.within(1)
    last_year = panel.time == panel.end
    assert last_year.sum() == 2  # B and D in 2008: alive and failed
    assert not observed[last_year].any()
    # a year earlier both windows closed: B and D still reported in 2008, both survived it
    before = panel.time == panel.end - 1
    assert observed[before].all()
    assert not positive[before].any()


def test_a_firm_that_left_is_censored_never_a_survivor():
    panel = panel_of(SMALL)
    c = np.flatnonzero(np.array([r[0] for r in SMALL]) == "C")  # 2001..2004, then gone
    positive, observed = panel.within(2)
    assert observed[c].tolist() == [True, True, False, False]  # 2001, 2002 seen through 2004
    assert not positive[c].any()


def test_hazard_records_agree_with_the_horizon_labels():
    panel = panel_of(SMALL)
    rows, period, label = panel.person_periods(4)
    for years in (1, 2, 3, 4):
        positive, observed = panel.within(years)
        for r in np.flatnonzero(observed):
            mine = (rows == r) & (period <= years)
            # observed for the horizon: every year of the window is a record, or the event is
            assert mine.sum() == years or label[mine].any()
            assert label[mine].any() == positive[r]
    # A's failure ends the records of its statements 1..4 years before it; D's is after 2008
    firms = np.array([r[0] for r in SMALL])
    assert label.sum() == 4
    assert set(firms[rows[label == 1]]) == {"A"}


def test_two_statements_of_one_firm_in_one_year_are_refused():
    with pytest.raises(DataError, match="two rows for one period"):
        panel_of([("A", 2000, 0), ("A", 2000, 0), ("B", 2001, 1)])


@pytest.fixture(scope="module")
def american(data_dir):
    return load_american(AMERICAN, data_dir)


def test_named_american_firms_are_labelled_by_the_rule(american):
    panel = Panel.of(american.time, american.groups, american.y, american.source)
    names = american.groups.to_numpy()
    failed = sorted(set(names[american.y.to_numpy() == 1]))
    # a failed firm with at least five statements and its last one well inside the data
    firm = next(f for f in failed if (names == f).sum() >= 5 and panel.last[names == f][0] < 2015)
    rows = np.flatnonzero(names == firm)
    last = panel.last[rows[0]]
    for years in (1, 3, 5):
        positive, observed = panel.within(years)
        end_row = rows[panel.time[rows] == last][0]
        assert observed[end_row] and positive[end_row]
        earlier = rows[panel.time[rows] == last - 3]
        if len(earlier):
            assert positive[earlier[0]] == (years >= 4)


def test_the_american_out_of_time_test_rows_match_the_issue(american):
    """The 1-year horizon on test years 2015-2018, measured outside the product: 8,450 rows,
    observed rate 0.0098 (83 failures); no 2018 row observed."""
    within = Within(1).prepare(american)
    test = within.time.to_numpy() >= 2015
    assert test.sum() == 8450
    assert within.y.to_numpy()[test].sum() == 83
    assert (within.time.to_numpy() < 2018).all()


def test_censored_rows_are_left_out_never_negative(american):
    panel = Panel.of(american.time, american.groups, american.y, american.source)
    positive, observed = panel.within(2)
    within = Within(2).prepare(american)
    assert len(within.y) == observed.sum()
    # every alive firm's last two statements are gone; every kept row's window closed in time
    kept = within.horizon.rows
    assert (panel.time[kept] + 2 <= np.where(panel.failed[kept], panel.end, panel.last[kept])).all()
    assert within.y.sum() == positive.sum()


def test_missing_rows_of_the_derived_file_never_follow_a_firms_last_statement(american, data_dir):
    """The derived file lacks 1,350 rows: none whose firm is known lies after that firm's last
    observed statement, so no known missing row moves an event year."""
    missing = pd.read_csv(data_dir / "american" / "american_bankruptcy_partial_missing_rows.csv")
    last = pd.Series(american.time.to_numpy()).groupby(american.groups.to_numpy()).max()
    known = missing.dropna(subset=["company_name", "year"])
    assert len(known) == 1023
    assert (known["year"].to_numpy() < known["company_name"].map(last).to_numpy()).all()


def test_term_structure_records_carry_the_year_ahead(american):
    records = TermStructure(3).prepare(american)
    period = records.X["years_ahead"].to_numpy()
    assert set(np.unique(period)) == {1.0, 2.0, 3.0}
    assert (records.evaluated == (period == 1)).all()
    # the first-year records are the 1-year horizon's rows, with its labels
    within = Within(1).prepare(american)
    first = records.evaluated
    assert first.sum() == len(within.y)
    assert records.y.to_numpy()[first].sum() == within.y.sum()
    assert (records.label_time.to_numpy() == records.time.to_numpy() + period).all()
