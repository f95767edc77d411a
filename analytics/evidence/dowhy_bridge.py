"""DoWhy plumbing: identify a backdoor adjustment set from a graph, run our estimators inside DoWhy, refute.

Our estimators are wrapped as a DoWhy ``CausalEstimator`` so DoWhy's own refuters (placebo treatment, random
common cause, data subset) re-run exactly the estimator that produced the answer.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analytics.evidence.crossfit import Estimate
from analytics.evidence.types import Refutation

logger = logging.getLogger(__name__)

#: fitter(frame, treatment column, outcome column, adjustment columns) -> Estimate
Fitter = Callable[[pd.DataFrame, str, str, list[str]], Estimate]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence DoWhy's chatty loggers and warnings for the duration of the block."""
    names = (
        "dowhy",
        "dowhy.causal_model",
        "dowhy.causal_estimator",
        "dowhy.causal_refuters",
        "dowhy.causal_graph",
        "dowhy.causal_identifier",
    )
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _estimator_class() -> type:
    from dowhy.causal_estimator import CausalEstimate, CausalEstimator

    class EngineEstimator(CausalEstimator):
        """A DoWhy estimator that delegates to one of the evidence engine's fitters."""

        def __init__(self, identified_estimand: Any, fitter: Fitter, **kwargs: Any) -> None:
            super().__init__(identified_estimand, **kwargs)
            self._fitter = fitter
            self.last: Estimate | None = None

        def __deepcopy__(self, memo: dict[int, Any]) -> Any:
            # DoWhy's refuters deep-copy the estimator for each simulation, then replace its estimand and
            # settings; nothing of ours is changed in place, so a shallow copy is as safe and skips copying
            # the estimand's sympy expressions (3% of a weekly digest's time).
            return copy.copy(self)

        def fit(self, data: pd.DataFrame, effect_modifier_names: list[str] | None = None, **_: Any) -> Any:
            self._set_effect_modifiers(data, effect_modifier_names)
            return self

        def estimate_effect(
            self,
            data: pd.DataFrame,
            treatment_value: Any = 1,
            control_value: Any = 0,
            target_units: Any = None,
            **_: Any,
        ) -> Any:
            estimand = self._target_estimand
            treatment = estimand.treatment_variable[0]
            outcome = estimand.outcome_variable[0]
            adjust = list(estimand.get_adjustment_set() or [])
            self.last = self._fitter(data, treatment, outcome, adjust)
            self._target_units = target_units
            self._treatment_value, self._control_value = treatment_value, control_value
            estimate = CausalEstimate(
                data=None,
                treatment_name=[treatment],
                outcome_name=[outcome],
                estimate=self.last.value,
                target_estimand=estimand,
                realized_estimand_expr=None,
                control_value=control_value,
                treatment_value=treatment_value,
            )
            estimate.add_estimator(self)
            return estimate

    return EngineEstimator


_ENGINE_ESTIMATOR: type | None = None
#: identification depends only on the graph: cached so repeated runs on one business skip it
_IDENTIFIED: dict[tuple, tuple[Any, list[str]]] = {}


def identify(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    graph: nx.DiGraph | None,
    common_causes: list[str] | None = None,
    groups: dict[str, list[str]] | None = None,
) -> tuple[Any, list[str]]:
    """DoWhy's identified estimand and its backdoor adjustment set (maximal valid set: precise and safe).

    ``groups`` maps a graph node standing for several columns (e.g. "calendar") to those columns: the graph
    stays small for identification and the adjustment set is expanded afterwards.
    """
    from dowhy import CausalModel

    groups = groups or {}
    key = None
    if graph is not None:
        key = (
            treatment,
            outcome,
            tuple(sorted(graph.edges)),
            tuple((k, tuple(v)) for k, v in groups.items()),
        )
        if key in _IDENTIFIED:
            estimand, adjust = _IDENTIFIED[key]
            return copy.deepcopy(estimand), list(adjust)
    with quiet():
        if graph is not None:
            # a group node is observed through its first column (identification only reads the graph)
            view = data.assign(**{node: data[cols[0]] for node, cols in groups.items() if cols})
            view = view[[n for n in graph.nodes if n in view.columns]]
            model = CausalModel(data=view, treatment=treatment, outcome=outcome, graph=graph)
        else:
            model = CausalModel(
                data=data, treatment=treatment, outcome=outcome, common_causes=common_causes or []
            )
        estimand = model.identify_effect(method_name="maximal-adjustment", proceed_when_unidentifiable=True)
    adjust: list[str] = []
    for node in estimand.get_adjustment_set() or []:
        adjust += groups.get(node, [node])
    if groups:
        for name in list(estimand.backdoor_variables or {}) or ["backdoor"]:
            estimand.set_backdoor_variables(adjust, key=name)
    if key is not None:
        if len(_IDENTIFIED) > 256:
            _IDENTIFIED.clear()
        _IDENTIFIED[key] = (copy.deepcopy(estimand), list(adjust))
    return estimand, adjust


