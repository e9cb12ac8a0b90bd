"""What a plan may change: immutable and one-way features, the range of values, the unit of cost.

Two moments, two objects:

- **package time** (`Actionability`, the ``recourse`` config group): the features a dataset
  declares immutable (a firm's size) or one-way, and whether the others follow their trend.
  They go into ``package.json`` (``recourse``), where a user reads them and the model card
  prints them; the package also keeps the labels of its reference sample of training rows.
- **recourse time** (`FeatureSpace.of`): those defaults with the command's overrides; each
  feature's risk trend on the reference sample (`bankruptcy.models.monotone.trend_signs`, the
  signs ``model.monotone=auto`` gives a booster; derived once per loaded package, as it costs
  ~0.05-0.1 s per feature: too much to add to every job of a sweep); and what the package's
  input contract says of each feature on the training rows: the range a changed value must
  stay in (default: the 1st-99th percentile) and the spread a change is measured in (the
  interquartile range).

By default a feature moves only the way that lowers the bankrupt rate on the training rows:
down where the rate rises with it (+1), up where it falls (-1), either way where it peaks, dips
or shows no trend (0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils._param_validation import StrOptions

from bankruptcy.core.errors import UserError
from bankruptcy.core.params import CheckedParams, invalid

#: How a one-way feature may move.
MOVES = ("up", "down")
#: ``--direction F=any``: both ways, whatever the trend.
ANY = "any"
#: Lower quantiles of the contract a range may start at (the upper one mirrors it).
RANGES = (0.001, 0.01, 0.05, 0.25)
DEFAULT_RANGE = 0.01
#: Quantile ranges a spread is read from, in order, and their size against an IQR under a
#: normal law (the IQR is 1.349 sd, the central 90 % 3.29 sd, the central 98 % 4.65 sd).
SPREADS = (("q0.25", "q0.75", 1.0), ("q0.05", "q0.95", 0.41), ("q0.01", "q0.99", 0.29))


class Actionability(CheckedParams):
    """The ``recourse`` config group: what plans may change, stored in the package.

    Parameters
    ----------
    immutable : list of str
        Features no plan changes (e.g. the logarithm of total assets: a firm's size).
    one_way : dict of str to {"up", "down"}, optional
        Features that may move one way only, whatever their trend on the training rows.
    directions : {"auto", "free"}
        ``auto``: every other feature moves only the way that lowers the bankrupt rate on
        the training rows (its trend on the package's reference sample); ``free``: both ways.
    """

    _parameter_constraints: dict = {
        "immutable": [list, tuple],
        "one_way": [dict, None],
        "directions": [StrOptions({"auto", "free"})],
    }

    def __init__(self, immutable=(), one_way=None, directions="auto"):
        self.immutable = immutable
        self.one_way = one_way
        self.directions = directions

    def _validate_params(self) -> None:
        """scikit-learn's checks, then one-way moves among `MOVES` and no feature both ways."""
        super()._validate_params()
        one_way = self.one_way or {}
        if not all(v in MOVES for v in one_way.values()):
            raise invalid(self, "one_way", "a mapping feature -> up or down")
        both = sorted(set(self.immutable) & set(one_way))
        if both:
            raise invalid(self, "one_way", "free of immutable features", f"{both} in both")

    def named_columns(self) -> dict[str, list[str]]:
        """The columns the options name (checked against the dataset before it is read)."""
        return {"immutable": list(self.immutable), "one_way": list(self.one_way or {})}

    def defaults(self, columns) -> dict:
        """The package's ``recourse`` section; `columns` are the package's input columns."""
        self._validate_params()
        names = [str(c) for c in columns]
        unknown = sorted((set(self.immutable) | set(self.one_way or {})) - set(names))
        if unknown:
            raise UserError(
                f"recourse names {', '.join(unknown)}, which the model's input lacks; its "
                f"columns: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''}"
            )
        return {
            "immutable": list(self.immutable),
            "one_way": dict(self.one_way or {}),
            "directions": self.directions,
        }


def package_defaults(manifest: dict) -> dict:
    """A package's ``recourse`` section (`Actionability.defaults`), with the history columns a
    panel model reads (each firm's earlier statements and years reported: the past, which no
    plan can change) among its immutable features."""
    from bankruptcy.horizons.history import recorded_history_columns

    section = dict(manifest.get("recourse") or {})
    immutable = list(section.get("immutable", ()))
    past = [c for c in recorded_history_columns(manifest) if c not in immutable]
    if past:
        section["immutable"] = immutable + past
    return section


@dataclass(frozen=True)
class Overrides:
    """The command's changes to the package's defaults (names checked by `FeatureSpace.of`).

    Attributes
    ----------
    immutable : list of str
        More features no plan changes.
    mutable : list of str
        Features the package declares immutable that plans may change.
    direction : dict of str to {"up", "down", "any"}
        A feature's allowed move, replacing its trend (``any``: both ways).
    free : bool
        Every feature without a declared direction moves both ways (the trends ignored).
    """

    immutable: Sequence[str] = ()
    mutable: Sequence[str] = ()
    direction: Mapping[str, str] = field(default_factory=dict)
    free: bool = False

    def named(self) -> dict[str, list[str]]:
        """Option -> the feature names it gives."""
        return {
            "--immutable": list(self.immutable),
            "--mutable": list(self.mutable),
            "--direction": list(self.direction),
        }


@dataclass(frozen=True)
class FeatureSpace:
    """Every contract feature as a plan sees it (arrays in the contract's order).

    Attributes
    ----------
    names : list of str
        The contract's features.
    low, high : ndarray
        The range a changed value must stay in (training quantiles; NaN: no room to move).
    spread : ndarray
        The unit of cost: the training interquartile range (see `_spread`).
    median : ndarray
        The training median (a data gap is filled with it).
    quantum : ndarray
        A changed value is rounded to a multiple of this (about 1 % of the spread, a power of
        ten) away from the firm's value, so plans read "0.15", not "0.14987...".
    can_rise, can_fall : ndarray of bool
        Which way each feature may move (both False: immutable or no room).
    immutable : list of str
        The features fixed by declaration (for messages and the card).
    """

    names: list[str]
    low: np.ndarray
    high: np.ndarray
    spread: np.ndarray
    median: np.ndarray
    quantum: np.ndarray
    can_rise: np.ndarray
    can_fall: np.ndarray
    immutable: list[str]

    @classmethod
    def of(
        cls,
        contract,
        section: dict | None,
        trend: dict[str, int],
        overrides: Overrides = Overrides(),
        range_quantile: float = DEFAULT_RANGE,
    ) -> FeatureSpace:
        """The space of a package: its `contract`, its manifest's ``recourse`` `section`
        (None for packages built before recourse: nothing immutable), each feature's risk
        `trend` (+1, -1, 0; empty: both ways), the command's `overrides` and the range's
        lower quantile.

        Raises
        ------
        UserError
            A name the contract lacks, a direction other than up/down/any, a feature both
            immutable and given a direction, or a range the contract has no quantile for.
        """
        names = [f.name for f in contract.features]
        check_overrides(overrides, names, range_quantile)
        section = section or {}
        immutable = (set(section.get("immutable", ())) | set(overrides.immutable)) - set(
            overrides.mutable
        )
        declared = {**section.get("one_way", {}), **overrides.direction}
        trend = {} if overrides.free or section.get("directions") == "free" else trend
        low_key, high_key = _quantile_key(range_quantile), _quantile_key(1 - range_quantile)
        arrays = {k: [] for k in ("low", "high", "spread", "median", "rise", "fall")}
        for feature in contract.features:
            q = feature.quantiles
            low, high = _number(q.get(low_key)), _number(q.get(high_key))
            room = math.isfinite(low) and math.isfinite(high) and high > low
            move = declared.get(feature.name) or _move_of(trend.get(feature.name, 0))
            fixed = feature.name in immutable or not room
            arrays["low"].append(low)
            arrays["high"].append(high)
            arrays["spread"].append(_spread(q))
            arrays["median"].append(_number(q.get("q0.5")))
            arrays["rise"].append(not fixed and move in ("up", ANY))
            arrays["fall"].append(not fixed and move in ("down", ANY))
        spread = np.array(arrays["spread"])
        return cls(
            names=names,
            low=np.array(arrays["low"]),
            high=np.array(arrays["high"]),
            spread=spread,
            median=np.array(arrays["median"]),
            quantum=_quantum(spread),
            can_rise=np.array(arrays["rise"]),
            can_fall=np.array(arrays["fall"]),
            immutable=sorted(immutable),
        )

    @property
    def movable(self) -> np.ndarray:
        """Features a plan may change at all."""
        return self.can_rise | self.can_fall

    def costs(self, x: np.ndarray, values: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Cost of setting `features` of firms `x` to `values`: the change in spreads (a
        filled gap: its distance from the median). Arrays broadcast together."""
        start = np.where(np.isfinite(x), x, self.median[features])
        return np.abs(values - start) / self.spread[features]

    def nice(self, x: np.ndarray, values: np.ndarray, features: np.ndarray) -> np.ndarray:
        """`values` rounded to their feature's quantum away from the firm's value `x` (a
        slightly larger change), kept where rounding would leave the range."""
        step = self.quantum[features]
        up = tidy(np.ceil(values / step) * step, step)
        down = tidy(np.floor(values / step) * step, step)
        start = np.where(np.isfinite(x), x, self.median[features])
        rounded = np.where(values >= start, up, down)
        inside = (rounded >= self.low[features]) & (rounded <= self.high[features])
        return np.where(inside & np.isfinite(rounded), rounded, values)


def check_overrides(overrides: Overrides, names: list[str], range_quantile: float) -> None:
    """Refuse names the contract lacks and contradictory or unknown settings (one line)."""
    known = set(names)
    for option, given in overrides.named().items():
        unknown = [n for n in given if n not in known]
        if unknown:
            raise UserError(
                f"{option} names {', '.join(unknown)}, not a feature of this model; its "
                f"features: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''}"
            )
    wrong = {k: v for k, v in overrides.direction.items() if v not in (*MOVES, ANY)}
    if wrong:
        feature, value = next(iter(wrong.items()))
        raise UserError(f"--direction {feature}={value}: write {feature}=up, down or any")
    both = sorted(set(overrides.immutable) & (set(overrides.direction) | set(overrides.mutable)))
    if both:
        raise UserError(
            f"{', '.join(both)}: both --immutable and --direction/--mutable; choose one"
        )
    if range_quantile not in RANGES:
        raise UserError(
            f"--range {range_quantile:g}: use one of {', '.join(map(str, RANGES))} (changed "
            "values stay between the training quantiles P and 1 - P)"
        )


def bin_entries(low, high, space: FeatureSpace, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest values of bins ``[low, high)`` of feature `j` for a firm below them and
    for a firm above them: the bin's end nearest the firm inside the feature's range, rounded
    to its quantum (into the bin) where that stays in the bin and range; NaN where the bin
    lies outside the range. A model constant over each bin (a scorecard's, an EBM's)
    reaches each of its values most cheaply there."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    a, b = np.maximum(low, space.low[j]), np.minimum(high, space.high[j])
    open_top = high <= space.high[j]  # the bin's own edge: excluded
    outside = (a > b) | ((a == b) & open_top)
    step = space.quantum[j]
    with np.errstate(invalid="ignore"):
        nice = tidy(np.ceil(a / step) * step, step)
        inside = (a <= nice) & ((nice < b) | ((nice == b) & ~open_top))
        below = np.where(inside, nice, a)
        top = np.where(open_top, np.nextafter(b, -np.inf), b)
        nice = tidy(np.floor(top / step) * step, step)
        above = np.where((a <= nice) & (nice <= top), nice, top)
    return np.where(outside, np.nan, below), np.where(outside, np.nan, above)


def tidy(values, step):
    """Multiples of powers of ten `step` without binary noise (0.104, not 0.10400000000000001).

    One `step` for many values: NumPy's rounding (an integer divided by a power of ten, which
    for multiples of the step is the nearest double to the decimal, as Python's ``round``
    gives; an EBM's thousand bin ends a feature are tidied at once); a step per value: Python's.
    """
    decimals = np.maximum(0, -np.round(np.log10(step))).astype(int)
    if not np.ndim(values):
        return round(float(values), int(decimals))
    if not np.ndim(decimals):
        return np.round(np.asarray(values, dtype=float), int(decimals))
    return np.vectorize(round, otypes=[float])(values, decimals)


def _move_of(sign: int) -> str:
    """The move that lowers the bankrupt rate for a trend sign."""
    return {1: "down", -1: "up"}.get(int(sign), ANY)


def _quantile_key(level: float) -> str:
    return f"q{level:g}"


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def _spread(quantiles: dict) -> float:
    """The interquartile range; where it is 0 (a feature mostly at one value), the central
    90 % or 98 % range scaled to an IQR's size under a normal law; NaN if all are 0."""
    for low, high, to_iqr in SPREADS:
        a, b = _number(quantiles.get(low)), _number(quantiles.get(high))
        if math.isfinite(a) and math.isfinite(b) and b > a:
            return (b - a) * to_iqr
    return float("nan")


def _quantum(spread: np.ndarray) -> np.ndarray:
    """A power of ten near 1 % of each spread (0.001 for an IQR of 0.2)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        step = 10.0 ** (np.floor(np.log10(spread)) - 2)
    return np.where(np.isfinite(step) & (step > 0), step, 1e-6)
