"""``estimate_effect``: did X change Y? A backdoor-adjusted effect with a 95% interval and refutations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats

from analytics.evidence import crossfit, dowhy_bridge
from analytics.evidence.encode import encode_confounders, is_categorical
from analytics.evidence.errors import EvidenceError
from analytics.evidence.types import Effect, Refutation

logger = logging.getLogger(__name__)

MIN_ROWS = 12
MIN_PER_ARM = 3
CROSSFIT_MIN_ROWS = 80  # below this (or with a thin arm) cross-fitting is unreliable: plain regression
CROSSFIT_MIN_PER_ARM = 20
REFUTE_ROWS = 800  # refutations run on a sample of at most this many rows
REFUTE_SIMULATIONS = 2


def estimate_effect(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    *,
    confounders: Sequence[str] | None = None,
    target: str = "auto",
    refute: bool = True,
    seed: int = 0,
) -> Effect:
    """Effect of ``treatment`` on ``outcome`` adjusting for ``confounders`` (default: every other column).

    Binary treatments get a cross-fitted doubly robust (AIPW) estimate of the effect on the treated
    (``target="ate"`` for the average effect), continuous ones cross-fitted double ML (outcome units per unit of
    treatment); small samples fall back to OLS with robust errors. The method used is named in the result.
    """
    frame, confs, notes = _prepare(data, treatment, outcome, confounders)
    t_raw = frame[treatment]
    kind, t = _treatment_values(t_raw, treatment)
    y = frame[outcome].astype(float)
    design = encode_confounders(frame[confs], expand=False) if confs else pd.DataFrame(index=frame.index)
    _check_identifiable(t, design, treatment)
    n = len(frame)
    arms = int(min(t.sum(), n - t.sum())) if kind == "binary" else n
    if target not in ("auto", "att", "ate"):
        raise EvidenceError("target must be 'auto', 'att' (effect on the treated) or 'ate' (average effect).")
    att = kind == "binary" and target in ("auto", "att")
    small = n < CROSSFIT_MIN_ROWS or arms < CROSSFIT_MIN_PER_ARM or not confs
    if small and confs:
        notes.append(f"only {n} rows ({arms} in the smaller group): used plain regression, not cross-fitting")
    reps = 3 if n <= 5000 else 1
    fitter = partial(_fit, kind=kind, att=att, small=small, reps=reps, seed=seed)

    names = {c: f"w{i}" for i, c in enumerate(design.columns)}
    numeric = design.rename(columns=names).assign(T=t.to_numpy(), Y=y.to_numpy())
    estimand, adjust = dowhy_bridge.identify(numeric, "T", "Y", None, common_causes=list(names.values()))
    _, est = dowhy_bridge.estimate(numeric, estimand, fitter)
    refutations: tuple[Refutation, ...] = ()
    if refute:
        sample = refutation_sample(numeric, "T", binary=kind == "binary", seed=seed)
        quick = partial(_fit, kind=kind, att=att, small=small, reps=1, seed=seed)
        base_dowhy, base = dowhy_bridge.estimate(sample, estimand, quick)
        refutations = dowhy_bridge.refute(
            sample, estimand, base_dowhy, base, simulations=REFUTE_SIMULATIONS, seed=seed
        )
    lower, upper, p = interval(est)
    return Effect(
        treatment=treatment,
        outcome=outcome,
        estimate=est.value,
        lower=lower,
        upper=upper,
        p_value=p,
        method=est.method,
        n=n,
        treatment_kind=kind,
        target=("effect on the treated" if att else "average effect") if kind == "binary" else "per unit",
        confounders=tuple(confs),
        refutations=refutations,
        confidence=confidence_label(p, refutations, refuted=refute),
        notes=tuple(notes),
    )


def interval(est: crossfit.Estimate) -> tuple[float, float, float]:
    """95% interval and two-sided p-value of an estimate (t distribution when degrees of freedom are known)."""
    if not np.isfinite(est.se) or est.se <= 0:
        return -np.inf, np.inf, 1.0
    dist = stats.t(est.dof) if est.dof else stats.norm()
    q = float(dist.ppf(0.975))
    p = float(2 * dist.sf(abs(est.value) / est.se))
    return est.value - q * est.se, est.value + q * est.se, p


def refutation_sample(frame: pd.DataFrame, treatment: str, *, binary: bool, seed: int) -> pd.DataFrame:
    """At most ``REFUTE_ROWS`` rows; for a binary treatment the rarer group is kept whole (up to half)."""
    if len(frame) <= REFUTE_ROWS:
        return frame
    if not binary:
        return frame.sample(n=REFUTE_ROWS, random_state=seed)
    t = frame[treatment]
    rare = 1.0 if t.mean() <= 0.5 else 0.0
    rare_rows = frame[t == rare]
    rare_rows = rare_rows.sample(n=min(len(rare_rows), REFUTE_ROWS // 2), random_state=seed)
    rest = frame[t != rare].sample(n=REFUTE_ROWS - len(rare_rows), random_state=seed)
    return pd.concat([rare_rows, rest]).sort_index()


def confidence_label(p: float, refutations: Sequence[Refutation], *, refuted: bool) -> str:
    """high: p<0.01 and every refutation held; medium: p<0.05 and they held; low: significant but one failed."""
    if p >= 0.05:
        return "none"
    failed = sum(not r.passed for r in refutations)
    if failed:
        return "low"
    if not refuted:
        return "medium"
    return "high" if p < 0.01 else "medium"


def _fit(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjust: list[str],
    *,
    kind: str,
    att: bool,
    small: bool,
    reps: int,
    seed: int,
) -> crossfit.Estimate:
    """The estimator chosen for this data, on numeric columns (used directly and by DoWhy's refuters)."""
    t = frame[treatment].to_numpy(dtype=float)
    y = frame[outcome].to_numpy(dtype=float)
    raw = frame[adjust] if adjust else pd.DataFrame(index=frame.index)
    if small or raw.shape[1] == 0:
        return crossfit.ols(raw.to_numpy(dtype=float), t, y)
    x = encode_confounders(raw, expand=True).to_numpy(dtype=float)
    if kind == "binary":
        return crossfit.dr_binary(x, t, y, att=att, reps=reps, seed=seed)
    return crossfit.dml_continuous(x, t, y, reps=reps, seed=seed)


def _prepare(
    data: pd.DataFrame, treatment: str, outcome: str, confounders: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str], list[str]]:
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise EvidenceError("There is no data to estimate an effect from.")
    missing = [c for c in (treatment, outcome, *(confounders or ())) if c not in data.columns]
    if missing:
        raise EvidenceError(f"The data has no column {', '.join(map(repr, missing))}.")
    if treatment == outcome:
        raise EvidenceError("The treatment and the outcome must be different columns.")
    notes: list[str] = []
    if confounders is None:
        confs = []
        for c in data.columns:
            if c in (treatment, outcome) or pd.api.types.is_datetime64_any_dtype(data[c]):
                continue
            if is_categorical(data[c]) and data[c].nunique() > 30:
                notes.append(f"'{c}' left out: too many distinct values to adjust for")
                continue
            confs.append(str(c))
    else:
        confs = [c for c in confounders if c not in (treatment, outcome)]
    if not pd.api.types.is_numeric_dtype(data[outcome]) or pd.api.types.is_bool_dtype(data[outcome]):
        if not pd.api.types.is_bool_dtype(data[outcome]):
            raise EvidenceError(f"The outcome '{outcome}' must be numbers.")
    frame = data[[treatment, outcome, *confs]].copy()
    frame[outcome] = frame[outcome].astype(float)
    keep = frame[treatment].notna() & frame[outcome].notna()
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} rows without {treatment} or {outcome} left out")
    frame = frame.loc[keep]
    if len(frame) < MIN_ROWS:
        raise EvidenceError(
            f"Only {len(frame)} usable rows: at least {MIN_ROWS} are needed to say anything about "
            f"the effect of {treatment} on {outcome}."
        )
    return frame, confs, notes


