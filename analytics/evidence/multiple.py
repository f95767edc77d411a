"""Multiple-testing corrections for the p-values of one explanation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values, in the order given (family-wise error control, no independence needed).

    Same values as statsmodels' ``multipletests(method="holm")``, which also forces a full garbage collection on
    every call: in a process holding a large heap that costs more than the rest of an explanation's tests.
    """
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(scaled, 1.0)
    return adjusted
