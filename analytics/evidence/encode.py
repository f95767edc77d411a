"""Turn a mixed table of confounders (numbers, strings, gaps) into a clean numeric design matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.evidence.errors import EvidenceError

MAX_CATEGORIES = 30


def is_categorical(series: pd.Series) -> bool:
    """True for string, category, boolean-object columns that must be one-hot encoded."""
    return not pd.api.types.is_numeric_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype)


def encode_confounders(frame: pd.DataFrame, *, expand: bool = False) -> pd.DataFrame:
    """Numeric columns kept (gaps filled with the median plus a gap flag), strings one-hot encoded.

    With ``expand`` the flexible learners also get squares of continuous columns and a flag for columns with a
    mass at zero (e.g. "no earnings last year"), all standardised.
    """
    cols: dict[str, pd.Series] = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        if is_categorical(s):
            values = s.astype("string").fillna("(missing)")
            if values.nunique() > MAX_CATEGORIES:
                raise EvidenceError(
                    f"'{name}' has {values.nunique()} different values; group it into at most "
                    f"{MAX_CATEGORIES} categories before using it as a confounder."
                )
            dummies = pd.get_dummies(values, prefix=str(name), drop_first=True, dtype=float)
            cols.update({c: dummies[c] for c in dummies.columns})
            continue
        x = s.astype(float)
        if x.isna().any():
            cols[f"{name}__missing"] = x.isna().astype(float)
            x = x.fillna(x.median() if x.notna().any() else 0.0)
        cols[str(name)] = x
        if expand and x.nunique() > 2:
            cols[f"{name}^2"] = (x - x.mean()) ** 2
            if (x == 0).mean() > 0.1:
                cols[f"{name}==0"] = (x == 0).astype(float)
    out = pd.DataFrame(cols, index=frame.index)
    out = out.loc[:, out.std(ddof=0) > 0] if len(out.columns) else out
    if expand and len(out.columns):
        out = (out - out.mean()) / out.std(ddof=0)
    return out


def drop_collinear(
    design: pd.DataFrame, *, keep_first: list[str] | None = None, tol: float = 1e-8
) -> list[str]:
    """Names of columns that are exact linear combinations of earlier ones (``keep_first`` checked first)."""
    order = [c for c in (keep_first or []) if c in design.columns]
    order += [c for c in design.columns if c not in order]
    kept: list[str] = []
    dropped: list[str] = []
    base = np.ones((len(design), 1))
    for c in order:
        x = design[c].to_numpy(dtype=float)
        trial = np.column_stack([base, x])
        if np.linalg.matrix_rank(trial, tol=tol * max(1.0, float(np.abs(trial).max()))) > base.shape[1]:
            base = trial
            kept.append(c)
        else:
            dropped.append(c)
    return dropped
