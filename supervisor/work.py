"""One specialist attempt: choose a tool (if the card allows any), call it, and write the answer.

No loop lives here; the runner decides what happens next. Tool calls and model calls both pass through the
run's step seam.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, create_model

from supervisor import prompts
from supervisor.cards import Specialist, Tool
from supervisor.context import RunContext, StepKey
from supervisor.events import ToolCalled
from supervisor.exceptions import ToolError
from supervisor.models import Model
from supervisor.plan import Subtask
from supervisor.state import ToolCall

TOOL_QUERY_MAX = 120
NO_TOOL = "none"


@functools.cache
def tool_choice_type(tool_names: tuple[str, ...]) -> type[BaseModel]:
    """What a model answers when asked whether to use a tool: one of the allowed names, or none."""
    choice = Literal[(*tool_names, NO_TOOL)]  # type: ignore[valid-type]
    model: type[BaseModel] = create_model(
        "ToolChoice", tool=(choice, ...), query=(str, Field(default="", max_length=TOOL_QUERY_MAX))
    )
    return model


async def call_tool(tool: Tool, query: str) -> str:
    try:
        if inspect.iscoroutinefunction(tool.function):
            result = await tool.function(query)
        else:
            # A plain function may block (I/O); keep it off the event loop.
            result = await asyncio.to_thread(tool.function, query)
    except Exception as exc:
        raise ToolError(tool.name, exc) from exc
    return prompts.strip_data_markers(str(result))


@dataclass(frozen=True)
class AttemptOutput:
    text: str
    truncated: bool


async def use_tool(
    run: RunContext, specialist: Specialist, model: Model, subtask: Subtask, max_reasks: int
) -> ToolCall | None:
    """Ask the specialist's model whether one of its card's tools helps, and call it once if so."""
    tools = specialist.allowed_tools()
    if not tools:
        return None
    messages = prompts.render("tool_choice", subtask=subtask, goal=run.goal, tools=tools)
    completion = await run.ask(
        StepKey(subtask.id, 1, f"tool-choice:{specialist.name}"),
        specialist.name,
        model,
        messages,
        output_type=tool_choice_type(tuple(t.name for t in tools)),
        max_tokens=TOOL_QUERY_MAX + 48,
        max_reasks=max_reasks,
    )
    name = str(getattr(completion.output, "tool"))  # noqa: B009 - field of a model built at run time
    query = str(getattr(completion.output, "query")) or subtask.description  # noqa: B009
    if name == NO_TOOL:
        return None
    tool = next(t for t in tools if t.name == name)
    run.emit(ToolCalled, subtask_id=subtask.id, agent=specialist.name, tool=name, query=query)
    output = await run.step(StepKey(subtask.id, 1, f"tool:{name}"), lambda: call_tool(tool, query))
    return ToolCall(tool=name, query=query, output=output)


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
    completion = await run.ask(
        StepKey(subtask.id, number, f"work:{specialist.name}"), specialist.name, model, messages, max_tokens=max_tokens
    )
    return AttemptOutput(prompts.strip_data_markers(completion.text), completion.finish_reason == "length")
