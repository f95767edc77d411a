"""SMART goals: is a goal specific, measurable, timed and achievable; its lifecycle; progress and risk.

Pure: pandas in, dataclasses out. A goal's window runs from its start date to its deadline, both included.
Days are counted up to *yesterday*: today is not over, so a partial day never drags the pace down.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from analytics.forecast import ForecastError, goal_outlook

Kind = Literal["total", "level", "average"]
KINDS: tuple[str, ...] = ("total", "level", "average")
# Flows add up over a window ("revenue this month"); levels are read on a day ("stock on the 31st").
FLOW_METRICS = frozenset(
    "revenue orders customers cogs labour_cost marketing_spend units_sold staff_hours returns".split()
)
LEVEL_METRICS = frozenset({"average_ticket", "stock_on_hand", "stock", "price_index", "temperature_c"})
# For these a goal is a ceiling ("keep labour cost under 9,000 this month"): lower is better.
LOWER_IS_BETTER = frozenset({"cogs", "labour_cost", "marketing_spend", "returns"})
LIKELY, STRETCH = 0.6, 0.2  # probability thresholds of the labels
PHRASE = {"likely": "looks likely", "stretch": "is a stretch", "unrealistic": "looks unrealistic"}
MAX_HORIZON_DAYS = 3 * 365
PACE_MARGIN = 0.15  # behind pace "by a clear margin": more than 15% short of the straight-line path
RISK_PROBABILITY, RUN_RATE_DAYS = 0.5, 28  # at risk below this chance; run-rate over the last 28 days
FORECAST_OPTIONS: dict[str, Any] = {"fast": True, "time_budget": 5.0}  # unless the caller passes its own

STATUSES: tuple[str, ...] = ("created", "in_progress", "completed", "archived")
# archived -> in_progress is "reopen": an owner who shelved a goal may pick it up again; completed is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"in_progress", "archived"}),
    "in_progress": frozenset({"completed", "archived"}),
    "completed": frozenset(),
    "archived": frozenset({"in_progress"}),
}


class GoalError(ValueError):
    """A goal or a change to it is not valid; the message is one plain sentence for the owner."""


@dataclass(frozen=True)
class Goal:
    """The goal as the math needs it (storage's SmartGoal converts with ``Goal.from_record``)."""

    metric: str
    target: float
    start: date
    deadline: date
    kind: Kind = "total"
    baseline: float | None = None
    higher_is_better: bool | None = None  # None: inferred from the metric
    status: str = "in_progress"

    @classmethod
    def from_record(cls, record: object) -> Goal:
        """A Goal from any object with SmartGoal's attributes (metric, target_value, start_date, ...)."""
        r: Any = record
        return cls(
            r.metric, float(r.target_value), r.start_date, r.deadline, getattr(r, "aggregation", "total"),
            getattr(r, "baseline_value", None), status=getattr(r, "status", "in_progress"),
        )  # fmt: skip

    @property
    def days(self) -> int:
        """Length of the goal window in days (start and deadline included)."""
        return (self.deadline - self.start).days + 1

    @property
    def better_higher(self) -> bool:
        """True unless the goal is a ceiling (cost metrics, or set explicitly)."""
        if self.higher_is_better is not None:
            return self.higher_is_better
        return base_metric(self.metric) not in LOWER_IS_BETTER


@dataclass(frozen=True)
class Outlook:
    """Where the goal is headed: chance of success, expected value at the deadline and its range."""

    probability: float
    expected: float
    lower: float
    upper: float
    level: float = 0.8
    note: str = ""


@dataclass(frozen=True)
class GoalCheck:
    """The SMART check of a proposed goal: problems (if any), the chosen kind and how achievable it is."""

    metric: str
    target: float
    start: date
    deadline: date
    kind: str
    kind_reason: str
    higher_is_better: bool
    problems: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    label: str | None = None  # likely | stretch | unrealistic; None when it could not be judged
    outlook: Outlook | None = None
    run_rate: float | None = None  # what the recent daily average gives by the deadline, in the goal's terms
    sentence: str = ""

    @property
    def ok(self) -> bool:
        """True when the goal is specific, measurable and timed (achievability does not block it)."""
        return not self.problems


@dataclass(frozen=True)
class GoalProgress:
    """How far a goal has come, whether it is on pace and its chance of success now."""

    actual: float  # total so far, average so far, or latest level (goal's terms)
    fraction_reached: float  # of the target (of the way from baseline to target for levels)
    fraction_elapsed: float
    days_elapsed: int
    days_total: int
    required_pace: float | None  # per day, for total goals: the straight-line pace the target needs
    actual_pace: float | None  # per day so far, for total goals
    remaining_pace: float | None  # per day still needed from today, for total goals
    pace_ratio: float | None  # fraction reached / fraction elapsed (1 = exactly on the straight line)
    probability: float
    at_risk: bool
    status_suggestion: str | None
    outlook: Outlook | None = field(default=None, repr=False)
    sentence: str = ""


def base_metric(metric: str) -> str:
    """The metric name without a dimension suffix ('marketing_spend[channel:x]' -> 'marketing_spend')."""
    return metric.split("[", 1)[0].strip()


def default_kind(metric: str) -> tuple[str, str]:
    """The kind a goal on this metric most likely means, and why."""
    name = base_metric(metric)
    if name in LEVEL_METRICS:
        return "level", f"{name} is a level, so the goal is its daily value on the deadline"
    if name in FLOW_METRICS:
        return "total", f"{name} adds up day by day, so the goal is its total from today to the deadline"
    return "total", f"{name} is treated as adding up day by day (its total from today to the deadline)"


def label_for(probability: float) -> str:
    """likely (p >= 0.6), stretch (0.2 <= p < 0.6) or unrealistic (p < 0.2)."""
    return "likely" if probability >= LIKELY else "stretch" if probability >= STRETCH else "unrealistic"


def transition(current: str, new: str) -> str:
    """The new status if the move is allowed (staying put is a no-op), else GoalError saying why."""
    for status in (current, new):
        if status not in TRANSITIONS:
            raise GoalError(f"'{status}' is not a goal status; statuses are {', '.join(STATUSES)}.")
    if new == current or new in TRANSITIONS[current]:
        return new
    if current == "completed":
        raise GoalError("This goal is already completed; set a new goal instead of changing it.")
    if current == "created" and new == "completed":
        raise GoalError("This goal has not started yet; mark it in progress before completing it.")
    if current == "archived":
        raise GoalError("This goal is archived; reopen it (in progress) before completing it.")
    raise GoalError(f"A goal cannot go from {current} to {new}.")


def daily(series: pd.Series, *, how: str = "sum") -> pd.Series:
    """One value per calendar day (timezone dropped, same-day values summed or averaged), oldest first."""
    s = pd.to_numeric(pd.Series(series), errors="coerce").astype(float)
    index = pd.DatetimeIndex(s.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    s.index = index.normalize()
    s = s.replace([np.inf, -np.inf], np.nan).dropna().sort_index()
    return s.groupby(level=0).sum() if how == "sum" else s.groupby(level=0).mean()


def check_goal(
    series: pd.Series,
    *,
    metric: str,
    target: float,
    deadline: date,
    kind: str | None = None,
    today: date,
    known_metrics: set[str] | frozenset[str],
    higher_is_better: bool | None = None,
    forecast_options: dict[str, Any] | None = None,
) -> GoalCheck:
    """Check a proposed goal starting today: known metric, a positive number, a sensible deadline, achievable.

    ``forecast_options`` go to the forecast behind the achievability (``analytics.forecast.forecast``'s
    keywords; default ``FORECAST_OPTIONS``).
    """
    problems: list[str] = []
    suggestions: tuple[str, ...] = ()
    if metric not in known_metrics:
        suggestions = tuple(difflib.get_close_matches(metric, sorted(known_metrics), n=3, cutoff=0.5))
        hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
        problems.append(f"There is no data for a metric called '{metric}'.{hint}")
    try:
        value = float(target)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        problems.append(f"The target must be a positive number (got {target!r}).")
    if not isinstance(deadline, date):
        problems.append(f"The deadline must be a date (got {deadline!r}).")
        deadline = today
    elif deadline <= today:
        problems.append(f"The deadline {deadline:%d %b %Y} is not after today ({today:%d %b %Y}).")
    elif (deadline - today).days > MAX_HORIZON_DAYS:
        problems.append(f"The deadline {deadline:%d %b %Y} is over 3 years away; pick a nearer milestone.")
    if kind is not None and kind not in KINDS:
        problems.append(f"The kind must be one of {', '.join(KINDS)} (got {kind!r}).")
    chosen, reason = (kind, f"{kind} as asked") if kind in KINDS else default_kind(metric)
    goal = Goal(metric, value, today, deadline, chosen, higher_is_better=higher_is_better)  # type: ignore[arg-type]
    result = GoalCheck(
        metric, value, today, deadline, chosen, reason, goal.better_higher, tuple(problems), suggestions
    )
    if problems:
        return _replace(result, sentence="This goal needs fixing: " + " ".join(problems))
    history = daily(series, how="sum" if chosen == "total" else "mean")
    history = history[history.index < pd.Timestamp(today)]
    already = 0.0  # the window starts today, so nothing is achieved yet
    try:
        outlook = _outlook(history, goal, already=already, options=forecast_options)
    except ForecastError as error:
        sentence = f"The goal is clear, but how achievable it is cannot be judged: {error}"
        return _replace(result, sentence=sentence)
    rate = _run_rate(history, goal, already=already, from_day=today)
    label = label_for(outlook.probability)
    sentence = _check_sentence(goal, label, outlook, rate)
    return _replace(result, label=label, outlook=outlook, run_rate=rate, sentence=sentence)


def progress(
    series: pd.Series, goal: Goal, *, today: date, forecast_options: dict[str, Any] | None = None
) -> GoalProgress:
    """How the goal is going on ``today``: actual, fractions, pace, chance of success, risk and a suggestion.

    ``forecast_options`` go to the forecast behind the chance of success (as in ``check_goal``).
    """
    if goal.kind not in KINDS:
        raise GoalError(f"The goal kind must be one of {', '.join(KINDS)} (got {goal.kind!r}).")
    if not math.isfinite(goal.target):
        raise GoalError("The goal's target is not a number.")
    history = daily(series, how="sum" if goal.kind == "total" else "mean")
    history = history[history.index < pd.Timestamp(today)]
    end = min(today - timedelta(days=1), goal.deadline)
    inside = history[(history.index >= pd.Timestamp(goal.start)) & (history.index <= pd.Timestamp(end))]
    elapsed = max(0, min((today - goal.start).days, goal.days))
    fraction_elapsed = elapsed / goal.days
    actual, fraction, paces = _so_far(goal, inside, history, elapsed)
    met = _met(goal, actual)
    pace_ratio = fraction / fraction_elapsed if fraction_elapsed > 0 else None
    if goal.kind == "average":  # an average so far is already a pace
        pace_ratio = fraction if len(inside) else None
    if today > goal.deadline:
        outlook = Outlook(float(met), actual, actual, actual, note="the deadline has passed")
    elif goal.kind == "total" and goal.better_higher and met:
        outlook = Outlook(1.0, actual, actual, actual, note="the target is already reached")
    else:
        already = float(inside.sum()) if goal.kind != "level" else 0.0
        try:
            outlook = _outlook(
                history, goal, already=already, from_day=max(today, goal.start), options=forecast_options
            )
        except ForecastError as error:
            outlook = Outlook(math.nan, math.nan, math.nan, math.nan, note=str(error))
    behind = (
        pace_ratio is not None
        and elapsed >= 3
        and (pace_ratio < 1 - PACE_MARGIN if goal.better_higher else pace_ratio > 1 + PACE_MARGIN)
    )
    done = today > goal.deadline
    at_risk = not done and (outlook.probability < RISK_PROBABILITY or behind)
    suggestion = _suggest(goal, met=met, done=done, any_data=bool(len(inside)))
    result = GoalProgress(
        actual, fraction, fraction_elapsed, elapsed, goal.days, *paces, pace_ratio=pace_ratio,
        probability=outlook.probability, at_risk=at_risk, status_suggestion=suggestion, outlook=outlook,
    )  # fmt: skip
    return _replace(result, sentence=_progress_sentence(goal, result, behind=behind))


def _so_far(
    goal: Goal, inside: pd.Series, history: pd.Series, elapsed: int
) -> tuple[float, float, tuple[float | None, float | None, float | None]]:
    """Actual so far, the fraction of the target it is, and (required, actual, remaining) paces per day."""
    if goal.kind == "total":
        actual = float(inside.sum())
        remaining = goal.days - elapsed
        paces = (
            goal.target / goal.days,
            actual / elapsed if elapsed else None,
            max(goal.target - actual, 0.0) / remaining if remaining else None,
        )
        return actual, actual / goal.target, paces
    if not len(inside):
        return math.nan, 0.0, (None, None, None)
    if goal.kind == "average":
        actual = float(inside.mean())
        return actual, actual / goal.target, (None, None, None)
    actual = float(inside.iloc[-1])
    before = history[history.index < pd.Timestamp(goal.start)].tail(7)  # baseline: the week before the start
    base = goal.baseline if goal.baseline is not None else float(before.mean()) if len(before) else None
    if base is None or base == goal.target:
        return actual, actual / goal.target, (None, None, None)
    return (
        actual,
        (actual - base) / (goal.target - base),
        (None, None, None),
    )  # share of the way from baseline


def _met(goal: Goal, actual: float) -> bool:
    return not math.isnan(actual) and (actual >= goal.target if goal.better_higher else actual <= goal.target)


def _suggest(goal: Goal, *, met: bool, done: bool, any_data: bool) -> str | None:
    if goal.status in ("completed", "archived"):
        return None
    early_win = goal.kind == "total" and goal.better_higher  # a running total that reached it stays reached
    if met and (done or early_win or goal.kind == "level"):
        return "completed" if goal.status == "in_progress" else "in_progress"
    if done:
        return "archived"  # the deadline passed without reaching the target
    if goal.status == "created" and any_data:
        return "in_progress"
    return None


def _outlook(
    history: pd.Series,
    goal: Goal,
    *,
    already: float,
    from_day: date | None = None,
    options: dict[str, Any] | None = None,
) -> Outlook:
    """The forecast's view of the window from ``from_day`` (default: the start) to the deadline."""
    first = pd.Timestamp(from_day or goal.start)
    if history.empty:
        raise ForecastError("there is no history for this metric yet.")
    remaining = goal.days if from_day is None else (goal.deadline - from_day).days + 1
    as_total = goal.kind != "level"
    scale = goal.days if goal.kind == "average" else 1  # an average target is a total target / days
    target = goal.target * scale
    hib = goal.better_higher
    if float(history.max()) == float(history.min()):  # a constant history stays constant: no uncertainty
        value = already + float(history.iloc[-1]) * remaining if as_total else float(history.iloc[-1])
        v, hit = value / scale, value >= target if hib else value <= target
        return Outlook(float(hit), v, v, v, note="the history is constant, so the forecast is too")
    result = goal_outlook(
        history, target, pd.Timestamp(goal.deadline), kind="total" if as_total else "level", already=already,
        higher_is_better=hib, **(FORECAST_OPTIONS if options is None else options),
    )  # fmt: skip
    probability, expected, lower, upper = result.probability, result.expected, result.lower, result.upper
    gap = first > history.index[-1] + pd.Timedelta(days=1)
    if as_total and gap and result.forecast is not None:  # stale data: days before the window do not count
        paths = result.forecast.sample_paths(4000).to_numpy()[:, result.forecast.index >= first]
        totals = paths.sum(axis=1) + already
        probability = float(np.mean(totals >= target if hib else totals <= target))
        lower, upper = (float(q) for q in np.quantile(totals, [0.1, 0.9]))
        expected = float(result.forecast.point[result.forecast.index >= first].sum() + already)
    return Outlook(probability, expected / scale, lower / scale, upper / scale, result.level)


def _run_rate(history: pd.Series, goal: Goal, *, already: float, from_day: date) -> float | None:
    if history.empty:
        return None
    recent = float(history.tail(RUN_RATE_DAYS if goal.kind != "level" else 7).mean())
    if goal.kind == "total":
        return already + recent * ((goal.deadline - from_day).days + 1)
    return recent


def _check_sentence(goal: Goal, label: str, outlook: Outlook, rate: float | None) -> str:
    what = {"total": "in total", "average": "on average per day", "level": "on the day"}[goal.kind]
    verb = "Reaching" if goal.better_higher else "Staying at or below"
    window = f"by {goal.deadline:%d %b %Y}"
    if goal.kind != "level":
        window = f"from {goal.start:%d %b} to {goal.deadline:%d %b %Y}"
    text = (
        f"{verb} {goal.target:,.0f} {goal.metric} {what} {window} {PHRASE[label]}: "
        f"the forecast expects about {outlook.expected:,.0f} (80% range {outlook.lower:,.0f} to "
        f"{outlook.upper:,.0f}), a {outlook.probability:.0%} chance."
    )
    if rate is not None:
        text += f" At the recent run-rate you would get about {rate:,.0f}."
    return text


def _progress_sentence(goal: Goal, p: GoalProgress, *, behind: bool) -> str:
    if math.isnan(p.actual):
        so_far = f"No {goal.metric} data inside the goal window yet"
    else:
        so_far = f"{goal.metric}: {p.actual:,.0f} against a target of {goal.target:,.0f} ({p.fraction_reached:.0%})"
    time_gone = f"with {p.days_elapsed} of {p.days_total} days gone ({p.fraction_elapsed:.0%})"
    pace = "behind pace" if behind else "on pace" if p.days_elapsed >= 3 else "too early to judge pace"
    if not goal.better_higher and behind:
        pace = "running ahead of the limit"
    odds = f"a {p.probability:.0%} chance of success"
    if math.isnan(p.probability):
        odds = "the chance of success cannot be judged yet"
    risk = " It is at risk." if p.at_risk else ""
    hint = f" Suggest marking it {p.status_suggestion.replace('_', ' ')}." if p.status_suggestion else ""
    return f"{so_far}, {time_gone}: {pace}, {odds}.{risk}{hint}"
