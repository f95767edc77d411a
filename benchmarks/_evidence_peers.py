"""Peers for the evidence benchmark: LaLonde estimators a user would reach for, and a naive attribution."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm


def lalonde_peers(
    data: pd.DataFrame, treatment: str, outcome: str, confounders: list[str]
) -> dict[str, float]:
    """Naive difference, OLS with covariates, DoWhy propensity-score matching and weighting (ATT)."""
    from dowhy import CausalModel

    frame = data[[treatment, outcome, *confounders]].copy()
    frame = pd.get_dummies(frame, drop_first=True, dtype=float)
    covs = [c for c in frame.columns if c not in (treatment, outcome)]
    frame[treatment] = frame[treatment].astype(bool)
    t = frame[treatment]
    out = {"naive difference": float(frame.loc[t, outcome].mean() - frame.loc[~t, outcome].mean())}
    ols = sm.OLS(frame[outcome], sm.add_constant(frame[covs].assign(_t=t.astype(float)))).fit()
    out["OLS with covariates"] = float(ols.params["_t"])
    logging.getLogger("dowhy").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CausalModel(data=frame, treatment=treatment, outcome=outcome, common_causes=covs)
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        for name, method in (
            ("DoWhy PS matching", "backdoor.propensity_score_matching"),
            ("DoWhy PS weighting", "backdoor.propensity_score_weighting"),
        ):
            out[name] = float(model.estimate_effect(estimand, method_name=method, target_units="att").value)
    return out


def naive_attribution(
    data: pd.DataFrame, metric: str, drivers: list[str], period: tuple[str, str], baseline: tuple[str, str]
) -> list[str]:
    """'Largest correlated mover': drivers correlated with the metric (|r|>0.1), ranked by r x their move."""
    cur = data.loc[period[0] : period[1]]
    base = data.loc[baseline[0] : baseline[1]]
    scored = []
    for d in drivers:
        x = data[d].astype(float)
        if x.std() == 0:
            continue
        r = float(np.corrcoef(x, data[metric])[0, 1])
        move = (cur[d].mean() - base[d].mean()) / x.std()
        if abs(r) > 0.1 and abs(move) > 0.1:
            scored.append((abs(r * move), d))
    return [d for _, d in sorted(scored, reverse=True)]
