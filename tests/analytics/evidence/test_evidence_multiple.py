"""Holm adjustment: the same numbers as statsmodels, without its forced garbage collection."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analytics.evidence.multiple import holm


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.random(1 + seed * 3) ** 3  # small values, ties after rounding
    p = np.round(p, 3)
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-12)


def test_holm_keeps_the_order_and_caps_at_one() -> None:
    adjusted = holm([0.04, 0.01, 0.5])
    np.testing.assert_allclose(adjusted, [0.08, 0.03, 0.5])
    assert holm([0.9, 0.8]).max() == 1.0
    assert holm([]).size == 0
