"""Estimators on numeric arrays: cross-fitted doubly robust (AIPW), double ML (partialling out) and OLS.

Each returns an :class:`Estimate` (point, standard error, method in words). Learners are chosen by sample size:
an equal-weight blend of ridge regression and gradient boosting when there are enough rows, ridge alone otherwise.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

N_FOLDS = 5
BLEND_MIN_ROWS = 300  # below this, boosting is too noisy: ridge alone
PROPENSITY_CLIP = 0.99
_ALPHAS = np.logspace(-3, 3, 13)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and the method used."""

    value: float
    se: float
    method: str
    dof: int | None = None  # residual degrees of freedom when a t distribution applies


class _Blend:
    """Average of ridge and gradient-boosting predictions (ridge alone for small samples)."""

    def __init__(self, n_rows: int, seed: int) -> None:
        self.use_boost = n_rows >= BLEND_MIN_ROWS
        self.seed = seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> _Blend:
        self.ridge = RidgeCV(alphas=_ALPHAS).fit(x, y)
        if self.use_boost:
            self.boost = HistGradientBoostingRegressor(
                max_iter=60, learning_rate=0.08, min_samples_leaf=20, random_state=self.seed
            ).fit(x, y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        p = self.ridge.predict(x)
        return 0.5 * (p + self.boost.predict(x)) if self.use_boost else p

    @property
    def name(self) -> str:
        return "ridge + gradient boosting blend" if self.use_boost else "ridge"


def _propensity(x_tr: np.ndarray, t_tr: np.ndarray, x_te: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0], cv=3, scoring="neg_log_loss", max_iter=1000)
        model.fit(x_tr, t_tr)
    return model.predict_proba(x_te)[:, 1]


def _median_aggregate(values: list[float], ses: list[float]) -> tuple[float, float]:
    """Median over repeated cross-fitting splits, with the split-variation-adjusted standard error."""
    v, s = np.asarray(values), np.asarray(ses)
    med = float(np.median(v))
    return med, float(np.sqrt(np.median(s**2 + (v - med) ** 2)))


def dr_binary(
    x: np.ndarray, t: np.ndarray, y: np.ndarray, *, att: bool, reps: int, seed: int = 0
) -> Estimate:
    """Cross-fitted doubly robust (AIPW) effect of a 0/1 treatment, on the treated (``att``) or on average."""
    with threadpool_limits(1):  # OpenMP threads fight over a shared machine: one thread is far faster
        return _dr_binary(x, t, y, att=att, reps=reps, seed=seed)


def _dr_binary(x: np.ndarray, t: np.ndarray, y: np.ndarray, *, att: bool, reps: int, seed: int) -> Estimate:
    n = len(t)
    values, ses = [], []
    learner_name = ""
    for r in range(reps):
        e, m0, m1 = np.zeros(n), np.zeros(n), np.zeros(n)
        folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed + r).split(x, t)
        for tr, te in folds:
            e[te] = _propensity(x[tr], t[tr], x[te])
            c, k = tr[t[tr] == 0], tr[t[tr] == 1]
            b0 = _Blend(len(c), seed).fit(x[c], y[c])
            m0[te] = b0.predict(x[te])
            learner_name = b0.name
            if not att:
                m1[te] = _Blend(len(k), seed).fit(x[k], y[k]).predict(x[te])
        tau, se = _att(t, y, e, m0) if att else _ate(t, y, e, m0, m1)
        values.append(tau)
        ses.append(se)
    value, se = _median_aggregate(values, ses)
    target = "effect on the treated" if att else "average effect"
    method = (
        f"doubly robust AIPW ({target}; {N_FOLDS}-fold cross-fitting x{reps}; logistic propensity, "
        f"{learner_name} outcome model)"
    )
    return Estimate(value, se, method)


def _att(t: np.ndarray, y: np.ndarray, e: np.ndarray, m0: np.ndarray) -> tuple[float, float]:
    """Normalised (Hajek) doubly robust ATT and its influence-function standard error."""
    e = np.clip(e, 0.0, PROPENSITY_CLIP)
    r = y - m0
    wc = (1 - t) * e / (1 - e)
    p = t.mean()
    mu_t = r[t == 1].mean()
    mu_c = np.sum(wc * r) / wc.sum() if wc.sum() > 0 else 0.0
    psi = t * (r - mu_t) / p - wc * (r - mu_c) / wc.mean()
    return float(mu_t - mu_c), float(np.sqrt(np.mean(psi**2) / len(t)))


def _ate(t: np.ndarray, y: np.ndarray, e: np.ndarray, m0: np.ndarray, m1: np.ndarray) -> tuple[float, float]:
    """Normalised AIPW ATE and its influence-function standard error."""
    e = np.clip(e, 1 - PROPENSITY_CLIP, PROPENSITY_CLIP)
    w1, w0 = t / e, (1 - t) / (1 - e)
    w1, w0 = w1 / w1.mean(), w0 / w0.mean()
    psi = (m1 - m0) + w1 * (y - m1) - w0 * (y - m0)
    tau = float(psi.mean())
    return tau, float(np.sqrt(np.var(psi) / len(t)))


def dml_continuous(x: np.ndarray, t: np.ndarray, y: np.ndarray, *, reps: int, seed: int = 0) -> Estimate:
    """Cross-fitted double ML (partialling out): effect of one more unit of a continuous treatment."""
    with threadpool_limits(1):
        return _dml_continuous(x, t, y, reps=reps, seed=seed)


def _dml_continuous(x: np.ndarray, t: np.ndarray, y: np.ndarray, *, reps: int, seed: int) -> Estimate:
    n = len(t)
    values, ses = [], []
    learner_name = ""
    for r in range(reps):
        rt, ry = np.zeros(n), np.zeros(n)
        for tr, te in KFold(N_FOLDS, shuffle=True, random_state=seed + r).split(x):
            bt = _Blend(len(tr), seed).fit(x[tr], t[tr])
            rt[te] = t[te] - bt.predict(x[te])
            ry[te] = y[te] - _Blend(len(tr), seed).fit(x[tr], y[tr]).predict(x[te])
            learner_name = bt.name
        denom = float(np.mean(rt**2))
        if denom <= 1e-12 * max(1.0, float(np.var(t))):
            values.append(0.0)
            ses.append(float("inf"))
            continue
        theta = float(np.mean(rt * ry) / denom)
        psi = (ry - theta * rt) * rt / denom
        values.append(theta)
        ses.append(float(np.sqrt(np.mean(psi**2) / n)))
    value, se = _median_aggregate(values, ses)
    method = (
        f"double ML (partialling out; {N_FOLDS}-fold cross-fitting x{reps}; {learner_name} nuisance models)"
    )
    return Estimate(value, se, method)


def ols(x: np.ndarray, t: np.ndarray, y: np.ndarray, *, hac_lags: int | None = None) -> Estimate:
    """Regression adjustment: OLS of the outcome on treatment and confounders (HC3 or Newey-West errors)."""
    import statsmodels.api as sm  # local: statsmodels import is slow and only needed here

    design = np.column_stack([np.ones(len(t)), t, x]) if x.size else np.column_stack([np.ones(len(t)), t])
    model = sm.OLS(y, design)
    if hac_lags:
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags})
        errors = f"Newey-West errors, {hac_lags} lags"
    else:
        fit = model.fit(cov_type="HC3")
        errors = "HC3 errors"
    return Estimate(
        float(fit.params[1]),
        float(fit.bse[1]),
        f"regression adjustment (OLS, {errors})",
        dof=int(fit.df_resid),
    )