def _treatment_values(t_raw: pd.Series, name: str) -> tuple[str, pd.Series]:
    values = t_raw.dropna().unique()
    if len(values) < 2:
        raise EvidenceError(f"'{name}' never changes in this data, so its effect cannot be estimated.")
    if len(values) == 2:
        if pd.api.types.is_numeric_dtype(t_raw) or pd.api.types.is_bool_dtype(t_raw):
            hi = max(values)
        else:
            hi = sorted(map(str, values))[1]
            t_raw = t_raw.astype(str)
        t = (t_raw == hi).astype(float)
        counts = int(t.sum()), int(len(t) - t.sum())
        if min(counts) < MIN_PER_ARM:
            raise EvidenceError(
                f"'{name}' is {hi} in only {min(counts)} rows (or all but that many): too few to compare."
            )
        return "binary", t
    if is_categorical(t_raw):
        raise EvidenceError(f"'{name}' has {len(values)} categories; compare two of them at a time.")
    return "continuous", t_raw.astype(float)


def _check_identifiable(t: pd.Series, design: pd.DataFrame, name: str) -> None:
    """Refuse when the confounders determine the treatment exactly (nothing left to compare)."""
    if design.shape[1] == 0:
        return
    x = np.column_stack([np.ones(len(t)), design.to_numpy(dtype=float)])
    coef, *_ = np.linalg.lstsq(x, t.to_numpy(), rcond=None)
    resid = t.to_numpy() - x @ coef
    if float(np.var(resid)) <= 1e-6 * max(float(np.var(t)), 1e-12):
        raise EvidenceError(
            f"'{name}' is completely determined by the other columns, so its effect cannot be told apart "
            f"from theirs. Remove the column(s) that duplicate it."
        )
