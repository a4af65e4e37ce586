"""Calling a tool inside an attempt: the gate and the policy allow it, the call runs.

Every call is checked against the attempt's capability token; its arguments are validated, then each carries
its provenance (``supervisor.tools.arguments``), and a side-effecting call with arguments an agent or a tool
wrote runs only as the tool policy or a person allows. The tool's result passes the guard pipeline before any
model sees it. ``choose_tool`` is how a small model picks among one-text tools (one call, ``{tool, query}``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from supervisor.decisions import prompts
from supervisor.decisions.schemas import Subtask
from supervisor.errors import (
    StructuredOutputError,
    TaintedArgumentsError,
    ToolArgumentsError,
    ToolError,
    ToolNotAllowedError,
)
from supervisor.events import ToolCalled
from supervisor.guards.capabilities import Capability, ToolPolicy
from supervisor.guards.pipeline import GuardedMessage
from supervisor.guards.provenance import Tainted
from supervisor.models import Model
from supervisor.result import ToolCall
from supervisor.run.context import RunContext, StepKey
from supervisor.safe_text import TOOL_OUTPUT_MAX_CHARS, bounded, without_surrogates
from supervisor.team import Specialist
from supervisor.tools.arguments import CallArguments, Evidence, trace
from supervisor.tools.effects import call_with_effects
from supervisor.tools.tool import TEXT_ARGUMENT, Tool
from supervisor.tools.worker import run_in_worker

TOOL_QUERY_MAX = 120
NO_TOOL = "none"
WITHHELD_TOOL_RESULT = "[the tool's result was withheld: it carried instructions]"


class ApprovalNeeded(Exception):  # noqa: N818 - a signal to the runner, not an error
    """A side-effecting tool call needs a person's approval before it may run."""

    def __init__(self, tool: str, arguments: str, lines: tuple[str, ...] = (), number: int = 1) -> None:
        self.tool = tool
        self.arguments = arguments
        self.lines = lines
        """One line per argument with its source, for the approval panel."""
        self.number = number
        super().__init__(f"{tool}({arguments!r}) needs a person's approval")


@functools.cache
def tool_choice_type(tool_names: tuple[str, ...]) -> type[BaseModel]:
    """What a model answers when asked whether to use a tool: one of the allowed names, or none."""
    choice = Literal[(*tool_names, NO_TOOL)]  # type: ignore[valid-type]
    model: type[BaseModel] = create_model(
        "ToolChoice", tool=(choice, ...), query=(str, Field(default="", max_length=TOOL_QUERY_MAX))
    )
    return model


async def call_tool(tool: Tool, arguments: Mapping[str, Any] | str) -> tuple[str, int]:
    """The tool's output, cleaned and bounded (``TOOL_OUTPUT_MAX_CHARS``), and how many characters were cut.

    ``arguments`` is the arguments object (validated here first: ``ToolArgumentsError`` when it does not fit), or
    a one-text tool's text. What the tool raises propagates with its own type (a note names the tool). A plain
    function runs in a worker thread of its own, bounded by the step's deadline (see ``supervisor.tools.worker``).
    """
    bound = tool.bound_call({TEXT_ARGUMENT: arguments} if isinstance(arguments, str) else arguments)
    try:
        if tool.is_async:
            result = await bound()
        else:
            # A plain function may block (I/O) or hang; keep it off the event loop, abandoned at the deadline.
            result = await run_in_worker(bound)
    except Exception as exc:
        exc.add_note(f"raised by tool {tool.name!r}")
        raise
    try:
        text = str(result)
    except Exception as exc:
        raise ToolError(tool.name, exc) from exc
    return bounded(prompts.strip_data_markers(without_surrogates(text)), TOOL_OUTPUT_MAX_CHARS)


async def choose_tool(
    run: RunContext, specialist: Specialist, model: Model, subtask: Subtask, *, capability: Capability, max_reasks: int
) -> tuple[str, str] | None:
    """Ask the specialist's model whether one of its capability's tools helps: (tool, query), or None.

    A tool whose argument is not the model's to write (the goal, the step's inputs) and that is the card's only
    tool is called without asking: the model's choice would add nothing but a chance to skip the lookup.
    """
    tools = [t for t in specialist.allowed_tools() if t.name in capability.tools]
    if not tools:
        return None
    if len(tools) == 1 and tools[0].argument != "model":
        return (tools[0].name, "")
    messages = prompts.render("tool_choice", subtask=subtask, goal=run.goal, tools=tools)
    try:
        completion = await run.ask(
            StepKey(subtask.id, 1, f"tool-choice:{specialist.name}"),
            specialist.name,
            model,
            messages,
            output_type=tool_choice_type(tuple(t.name for t in tools)),
            max_tokens=TOOL_QUERY_MAX + 48,
            max_reasks=max_reasks,
        )
    except StructuredOutputError:
        # A tool is help, not the work: a model that cannot name one works without it rather than ending the run.
        return None
    name = str(getattr(completion.output, "tool"))  # noqa: B009 - field of a model built at run time
    written = str(getattr(completion.output, "query"))  # noqa: B009
    return None if name == NO_TOOL else (name, written)


def tool_arguments(tool: Tool, written: str, goal: str, inputs: str, subtask: Subtask) -> Tainted:
    """A one-text tool's argument, with where it came from (its provenance decides what the policy allows)."""
    if tool.argument == "goal":
        return Tainted.of(goal, "goal")
    if tool.argument == "inputs":
        # Earlier steps' accepted outputs were written by agents: they stay untrusted.
        return Tainted.of(inputs or goal, "specialist" if inputs else "goal")
    # The specialist's model wrote the query: it is agent text unless it is the supervisor's own task wording.
    return Tainted.of(written, "specialist") if written else Tainted.of(subtask.description, "supervisor")


