"""Side effects that survive a crash: an idempotency key for idempotent tools, an intent record for at-most-once.

An idempotent tool runs with a stable key (run id + step key) readable through ``idempotency_key()``, so the
system it calls de-duplicates a repeat after a resume. An at-most-once tool commits an intent before it runs; on
resume an intent without a result is "outcome unknown": its ``reconcile`` check settles it, else a person does.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from supervisor.errors import OutcomeUnknownError
from supervisor.journal.values import text_and_cut
from supervisor.run.context import RunContext, StepKey
from supervisor.safe_text import TOOL_OUTPUT_MAX_CHARS, bounded
from supervisor.tools.tool import Tool

_idempotency_key: ContextVar[str | None] = ContextVar("baton_idempotency_key", default=None)


def idempotency_key() -> str | None:
    """The key of the tool call in progress (stable across a crash and resume); None outside a call."""
    return _idempotency_key.get()


async def call_with_effects(
    run: RunContext, key: StepKey, tool: Tool, arguments: Mapping[str, Any], *, rerun_unknown: bool = False
) -> tuple[str, int]:
    """Call ``tool`` with validated ``arguments`` through the step seam with the guarantee it declares;
    ``rerun_unknown``: a person allowed a call whose outcome is unknown to run again."""
    from supervisor.tools.calling import call_tool  # calling imports this module

    argument = tool.text_of(arguments)  # what the intent records and reconcile is asked about
    step = run.key_text(key)
    stable = f"{run.run_id}/{step}"
    journal = run.journal
    if journal is not None and tool.guarantee == "at_most_once" and not journal.has(step):
        intent = StepKey(key.node, key.attempt, key.call.replace("tool:", "intent:", 1))  # one intent per call
        started, _ = run.recorded(intent)
        if not started:
            await journal.record(run.key_text(intent), {"tool": tool.name, "argument": argument})
        elif not rerun_unknown:
            settled = tool.reconcile(argument, stable) if tool.reconcile is not None else None
            if settled is not None:  # the system says the call acted: its result is the step's outcome
                outcome = bounded(settled, TOOL_OUTPUT_MAX_CHARS)
                await journal.record(step, [outcome[0], outcome[1]])
                return outcome
            if tool.reconcile is None:
                raise OutcomeUnknownError(tool.name, stable)
            # reconcile says it never acted: running it now is its first and only time
    if journal is not None and not journal.has(step):
        await journal.flush()  # what led to the call is on disk before the call acts
    token = _idempotency_key.set(stable)
    try:
        return await run.step(key, lambda: call_tool(tool, arguments), text_and_cut())
    finally:
        _idempotency_key.reset(token)