def estimate(data: pd.DataFrame, estimand: Any, fitter: Fitter) -> tuple[Any, Estimate]:
    """Run ``fitter`` through DoWhy on ``estimand``; returns DoWhy's estimate object and our Estimate."""
    global _ENGINE_ESTIMATOR
    from dowhy.causal_estimator import estimate_effect

    if _ENGINE_ESTIMATOR is None:
        _ENGINE_ESTIMATOR = _estimator_class()
    estimator = _ENGINE_ESTIMATOR(estimand, fitter)
    with quiet():
        result = estimate_effect(
            data,
            estimand.treatment_variable,
            estimand.outcome_variable,
            "backdoor",
            estimator,
            method_params={},
        )
    assert estimator.last is not None
    return result, estimator.last


def refute(
    data: pd.DataFrame, estimand: Any, dowhy_estimate: Any, ours: Estimate, *, simulations: int, seed: int
) -> tuple[Refutation, ...]:
    """Placebo treatment, random common cause and data subset refutations, judged against ``ours``'s error."""
    from dowhy.causal_refuters.data_subset_refuter import refute_data_subset
    from dowhy.causal_refuters.placebo_treatment_refuter import PlaceboType, refute_placebo_treatment
    from dowhy.causal_refuters.random_common_cause import refute_random_common_cause

    se = ours.se if np.isfinite(ours.se) and ours.se > 0 else abs(ours.value) + 1e-12
    k = max(1, simulations)
    out: list[Refutation] = []
    with quiet():
        placebo = refute_placebo_treatment(
            data,
            estimand,
            dowhy_estimate,
            estimand.treatment_variable,
            num_simulations=k,
            placebo_type=PlaceboType.PERMUTE,
            random_state=seed,
        )
        common = refute_random_common_cause(
            data, estimand, dowhy_estimate, num_simulations=k, random_state=seed + 1
        )
        subset = refute_data_subset(
            data, estimand, dowhy_estimate, subset_fraction=0.8, num_simulations=k, random_state=seed + 2
        )
    limit = 3.0 * se / np.sqrt(k)
    pe = float(placebo.new_effect)
    out.append(
        Refutation(
            "placebo treatment",
            pe,
            bool(abs(pe) <= limit),
            f"shuffled treatment gives {pe:+.4g} on average (should be near 0; limit {limit:.3g})",
            _p(placebo),
        )
    )
    ce = float(common.new_effect)
    out.append(
        Refutation(
            "random common cause",
            ce,
            bool(abs(ce - ours.value) <= 0.5 * se),
            f"adding a random confounder moves the estimate to {ce:+.4g} (from {ours.value:+.4g})",
            _p(common),
        )
    )
    sb = float(subset.new_effect)
    out.append(
        Refutation(
            "data subset",
            sb,
            bool(abs(sb - ours.value) <= se),
            f"random 80% subsets give {sb:+.4g} on average (from {ours.value:+.4g})",
            _p(subset),
        )
    )
    return tuple(out)


def _p(refutation: Any) -> float | None:
    result = getattr(refutation, "refutation_result", None)
    if isinstance(result, dict) and result.get("p_value") is not None:
        return float(result["p_value"])
    return None
