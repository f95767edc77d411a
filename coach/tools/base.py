"""Turning a tool implementation into a LlamaIndex FunctionTool bound to one tenant, validated and safe."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, ValidationError

from analytics.evidence import EvidenceError
from analytics.forecast import ForecastError
from analytics.optimize import OptimizationError
from coach.periods import PeriodError
from coach.tools.context import ToolCallRecord, ToolContext
from coach.tools.result import ToolResult
from storage.errors import TenantNotFound
from storage.goals.service import GoalNotFound

log = logging.getLogger(__name__)
A = TypeVar("A", bound=BaseModel)
Impl = Callable[[ToolContext, Any], Awaitable[ToolResult]]


class ToolError(Exception):
    """A tool cannot answer; the message is written for the owner."""

    def __init__(
        self, message: str, *, suggestions: list[str] | None = None, needs: str | None = None
    ) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []
        self.needs = needs


# Errors whose messages are written for owners by our own modules.
OWNER_READABLE: tuple[type[Exception], ...] = (
    ToolError,
    PeriodError,
    ForecastError,
    OptimizationError,
    EvidenceError,
    GoalNotFound,
    TenantNotFound,
)


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "input"
    return f"I could not use '{field}': {first['msg'].lower()}."


def bind(ctx: ToolContext, name: str, args_model: type[A], impl: Impl) -> FunctionTool:
    """A FunctionTool named ``name`` whose arguments follow ``args_model`` and which always acts for ``ctx.tenant``.

    The tenant lives in the closure; the schema has no tenant field and unknown arguments the model sends
    (a ``tenant_id``, say) are dropped before validation, so nothing the model writes can point a tool at
    another business. Failures become a short message for the owner; details go to the log only.
    """
    fields = set(args_model.model_fields)

    async def run(**kwargs: Any) -> str:
        extra = sorted(set(kwargs) - fields)
        if extra:
            log.warning("tool %s ignored unexpected arguments %s", name, extra)
        sent = {k: v for k, v in kwargs.items() if k in fields and v is not None}
        try:
            result = await impl(ctx, args_model.model_validate(sent))
        except ValidationError as error:
            result = ToolResult(tool=name, ok=False, error=_validation_message(error))
        except OWNER_READABLE as error:
            message = str(error.args[0]) if error.args else str(error)
            result = ToolResult(
                tool=name,
                ok=False,
                error=message,
                suggestions=getattr(error, "suggestions", []),
                needs=getattr(error, "needs", None),
            )
        except Exception:  # noqa: BLE001 - anything else is our bug: log it, tell the owner plainly
            log.exception("tool %s failed for tenant %s with %s", name, ctx.tenant.slug, sent)
            result = ToolResult(
                tool=name,
                ok=False,
                error=f"Something went wrong on my side while running {name.replace('_', ' ')}. "
                "The team has been told; please try again or ask another way.",
            )
        ctx.calls.append(ToolCallRecord(name=name, args=sent, result=result))
        return result.for_model()

    description = (args_model.__doc__ or name).strip()
    return FunctionTool.from_defaults(async_fn=run, name=name, description=description, fn_schema=args_model)
