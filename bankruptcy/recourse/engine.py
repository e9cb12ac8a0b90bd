"""The recourse engine: plans for the flagged firms of a batch, every one re-scored.

For each firm whose PD is at or above the target (default: the package's decision threshold)
the engine asks a search (`bankruptcy.recourse.search`: the package's exact search if its
model has one, the quantile grid otherwise) for a pool of candidate changes, then chooses up to
``plans`` of them, cheapest first:

1. a candidate whose features include, or lie within, those of a plan already chosen is
   skipped (plans are diverse: never the same plan with one feature more or less, nor the
   same features again);
2. the search finishes it (the grid scales it back toward the firm as far as it stays valid)
   and re-scores it through the full package (preprocessing, model, calibration map): it is
   kept only if its PD is below the target;
3. it is kept only if plausible (`bankruptcy.recourse.plausibility`), unless asked not to.

Candidates are finished in chunks for all the batch's firms at once (one scoring call per
step), so a chunk costs a few calls whatever the number of firms. A firm without any plan is
``infeasible`` and gets the lowest PD the search reached; a firm below the target is
``not_needed``. Missing values are never filled unless ``fill_gaps`` (`bankruptcy.recourse.
gaps` reports them apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.recourse.constraints import (
    DEFAULT_RANGE,
    FeatureSpace,
    Overrides,
    package_defaults,
)
from bankruptcy.recourse.ebm import EbmSearch
from bankruptcy.recourse.gaps import data_gaps, filled_gaps, gap_rows
from bankruptcy.recourse.plausibility import Plausibility
from bankruptcy.recourse.scorecard import ScorecardSearch
from bankruptcy.recourse.search import Candidate, GridSearch, Pool, changed

#: Statuses of a firm.
PLAN, NOT_NEEDED, INFEASIBLE = "plan", "not_needed", "infeasible"
#: Flagged firms searched together (their candidates share scoring calls).
BATCH = 64
#: Rounds of finishing candidates before a firm is left with fewer plans.
ROUNDS = 4
#: Exact searches, tried in order before the grid (`applies(package, reference)`).
EXACT = (ScorecardSearch, EbmSearch)


@dataclass(frozen=True)
class Settings:
    """What is asked of the plans (checked by `check` before any data is read).

    Attributes
    ----------
    target_pd : float or None
        Plans bring the PD below it; None: the package's decision threshold (or `band`).
    band : str or None
        A risk band to reach instead (its upper edge is the target): ``low`` or ``elevated``.
    plans : int
        Most plans per firm.
    max_changes : int
        Most features one plan changes.
    fill_gaps : bool
        Let plans fill missing values (off: a plan is about the firm, not the data).
    keep_implausible : bool
        Keep plans whose changed firm looks unlike real firms.
    range_quantile : float
        Changed values stay between the training quantiles P and 1 - P.
    """

    target_pd: float | None = None
    band: str | None = None
    plans: int = 3
    max_changes: int = 3
    fill_gaps: bool = False
    keep_implausible: bool = False
    range_quantile: float = DEFAULT_RANGE

    def check(self) -> None:
        """One line for a setting that cannot work (names are checked against the package)."""
        if self.target_pd is not None and not 0 < self.target_pd < 1:
            raise UserError(
                f"--target-pd {self.target_pd:g}: a PD target lies strictly between 0 and 1 "
                "(e.g. --target-pd 0.05)"
            )
        if self.target_pd is not None and self.band is not None:
            raise UserError("--target-pd and --target-band both given: choose one target")
        if self.plans < 1:
            raise UserError(f"--plans {self.plans}: ask for at least 1 plan per firm")
        if self.max_changes < 1:
            raise UserError(f"--max-changes {self.max_changes}: a plan changes at least 1 feature")


@dataclass
class Plan:
    """Changes of one firm: contract positions `features` set to `values`, re-scored."""

    features: tuple[int, ...]
    values: tuple[float, ...]
    pd: float
    cost: float
    outlier: float


@dataclass
class FirmRecourse:
    """What the engine found for one firm.

    Attributes
    ----------
    status : str
        `PLAN`, `NOT_NEEDED` or `INFEASIBLE`.
    pd : float
        The firm's PD as given.
    plans : list of Plan
        Cheapest first (status `PLAN`); for `INFEASIBLE` the closest candidate, if any.
    gaps : dict of str to float
        Missing features that raise the PD -> PD with the feature at the training median.
    gaps_pd : float
        For a firm without plans: its PD with all those gaps filled (NaN for the others).
    outlier : float
        The firm's own outlier score (`Plausibility.scores`), NaN when not searched.
    """

    status: str
    pd: float
    plans: list[Plan] = field(default_factory=list)
    gaps: dict[str, float] = field(default_factory=dict)
    gaps_pd: float = float("nan")
    outlier: float = float("nan")


@dataclass
class Basis:
    """What one package's plans rest on, whatever is asked of them; derived once per loaded
    package (the trends cost ~0.05-0.1 s a feature), shared by every `Recourser` over it.

    Attributes
    ----------
    reference : DataFrame
        The package's reference sample of training rows, contract order.
    healthy : ndarray of bool or None
        Which of them did not go bankrupt (None: a package built before labels were kept).
    trend : dict of str to int
        Each feature's risk trend on the sample (`bankruptcy.models.monotone.trend_signs`);
        empty where the package moves features both ways or holds no labels.
    plausibility : Plausibility
        Outlier scores against the healthy reference firms.
    """

    reference: pd.DataFrame
    healthy: np.ndarray | None
    trend: dict[str, int]
    plausibility: Plausibility

    @classmethod
    def of(cls, package) -> Basis:
        """The basis of `package` (reads its reference files)."""
        features, _ = package.reference()
        reference = features[package.contract.names]
        labels = package.reference_labels()
        healthy = None if labels is None else labels.to_numpy() == 0
        section = package.manifest.get("recourse") or {}
        trend = {}
        if (
            section.get("directions", "auto") == "auto"
            and labels is not None
            and labels.nunique() == 2
        ):
            from bankruptcy.models.monotone import trend_signs

            trend = trend_signs(reference, labels.to_numpy())
        return cls(reference, healthy, trend, Plausibility(reference.to_numpy(float), healthy))


class Recourser:
    """Plans for the flagged firms of a model package.

    Parameters
    ----------
    package : ModelPackage
        The model; its PD (``scores``), contract, manifest (``recourse`` defaults, bands) and
        reference rows are used.
    settings : Settings, optional
        Target, plans, changes, options (default: `Settings()`).
    overrides : Overrides, optional
        Changes to the package's immutable and one-way features.
    basis : Basis, optional
        The package's `Basis`, if already derived (a service keeps one per loaded package).

    Raises
    ------
    UserError
        A model without a PD, a bad setting, or names the model does not have.
    """

    def __init__(
        self,
        package,
        settings: Settings | None = None,
        overrides: Overrides | None = None,
        basis: Basis | None = None,
    ):
        settings = Settings() if settings is None else settings
        overrides = Overrides() if overrides is None else overrides
        settings.check()
        if package.output_column != "p_bankrupt":
            raise UserError(
                "the model gives decision scores, not probabilities of default: recourse "
                "needs a PD target; use a calibrated package (calibration=beta, the default)"
            )
        self.package = package
        self.settings = settings
        self.target = _target(package, settings)
        section = package_defaults(package.manifest)
        # the names are checked before the reference files are read and the trends derived
        FeatureSpace.of(package.contract, section, {}, overrides, settings.range_quantile)
        self.basis = Basis.of(package) if basis is None else basis
        self.space = FeatureSpace.of(
            package.contract, section, self.basis.trend, overrides, settings.range_quantile
        )
        self.search = _search_for(package, self.space, settings, self.basis.reference)
        self.plausibility = self.basis.plausibility

    def score(self, rows: np.ndarray) -> np.ndarray:
        """The package's PD of contract-ordered rows."""
        return self.package.scores(pd.DataFrame(rows, columns=self.space.names))

    def run(self, X: pd.DataFrame) -> list[FirmRecourse]:
        """A `FirmRecourse` per row of `X` (checked rows, contract order)."""
        values = X.to_numpy(np.float64)
        # the firms and, in the same call, each with one gap filled (the data gaps)
        rows, firm, feature = gap_rows(values, self.space)
        scored = self.score(np.concatenate([values, rows]))
        before = scored[: len(values)]
        gaps = data_gaps(scored[len(values) :], firm, feature, before, self.space)
        found = [FirmRecourse(NOT_NEEDED, float(p)) for p in before]
        flagged = np.flatnonzero(before >= self.target)
        for start in range(0, len(flagged), BATCH):
            batch = flagged[start : start + BATCH]
            chosen = self._flagged(values[batch], before[batch], [gaps[i] for i in batch])
            for i, result in zip(batch, chosen, strict=True):
                found[i] = result
        return found

    def _flagged(self, X: np.ndarray, before: np.ndarray, gaps: list[dict]) -> list[FirmRecourse]:
        outliers = self.plausibility.scores(X)
        pools = self.search.pools(X, self.target)
        plans = self._choose(X, pools, outliers)
        closest, filled = self._closest(X, pools, plans, gaps)
        results = []
        for i in range(len(X)):
            status = PLAN if plans[i] else INFEASIBLE
            chosen = plans[i] or closest[i]
            results.append(
                FirmRecourse(status, float(before[i]), chosen, gaps[i], filled[i], outliers[i])
            )
        return results

    def _choose(self, X: np.ndarray, pools: list[Pool], outliers: np.ndarray) -> list[list[Plan]]:
        """Up to ``plans`` diverse, valid, plausible plans per firm, cheapest first."""
        wanted = self.settings.plans
        accepted: list[list[Plan]] = [[] for _ in pools]
        position = [0] * len(pools)
        for _ in range(ROUNDS):
            firms, picked = [], []
            for i, pool in enumerate(pools):
                need = wanted - len(accepted[i])
                taken = 0
                while (
                    need > 0 and taken < self.search.chunk(need) and position[i] < len(pool.valid)
                ):
                    candidate = pool.valid[position[i]]
                    position[i] += 1
                    if _diverse(candidate.features, accepted[i]):
                        firms.append(i)
                        picked.append(candidate)
                        taken += 1
            if not picked:
                break
            for i, plan in sorted(self._finish(X, np.array(firms), picked, outliers), key=_cost):
                if len(accepted[i]) < wanted and _diverse(plan.features, accepted[i]):
                    accepted[i].append(plan)
        for plans in accepted:  # a later round's refined plan may cost less
            plans.sort(key=lambda plan: plan.cost)
        return accepted

    def _finish(self, X, firms: np.ndarray, picked: list[Candidate], outliers: np.ndarray):
        """(firm, plan) for the candidates that the search's ``finish`` (refined, re-scored
        through the package) keeps valid and that stay plausible."""
        done = self.search.finish(X, firms, picked, self.target)
        kept = [(f, c) for f, c in zip(firms, done, strict=True) if c is not None]
        if not kept:
            return []
        outlier = self.plausibility.scores(np.stack([changed(X[f], c) for f, c in kept]))
        plausible = self.plausibility.plausible(outlier, outliers[[f for f, _ in kept]])
        return [
            (int(f), Plan(c.features, c.values, c.pd, c.cost, float(o)))
            for (f, c), o, ok in zip(kept, outlier, plausible, strict=True)
            if ok or self.settings.keep_implausible
        ]

    def _closest(self, X: np.ndarray, pools: list[Pool], plans: list[list[Plan]], gaps):
        """For firms without a plan: the lowest-PD candidate the search reached (re-scored)
        and the PD with all their PD-raising gaps filled (NaN for the others); one call."""
        closest: list[list[Plan]] = [[] for _ in pools]
        filled = np.full(len(pools), np.nan)
        lacking = [i for i, p in enumerate(plans) if not p]
        near = [i for i in lacking if pools[i].closest is not None]
        rows = [changed(X[i], pools[i].closest) for i in near]
        rows += [filled_gaps(X[i], gaps[i], self.space) for i in lacking]
        if not rows:
            return closest, filled
        after = self.score(np.stack(rows))
        outlier = self.plausibility.scores(np.stack(rows[: len(near)])) if near else []
        for k, i in enumerate(near):
            c = pools[i].closest
            closest[i] = [Plan(c.features, c.values, float(after[k]), c.cost, float(outlier[k]))]
        filled[lacking] = after[len(near) :]
        return closest, filled