_DECLARED_ORIGINS = {"goal": "goal", "inputs": "input", "model": "model"}
"""A tool's declared ``argument`` as the origin of the values it stands for."""


@dataclass(frozen=True)
class PlannedCall:
    """A call the model asked for: the tool, its arguments (a one-text tool's text, or the arguments object),
    and its number in the attempt (part of its journal key, so a resume never repeats a completed call)."""

    tool: str
    arguments: Mapping[str, Any] | str
    number: int = 1
    grounded: tuple[str, ...] = ()
    """Arguments whose values were held to the tool's ``choices`` (drawn from what the step was given)."""


def traced_arguments(
    tool: Tool, planned: PlannedCall, run: RunContext, subtask: Subtask, evidence: Evidence
) -> CallArguments:
    """The call's validated arguments, each with its source (``ToolArgumentsError`` when they do not fit)."""
    if tool.style == "text":
        written = planned.arguments if isinstance(planned.arguments, str) else planned.arguments.get(TEXT_ARGUMENT)
        inputs = "\n\n".join(output for _, output in evidence.inputs)
        tainted = tool_arguments(tool, str(written or ""), run.goal, inputs, subtask)
        origin = _DECLARED_ORIGINS[tool.argument] if tool.argument != "model" or written else "supervisor"
        if tool.argument == "inputs" and not inputs:
            origin = "goal"
        return trace({TEXT_ARGUMENT: tainted.value}, evidence, fixed={TEXT_ARGUMENT: origin})
    if isinstance(planned.arguments, str):
        raise ToolArgumentsError(tool.name, "the arguments must be a JSON object of the tool's parameters")
    # A value held to the tool's choices came from what the choices read: where no verbatim trace finds it (an
    # item the goal names in the plural), the tool's declared ``argument`` says where.
    declared = {name: _DECLARED_ORIGINS[tool.argument] for name in planned.grounded} if tool.argument != "model" else {}
    return trace(tool.validate(planned.arguments), evidence, fallback=declared)


async def call_tool_checked(
    run: RunContext,
    specialist: Specialist,
    subtask: Subtask,
    *,
    capability: Capability,
    policy: ToolPolicy,
    choice: tuple[str, str] | PlannedCall,
    inputs: str = "",
    rerun_unknown: bool = False,
    attempt: int = 1,
    evidence: Evidence | None = None,
) -> ToolCall:
    """Call the chosen tool if the gate and the policy allow it; a refusal is recorded, not raised.

    Raises ``ApprovalNeeded`` when the tool policy wants a person to decide, and ``ToolArgumentsError`` when the
    arguments do not fit the tool (the tool never sees them).
    """
    planned = choice if isinstance(choice, PlannedCall) else PlannedCall(choice[0], choice[1])
    name = planned.tool
    evidence = evidence or Evidence(run.goal, (("inputs", inputs),) if inputs else ())
    written = planned.arguments if isinstance(planned.arguments, str) else json.dumps(planned.arguments)
    try:
        run.gate.check(capability, name)
        tool = next(t for t in specialist.tools if t.name == name)
        arguments = traced_arguments(tool, planned, run, subtask, evidence)
        text = tool.text_of(arguments.values)
        screened = run.screen(GuardedMessage("tool_args", text, "specialist", specialist.name, subtask.id))
        if screened.blocked:
            raise TaintedArgumentsError(
                f"a guard blocked the arguments of {name}: {'; '.join(screened.reasons)}",
                screened.findings,
                channel="tool_args",
                agent=specialist.name,
            )
        decision = policy.decide_arguments(name, tool.side_effects, {a.name: a.origin for a in arguments.traced})
        approval = decision.approval
        call = (subtask.id, name, text)
        if approval != "allow" and run.person_refused(call):
            raise TaintedArgumentsError(f"a person refused {name}({text!r})", agent=specialist.name)
        if run.person_approved(call):
            approval = "allow"  # a person approved exactly this call through the approval channel
        if approval == "deny":
            raise TaintedArgumentsError(
                f"{name} has side effects and the tool policy refuses its arguments ({'; '.join(decision.reasons)}); "
                f"set guards.tools.{name} to change that",
                channel="tool_args",
                agent=specialist.name,
            )
        if approval == "ask":
            raise ApprovalNeeded(name, text, arguments.lines(), planned.number)
        run.emit(ToolCalled, subtask_id=subtask.id, agent=specialist.name, tool=name, query=text)
        run.policies.count_tool_call()
        key = StepKey(subtask.id, attempt, f"tool:{name}/{planned.number}")
        output, cut = await call_with_effects(run, key, tool, arguments.values, rerun_unknown=rerun_unknown)
        result = run.screen(GuardedMessage("tool_result", output, "tool", specialist.name, subtask.id))
        return ToolCall(
            tool=name,
            query=text,
            output=WITHHELD_TOOL_RESULT if result.blocked else result.text,
            cut_chars=cut,
            arguments=arguments.values,
            sources={a.name: a.source for a in arguments.traced},
        )
    except (ToolNotAllowedError, TaintedArgumentsError) as exc:
        run.tripped(exc, subtask.id)  # refused and recorded; the attempt goes on without the tool
        return ToolCall(tool=name, query=written, output="", refused=exc.detail)
