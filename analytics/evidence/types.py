"""Result dataclasses of the evidence engine: effects, drivers, decompositions, anomalies, what-ifs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

Period = tuple[date, date]

#: Confidence labels, strongest first. ``none`` means "not enough evidence".
CONFIDENCE_LABELS: tuple[str, ...] = ("high", "medium", "low", "none")


@dataclass(frozen=True)
class Refutation:
    """One robustness check of an estimate: what it does, the effect it found and whether the estimate held."""

    name: str  # "placebo treatment", "random common cause", "data subset"
    new_effect: float
    passed: bool
    detail: str
    p_value: float | None = None


@dataclass(frozen=True)
class Effect:
    """A causal effect estimate of ``treatment`` on ``outcome`` with its 95% interval and how it was obtained."""

    treatment: str
    outcome: str
    estimate: float  # outcome units per unit of treatment (binary: treated minus untreated)
    lower: float  # 95% interval
    upper: float
    p_value: float
    method: str  # the estimator actually used, in words
    n: int  # rows used
    treatment_kind: str  # "binary" or "continuous"
    target: str  # "effect on the treated", "average effect", "per unit"
    confounders: tuple[str, ...] = ()
    refutations: tuple[Refutation, ...] = ()
    confidence: str = "none"  # one of CONFIDENCE_LABELS
    notes: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        """True when the 95% interval excludes zero."""
        return self.lower > 0 or self.upper < 0


@dataclass(frozen=True)
class Contribution:
    """One part of an exact decomposition of a metric's change; the parts add up to the total change."""

    component: str  # e.g. "orders", "average_ticket", "weekday:Sat", "channel:instagram"
    kind: str  # "factor", "sum"
    baseline: float
    current: float
    contribution: float  # in the metric's units; parts of one decomposition sum to the change


@dataclass(frozen=True)
class Decomposition:
    """An exact split of a metric's change between baseline and current period."""

    metric: str
    identity: str  # e.g. "revenue = orders x average_ticket"
    baseline: float
    current: float
    change: float
    parts: tuple[Contribution, ...]

    @property
    def residual(self) -> float:
        """What the parts leave unexplained (zero up to rounding for an exact identity)."""
        return self.change - sum(p.contribution for p in self.parts)


@dataclass(frozen=True)
class Driver:
    """A candidate driver of a metric: its estimated effect and its share of the change between two periods."""

    name: str  # e.g. "rainy_day"
    label: str  # owner words, e.g. "rainy days (>1 mm)"
    column: str  # source column in the data
    effect: Effect  # on the log scale of the metric when ``relative`` (per unit of the driver feature)
    relative_effect: float  # e.g. -0.12 for -12% per unit of the feature
    relative_lower: float
    relative_upper: float
    absolute_effect: float  # metric units per day per unit of the feature
    unit: str  # what one unit of the feature is, e.g. "rainy day", "$10/day of spend", "1% price"
    baseline_level: float  # mean feature value in the baseline period
    current_level: float
    contribution: float  # metric units per day attributed to this driver's change between periods
    contribution_lower: float
    contribution_upper: float
    confidence: str
    p_value_adjusted: float  # Holm-corrected across the drivers of one run
    lag: str = ""  # e.g. "days 1-3" for marketing
    notes: tuple[str, ...] = ()

    @property
    def is_cause(self) -> bool:
        """True when the engine is willing to name this driver as a cause."""
        return self.confidence in ("high", "medium")

    def sentence(self) -> str:
        """The driver's effect in owner words, with interval and method."""
        pct = f"{self.relative_effect:+.1%}"
        return (
            f"{self.label}: {self.absolute_effect:+,.1f} per day per {self.unit} ({pct}, 95% CI "
            f"{self.relative_lower:+.1%} to {self.relative_upper:+.1%}; {self.effect.method}; "
            f"confidence {self.confidence})"
        )


@dataclass(frozen=True)
class GrangerResult:
    """A Granger-causality test of ``cause`` helping to predict ``effect`` beyond the effect's own past."""

    cause: str
    effect: str
    lag: int  # lag order: max(AIC own past, BIC joint)
    f_stat: float
    p_value: float
    p_adjusted: float  # Holm-corrected across all pairs tested in one run
    significant: bool


@dataclass(frozen=True)
class Anomaly:
    """A day outside the forecast interval, with the drivers that most plausibly explain it."""

    day: date
    actual: float
    expected: float
    lower: float
    upper: float
    likely_drivers: tuple[str, ...]  # owner words, strongest first

    @property
    def direction(self) -> str:
        """ "above" or "below" the forecast interval."""
        return "above" if self.actual > self.upper else "below"


@dataclass(frozen=True)
class WhatIf:
    """A counterfactual trajectory of ``metric`` under an intervention, next to the expected one."""

    metric: str
    intervention: dict[str, float]
    baseline: pd.Series  # expected metric without the intervention (daily)
    counterfactual: pd.Series
    lower: pd.Series  # 95% interval of the counterfactual
    upper: pd.Series
    total_change: float  # counterfactual minus baseline over the horizon
    total_change_lower: float
    total_change_upper: float
    method: str
    extrapolation: bool  # True when the data never saw anything like the intervention
    warnings: tuple[str, ...] = ()
