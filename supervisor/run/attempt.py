"""One specialist attempt: its tool step (under a capability token), then its answer.

No loop lives here; the run loop decides what happens next. Tool calls and model calls both pass through the
run's step seam; choosing and calling a tool lives in ``supervisor.tools.calling``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from supervisor.decisions import prompts
from supervisor.decisions.schemas import OPEN, Subtask, only_value
from supervisor.errors import OutcomeUnknownError, StructuredOutputError
from supervisor.guards.capabilities import ToolPolicy
from supervisor.models import Model
from supervisor.result import StepRecord, ToolCall
from supervisor.run.context import RunContext, StepKey
from supervisor.run.escalation import PersonDesk
from supervisor.team import AnswerContext, Specialist
from supervisor.tools.calling import WITHHELD_TOOL_RESULT, ApprovalNeeded, call_tool_checked, choose_tool


@dataclass(frozen=True)
class AttemptOutput:
    """One attempt's answer and what the checks need to judge it.

    ``sources`` is everything the step was given (goal, task, accepted inputs, tool results): an output's figures
    must come from there. ``scaffolding`` is the prompt's own wording (instructions, task, criteria): an output
    that reads it back did no work. ``refusals`` says which tool calls were refused or withheld.
    """

    text: str
    truncated: bool
    sources: tuple[str, ...] = ()
    scaffolding: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()
    structured: dict[str, Any] | None = None


async def write_answer(
    run: RunContext,
    *,
    specialist: Specialist,
    model: Model,
    subtask: Subtask,
    number: int,
    inputs: list[dict[str, str]],
    tool_call: ToolCall | None,
    feedback: str,
    max_tokens: int,
    max_reasks: int = 2,
) -> AttemptOutput:
    """The specialist's answer for one attempt; its own delimiters stripped so it cannot break a data block."""
    messages = prompts.render(
        "specialist",
        instructions=specialist.instructions,
        card=specialist.card,
        goal=run.goal,
        subtask=subtask,
        inputs=inputs,
        tool_result=tool_call,
        feedback=feedback,
    )
    key = StepKey(subtask.id, number, f"work:{specialist.name}")
    given = AnswerContext(
        goal=run.goal,
        task=subtask.description,
        inputs=tuple(i["output"] for i in inputs),
        tool_results=(tool_call.output,) if tool_call is not None and not tool_call.refused else (),
    )
    evidence: dict[str, Any] = {
        "sources": (run.goal, subtask.description, subtask.acceptance_criteria, *given.inputs, *given.tool_results),
        "scaffolding": (specialist.instructions, subtask.description, subtask.acceptance_criteria),
        "refusals": _refusals(tool_call),
    }
    answer_format = specialist.format_for(given)
    settled = _settled_answer(answer_format) if answer_format is not None else None
    if settled is not None:
        # Every field has exactly one allowed value: the answer is decided, and asking a model adds only cost.
        text = prompts.strip_data_markers(answer_text(settled))
        return AttemptOutput(text, truncated=False, structured=settled.model_dump(mode="json"), **evidence)
    if answer_format is None:
        completion = await run.ask(key, specialist.name, model, messages, max_tokens=max_tokens)
        text = prompts.strip_data_markers(completion.text)
        return AttemptOutput(text, completion.finish_reason == "length", **evidence)
    budget = max(max_tokens, specialist.answer_max_tokens or 0)
    try:
        completion = await run.ask(
            key,
            specialist.name,
            model,
            messages,
            output_type=answer_format,
            max_tokens=budget,
            max_reasks=max_reasks,
        )
    except StructuredOutputError as exc:
        # An answer that never fit its format is a failed attempt, judged (and retried) like a cut-off one.
        return AttemptOutput(prompts.strip_data_markers(exc.last_output), truncated=True, **evidence)
    output = completion.output
    structured = output.model_dump(mode="json") if output is not None else None
    text = prompts.strip_data_markers(answer_text(output))
    return AttemptOutput(text, truncated=False, structured=structured, **evidence)


def _settled_answer(answer_format: type[BaseModel]) -> BaseModel | None:
    """The only answer a format allows, when each of its fields admits exactly one value; else ``None``."""
    value = only_value(answer_format.model_json_schema())
    if value is OPEN:
        return None
    try:
        return answer_format.model_validate(value)
    except ValueError:
        return None


def _refusals(tool_call: ToolCall | None) -> tuple[str, ...]:
    if tool_call is None:
        return ()
    if tool_call.refused:
        return (f"{tool_call.tool} was not called: {tool_call.refused}",)
    if tool_call.output == WITHHELD_TOOL_RESULT:
        return (f"{tool_call.tool}'s result was withheld by a guard",)
    return ()


def answer_text(answer: BaseModel | None) -> str:
    """The text of a structured answer: its ``as_text()`` when it has one, else its JSON."""
    if answer is None:
        return ""
    render = getattr(answer, "as_text", None)
    return str(render()) if callable(render) else answer.model_dump_json(indent=2)


async def tool_step(
    run: RunContext,
    record: StepRecord,
    specialist: Specialist,
    model: Model,
    *,
    policy: ToolPolicy,
    desk: PersonDesk,
    max_reasks: int,
    inputs: str = "",
) -> ToolCall | Literal["waiting"] | None:
    """Choose and call an attempt's tool under a capability token; a side effect may need a person first."""
    subtask = record.subtask
    allowed = frozenset(t.name for t in specialist.allowed_tools())
    if not allowed:
        return None
    capability = run.gate.issue(run.run_id, subtask.id, specialist.name, allowed)
    try:
        choice = await choose_tool(run, specialist, model, subtask, capability=capability, max_reasks=max_reasks)
        if choice is None:
            return None
        rerun_unknown = False
        while True:
            try:
                return await call_tool_checked(
                    run,
                    specialist,
                    subtask,
                    capability=capability,
                    policy=policy,
                    choice=choice,
                    inputs=inputs,
                    rerun_unknown=rerun_unknown,
                )
            except ApprovalNeeded as need:
                # Approved: the loop calls again and the policy now allows it; refused: the call is refused.
                if await desk.approve_tool(run, record, need.tool, need.arguments) == "waiting":
                    return "waiting"
            except OutcomeUnknownError as unknown:
                # Started before a crash, never finished: a person decides whether it may run again.
                again = await desk.approve_tool(run, record, unknown.tool, choice[1], outcome_unknown=True)
                if again == "waiting":
                    return "waiting"
                if not again:
                    return ToolCall(tool=unknown.tool, query=choice[1], output="", refused=str(unknown))
                rerun_unknown = True
    finally:
        run.gate.revoke(capability)
