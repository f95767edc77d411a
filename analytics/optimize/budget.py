"""Marketing budget allocation across channels: a piecewise-linear LP over concave response curves.

Each channel's curve (lift per day at a sustained daily spend, see ``response``) is cut into equal spend
segments between the channel's minimum and maximum; because the curves are concave the segment slopes fall,
so the LP fills the best segments first and its answer is the curve optimum up to one segment's width. The
dual of the budget row is the lift from one more dollar, checked by re-solving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from analytics.optimize.errors import OptimizationError
from analytics.optimize.explain import Explanation, SolveInfo, join_names, money
from analytics.optimize.response import ResponseCurve

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelSpend:
    """The recommendation for one channel (per day): spend, expected lift with range, next-dollar return."""

    channel: str
    spend: float
    lift: float
    lift_low: float
    lift_high: float
    marginal: float  # extra lift per extra $1 a day at this spend
    at_min: bool
    at_max: bool


@dataclass(frozen=True)
class BudgetPlan:
    """Spend per channel, total expected lift with a range, solve status and explanation."""

    channels: list[ChannelSpend]
    total_spend: float
    expected_lift: float
    lift_range: tuple[float, float]
    info: SolveInfo
    explanation: Explanation

    def spend(self) -> dict[str, float]:
        """Channel -> recommended daily spend."""
        return {c.channel: c.spend for c in self.channels}


def _as_dict(curves: Mapping[str, ResponseCurve] | Sequence[ResponseCurve]) -> dict[str, ResponseCurve]:
    if isinstance(curves, Mapping):
        return dict(curves)
    return {c.channel: c for c in curves}


def _bounds(
    curves: Mapping[str, ResponseCurve], total: float, bounds: Mapping[str, tuple[float, float]] | None
) -> dict[str, tuple[float, float]]:
    out = {c: (0.0, float(total)) for c in curves}
    for channel, (lo, hi) in (bounds or {}).items():
        if channel not in curves:
            raise OptimizationError(f"There is no response curve for {channel}; bounds were given for it.")
        if not 0 <= lo <= hi:  # NaN included
            raise OptimizationError(f"{channel}: spend limits need 0 <= minimum <= maximum (got {lo}-{hi}).")
        out[channel] = (float(lo), float(min(hi, total)) if hi >= lo else float(hi))
    return out


def _solve_lp(
    curves: Mapping[str, ResponseCurve],
    limits: Mapping[str, tuple[float, float]],
    total: float,
    value: float | None,
    segments: int,
) -> tuple[dict[str, float], float, SolveInfo]:
    """Spend per channel, the budget row's dual (objective per extra $1) and status."""
    names = list(curves)
    slopes, widths, owner = [], [], []
    for j, c in enumerate(names):
        lo, hi = limits[c]
        if hi <= lo:
            continue
        grid = np.linspace(lo, hi, segments + 1)
        f = np.asarray(curves[c].predict(grid), dtype=float)
        slopes.append(np.diff(f) / np.diff(grid))
        widths.append(np.diff(grid))
        owner += [j] * segments
    fixed = sum(limits[c][0] for c in names)
    if fixed > total + 1e-9:
        return {}, 0.0, SolveInfo("infeasible")
    if not slopes:
        return {c: limits[c][0] for c in names}, 0.0, SolveInfo("optimal", 0.0, 0.0, 0.0)
    g, w = np.concatenate(slopes), np.concatenate(widths)
    gain = g * value - 1.0 if value is not None else g  # with a value per outcome, spend only what pays
    res = linprog(
        -gain,
        A_ub=np.ones((1, len(g))),
        b_ub=[total - fixed],
        bounds=list(zip(np.zeros(len(w)), w, strict=True)),
        method="highs",
    )
    if res.status != 0:
        return {}, 0.0, SolveInfo("infeasible" if res.status == 2 else "unknown")
    spend = {c: limits[c][0] for c in names}
    for y, j in zip(res.x, owner, strict=True):
        spend[names[j]] += float(y)
    dual = float(-res.ineqlin.marginals[0])
    return spend, dual, SolveInfo("optimal", float(-res.fun), float(-res.fun), 0.0)


def _lift_range(
    curves: Mapping[str, ResponseCurve], spend: Mapping[str, float], level: float
) -> tuple[float, float]:
    """Range of the total lift: per bootstrap draw when the curves were fitted together, else summed ranges."""
    sampled = [c for c in curves if len(curves[c].samples)]
    counts = {len(curves[c].samples) for c in sampled}
    fixed = sum(float(curves[c].predict(spend[c])) for c in curves if c not in sampled)
    if len(counts) == 1:  # joint fit: the b-th draws of all channels belong together
        draws = np.zeros(counts.pop())
        for c in sampled:
            cur = curves[c]
            for b, (beta, h) in enumerate(cur.samples):
                draws[b] += float(ResponseCurve(c, beta, h, cur.form, cur.lag_weights).predict(spend[c]))
        return fixed + float(np.quantile(draws, (1 - level) / 2)), fixed + float(
            np.quantile(draws, (1 + level) / 2)
        )
    lows = highs = fixed
    for c in sampled:
        lo, hi = curves[c].interval(spend[c], level)
        lows, highs = lows + float(lo), highs + float(hi)
    return lows, highs


