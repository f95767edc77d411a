"""What every optimization result carries: solve status with its gap, and an explanation in plain words.

Also the shared CP-SAT plumbing (time limit and worker count always set) and the search for a small set of
rules that cannot hold together, using CP-SAT assumptions and a deletion pass to shrink the set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class SolveInfo:
    """How the solver finished: ``optimal`` (proven), ``feasible`` (stopped by the time or gap limit, see
    ``gap``), ``infeasible`` (no plan follows every rule) or ``unknown`` (time ran out before any plan)."""

    status: str
    objective: float = float("nan")
    bound: float = float("nan")
    gap: float = float("nan")  # relative distance between the plan found and the best possible (0 = proven)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when there is a plan to follow (optimal or feasible)."""
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class Explanation:
    """Why the plan looks the way it does, in sentences a manager can read."""

    explanation: list[str] = field(default_factory=list)
    binding: list[str] = field(default_factory=list)  # limits the plan runs into, in words
    shadow: dict[str, float] = field(default_factory=dict)  # value of one more unit of each limit (re-solved)
    conflicts: list[str] = field(default_factory=list)  # for infeasible input: the rules that clash

    def text(self) -> str:
        """All sentences as one paragraph."""
        return " ".join([*self.explanation, *self.conflicts])


def money(value: float, currency: str = "$") -> str:
    """A money amount the way a manager writes it: $1,234 (cents only below $100)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{currency}{value:,.2f}" if value < 100 else f"{sign}{currency}{value:,.0f}"


def join_names(names: Sequence[str]) -> str:
    """'Sam', 'Sam and Alex', 'Sam, Alex and Priya'."""
    names = list(names)
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def new_solver(
    time_limit: float, workers: int, lp_heavy: bool = False, gap_limit: float = 0.0
) -> cp_model.CpSolver:
    """A CP-SAT solver with the time limit and worker count always set.

    ``lp_heavy`` runs the full-LP subsolver first: covering models (rotas) need its bound to prove optimality,
    which the default two-worker portfolio does not schedule.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.relative_gap_limit = float(gap_limit)
    if lp_heavy:
        solver.parameters.subsolvers.extend(["max_lp", "default_lp"] if workers >= 2 else ["max_lp"])
    return solver


def solve_info(
    solver: cp_model.CpSolver, status: int, scale: float = 1.0, maximize: bool = False
) -> SolveInfo:
    """Status, objective and relative gap of a finished CP-SAT solve (objective divided by ``scale``)."""
    seconds = float(solver.wall_time)
    if status == cp_model.INFEASIBLE:
        return SolveInfo("infeasible", seconds=seconds)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveInfo("unknown", seconds=seconds)
    obj, bound = solver.objective_value / scale, solver.best_objective_bound / scale
    diff = (bound - obj) if maximize else (obj - bound)
    gap = max(0.0, diff) / max(abs(obj), 1e-9)
    # OPTIMAL with a positive gap means the relative gap limit stopped the search: proven within ``gap``.
    return SolveInfo("optimal" if gap == 0 else "feasible", obj, bound, gap, seconds)


def minimal_conflict(
    build: Callable[[], tuple[cp_model.CpModel, Mapping[int, str]]],
    time_limit: float,
    workers: int,
) -> list[str]:
    """Names of a small set of rules that cannot all hold (CP-SAT assumptions, then a deletion pass).

    ``build`` returns a fresh model whose guarded rules are enforced by literals listed as assumptions,
    and a map from each literal's index to the rule's name in manager words.
    """
    model, names = build()
    solver = new_solver(time_limit, 1)  # core extraction from assumptions is exact with a single worker
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return []
    core = [i for i in solver.sufficient_assumptions_for_infeasibility() if i in names]
    if not core:
        return []
    # Deletion filter: drop each rule in turn and keep it out if the rest still clash.
    kept = list(core)
    for idx in list(core):
        if len(kept) <= 1:
            break
        trial = [i for i in kept if i != idx]
        model, names = build()
        model.clear_assumptions()
        model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in trial])
        solver = new_solver(min(time_limit, 2.0), workers)
        if solver.solve(model) == cp_model.INFEASIBLE:
            kept = trial
    logger.debug("Conflict core %d rules, reduced to %d", len(core), len(kept))
    return [names[i] for i in kept]
