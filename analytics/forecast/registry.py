"""Which members exist and which of them suit a given series."""

from __future__ import annotations

from collections.abc import Sequence

from analytics.forecast import gbm, intermittent, members, prophet_member
from analytics.forecast.errors import ForecastError
from analytics.forecast.members import MemberSpec
from analytics.forecast.prepare import Prepared

MEMBERS: dict[str, MemberSpec] = {
    spec.name: spec
    for spec in (
        MemberSpec("seasonal_naive", members.seasonal_naive, essential=True),
        MemberSpec("ets", fitter=members.ets),
        MemberSpec("ets_auto", fitter=members.ets_auto),
        MemberSpec("theta", fitter=members.theta),
        MemberSpec("arima", fitter=members.arima),
        MemberSpec("croston", intermittent.croston_sba),
        MemberSpec("tsb", intermittent.tsb),
        MemberSpec("lightgbm", fitter=gbm.lightgbm),
        MemberSpec("xgboost", fitter=gbm.xgboost),
        MemberSpec("ets_statsmodels", members.ets_statsmodels),
        MemberSpec("theta_statsmodels", members.theta_statsmodels),
        MemberSpec("prophet", prophet_member.prophet, slow=True),
    )
}
REGULAR = ("seasonal_naive", "ets", "theta", "arima", "lightgbm", "prophet")
INTERMITTENT = ("seasonal_naive", "croston", "tsb", "ets")
# Same models on another engine, kept for the benchmark's engine choice (not in any default set).
ALTERNATIVES = {"lightgbm": "xgboost", "ets": "ets_statsmodels", "theta": "theta_statsmodels"}


def choose_members(
    prep: Prepared, names: Sequence[str] | None, *, has_regressors: bool, fast: bool = False
) -> list[MemberSpec]:
    """The members to backtest: the caller's choice, else the default set (no slow ones when `fast`)."""
    del has_regressors  # every member accepts the window; those that cannot use drivers ignore them
    if names is not None:
        unknown = [n for n in names if n not in MEMBERS]
        if unknown:
            raise ForecastError(
                f"Unknown forecasting method {unknown[0]!r}; choose from {', '.join(MEMBERS)}."
            )
        chosen = list(dict.fromkeys(names))
    else:
        chosen = [n for n in (INTERMITTENT if prep.intermittent else REGULAR) if n in MEMBERS]
        if fast:
            chosen = [n for n in chosen if not MEMBERS[n].slow]
    return [MEMBERS[n] for n in chosen]