def _cost(item) -> float:
    return item[1].cost


def _diverse(features: tuple[int, ...], accepted: list[Plan]) -> bool:
    """Whether a plan on `features` differs from the chosen ones: its features neither contain
    nor lie within any chosen plan's (never the same plan with one feature more or less)."""
    given = set(features)
    return not any(set(p.features) <= given or given <= set(p.features) for p in accepted)


def _target(package, settings: Settings) -> float:
    """The PD to get below: given, a band's upper edge, or the decision threshold."""
    if settings.target_pd is not None:
        return float(settings.target_pd)
    if settings.band is None:
        return package.threshold
    bands = package.bands
    edges = {bands.names[0]: bands.elevated_from, bands.names[1]: bands.threshold}
    if settings.band not in edges:
        raise UserError(
            f"--target-band {settings.band}: choose {' or '.join(edges)} (a plan brings the "
            f"PD below the band's upper edge; {bands.names[-1]} has none)"
        )
    return float(edges[settings.band])


def _search_for(package, space: FeatureSpace, settings: Settings, reference: pd.DataFrame):
    """The package's exact search if one applies, else the quantile grid."""

    def score(rows: np.ndarray) -> np.ndarray:
        return package.scores(pd.DataFrame(rows, columns=space.names))

    rows = reference.to_numpy(float)
    for search in EXACT:
        if search.applies(package, reference):
            return search(score, package, space, rows, settings.max_changes, settings.fill_gaps)
    return GridSearch(score, space, rows, settings.max_changes, settings.fill_gaps)
