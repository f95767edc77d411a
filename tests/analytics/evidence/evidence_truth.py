"""Known answers for the evidence tests, computed from the demo generator's true causal model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.demo.businesses import DEMO_CAFE

STOCKOUT_WEEK = ("2025-08-11", "2025-08-17")
WEEK_BEFORE = ("2025-08-04", "2025-08-10")


def true_instagram_slope(daily: pd.DataFrame, feature: pd.Series) -> float:
    """Slope of the generator's true instagram lift (customers/day) on the engine's spend feature."""
    fx = DEMO_CAFE.effects
    ig = daily["marketing_instagram"].to_numpy()
    ad = np.zeros(len(ig))
    for k, w in enumerate(fx.instagram_lag_weights, start=1):
        ad[k:] += w * ig[:-k]
    lift = pd.Series(fx.instagram_beta * np.log1p(ad / fx.instagram_half_saturation), index=daily.index)
    x = feature.to_numpy()
    y = lift.loc[feature.index].to_numpy()
    return float(np.polyfit(x, y, 1)[0])