def _channel(
    curve: ResponseCurve, spend: float, limits: tuple[float, float], level: float, tol: float
) -> ChannelSpend:
    lo, hi = curve.interval(spend, level)
    return ChannelSpend(
        channel=curve.channel,
        spend=spend,
        lift=float(curve.predict(spend)),
        lift_low=float(lo),
        lift_high=float(hi),
        marginal=float(curve.marginal(spend)),
        at_min=spend <= limits[0] + tol,
        at_max=spend >= limits[1] - tol,
    )


def allocate_budget(
    curves: Mapping[str, ResponseCurve] | Sequence[ResponseCurve],
    total: float,
    *,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    value_per_outcome: float | None = None,
    segments: int = 400,
    level: float = 0.9,
    outcome: str = "customers",
) -> BudgetPlan:
    """Daily spend per channel maximising expected lift (or its value net of spend) within ``total`` a day.

    ``bounds`` gives (minimum, maximum) daily spend per channel. Without ``value_per_outcome`` the whole
    budget is spent (more always helps a little); with it, a channel stops where the next $1 brings back less
    than $1 of value. Minimums adding up to more than the budget give an infeasible plan, not an exception.
    """
    curves = _as_dict(curves)
    if not curves:
        raise OptimizationError("There are no marketing channels to split the budget between.")
    if not np.isfinite(total) or total <= 0:
        raise OptimizationError("The marketing budget must be more than zero.")
    if value_per_outcome is not None and not value_per_outcome > 0:
        raise OptimizationError(
            f"The value of one more {outcome[:-1] if outcome.endswith('s') else outcome} "
            "must be more than zero."
        )
    limits = _bounds(curves, total, bounds)
    started = time.perf_counter()
    spend, dual, info = _solve_lp(curves, limits, total, value_per_outcome, segments)
    info = SolveInfo(info.status, info.objective, info.bound, info.gap, time.perf_counter() - started)
    if not info.ok:
        floor = sum(lo for lo, _ in limits.values())
        text = (
            f"The channel minimums add up to {money(floor)} a day, more than the {money(total)} budget: "
            f"lower a minimum or raise the budget."
        )
        minimums = [f"spend at least {money(lo)} on {c}" for c, (lo, _) in limits.items() if lo > 0]
        rules = join_names([*minimums, f"stay within {money(total)} a day"])
        conflict = [f"These rules cannot all hold together: {rules}."]
        return BudgetPlan([], 0.0, 0.0, (0.0, 0.0), info, Explanation([text], [], {}, conflict))
    tol = max(total / segments, 1e-6)
    channels = [_channel(curves[c], spend[c], limits[c], level, tol) for c in curves]
    lift = sum(ch.lift for ch in channels)
    low, high = _lift_range(curves, spend, level)
    used = sum(spend.values())
    more, _, more_info = _solve_lp(curves, limits, total + 1.0, value_per_outcome, segments)
    per_dollar = sum(float(curves[c].predict(more[c])) for c in curves) - lift if more_info.ok else 0.0
    shadow = {"budget": max(0.0, per_dollar)}
    for ch in channels:
        shadow[ch.channel] = ch.marginal
    sentences = [
        f"Spend {money(used)} a day of the {money(total)} budget for about {lift:.1f} extra {outcome} a day "
        f"({level:.0%} range {low:.1f}-{high:.1f})."
    ]
    binding = []
    if used >= total - tol:
        binding.append(f"the {money(total)} daily budget")
        sentences.append(
            f"The budget is fully used: one more $1 a day would bring about {shadow['budget']:.3f} more "
            f"{outcome} (LP dual {dual:.3f})."
        )
    for ch in sorted(channels, key=lambda ch: -ch.spend):
        line = (
            f"{ch.channel}: {money(ch.spend)} a day, +{ch.lift:.1f} {outcome} ({ch.lift_low:.1f}-{ch.lift_high:.1f}); "
            f"the next $1 brings {ch.marginal:.3f}."
        )
        if ch.at_max and limits[ch.channel][1] < total:
            binding.append(f"the {money(limits[ch.channel][1])} cap on {ch.channel}")
            line += " It is at its cap."
        elif ch.at_min and limits[ch.channel][0] > 0:
            binding.append(f"the {money(limits[ch.channel][0])} minimum on {ch.channel}")
            line += " It is held at its minimum; the money would do more elsewhere."
        seen_lo, seen_hi = curves[ch.channel].observed_range
        if not seen_lo - tol <= ch.spend <= seen_hi + tol:
            line += (
                f" Careful: the data only covers {money(seen_lo)}-{money(seen_hi)} a day, so this is an "
                f"extrapolation."
            )
        sentences.append(line)
    return BudgetPlan(channels, used, lift, (low, high), info, Explanation(sentences, binding, shadow, []))
