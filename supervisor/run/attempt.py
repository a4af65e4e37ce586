"""One specialist attempt's answer, written once its tool calls are made (``supervisor.tools.loop``).

No loop lives here; the run loop decides what happens next. Model calls pass through the run's step seam.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from supervisor.decisions import prompts
from supervisor.decisions.schemas import OPEN, Subtask, only_value
from supervisor.errors import StructuredOutputError
from supervisor.models import Model
from supervisor.result import ToolCall
from supervisor.run.context import RunContext, StepKey
from supervisor.team import AnswerContext, Specialist


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
    tool_calls: Sequence[ToolCall],
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
        tool_calls=list(tool_calls),
        feedback=feedback,
    )
    key = StepKey(subtask.id, number, f"work:{specialist.name}")
    given = AnswerContext(
        goal=run.goal,
        task=subtask.description,
        inputs=tuple(i["output"] for i in inputs),
        tool_results=tuple(c.output for c in tool_calls if not c.refused),
    )
    evidence: dict[str, Any] = {
        "sources": (run.goal, subtask.description, subtask.acceptance_criteria, *given.inputs, *given.tool_results),
        "scaffolding": (specialist.instructions, subtask.description, subtask.acceptance_criteria),
        "refusals": _refusals(tool_calls),
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
    value = _only_value(answer_format)
    if value is OPEN:
        return None
    try:
        return answer_format.model_validate(value)
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def _only_value(answer_format: type[BaseModel]) -> Any:
    # A fixed format's JSON schema is the same at every attempt, and pydantic builds it anew at each call.
    return only_value(answer_format.model_json_schema())


def _refusals(tool_calls: Sequence[ToolCall]) -> tuple[str, ...]:
    if not tool_calls:
        return ()
    from supervisor.tools.calling import WITHHELD_TOOL_RESULT  # loaded once a specialist has called a tool

    refusals = []
    for call in tool_calls:
        if call.refused:
            refusals.append(f"{call.tool} was not called: {call.refused}")
        elif call.output == WITHHELD_TOOL_RESULT:
            refusals.append(f"{call.tool}'s result was withheld by a guard")
    return tuple(refusals)


def answer_text(answer: BaseModel | None) -> str:
    """The text of a structured answer: its ``as_text()`` when it has one, else its JSON."""
    if answer is None:
        return ""
    render = getattr(answer, "as_text", None)
    return str(render()) if callable(render) else answer.model_dump_json(indent=2)
