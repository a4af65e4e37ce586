"""The tool loop of one attempt: the model calls tools, sees their results, and calls again until it answers.

Each round offers the specialist's tools (those of its card, under the attempt's capability token) and asks the
model for its next step: through the provider's native tool calling (``ModelCapabilities.native_tools`` and a
``ToolCaller``), else as constrained JSON under the union of "call tool X" and "answer". Calls are validated
first: invalid arguments go back to the model as feedback (at most ``max_reasks`` rounds), never into the tool.

Bounds: ``limits.max_tool_calls`` per attempt and ``limits.max_tool_calls_per_goal``; the step timeout holds
over the whole loop. Reaching either limit ends the loop: the call past it is recorded as not made, with the
reason, and the specialist answers with what it has (judged like any answer; it is not a failed attempt).

A model without ``tool_loop`` (a small one) makes one round of calls. A specialist whose tools all take one
text chooses as it always did, whatever its model: one call, ``{tool, query}`` (``ScriptedCall.kind ==
"tool_choice"``); typed and schema tools get the loop. The card's only tool, when its arguments need no model (a
one-text tool fed by the goal or the inputs, or a typed tool whose ``choices`` leave one value per argument), is
called without asking.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from supervisor.decisions import prompts
from supervisor.errors import OutcomeUnknownError, StructuredOutputError, ToolArgumentsError
from supervisor.guards.capabilities import Capability, ToolPolicy
from supervisor.models import Model
from supervisor.models.capabilities import ModelCapabilities
from supervisor.models.tool_calls import RequestedCall, ToolCaller
from supervisor.result import StepRecord, ToolCall
from supervisor.run.context import RunContext, StepKey
from supervisor.run.escalation import PersonDesk
from supervisor.team import Specialist
from supervisor.tools.arguments import Evidence
from supervisor.tools.calling import (
    NO_TOOL,
    TOOL_QUERY_MAX,
    WITHHELD_TOOL_RESULT,
    ApprovalNeeded,
    PlannedCall,
    call_tool_checked,
    choose_tool,
)
from supervisor.tools.offer import Offer, offer, requested, step_type
from supervisor.tools.tool import TEXT_ARGUMENT, ChoiceContext

TOOL_STEP_MAX_TOKENS = 512
Outcome = Literal["made", "invalid", "stop", "waiting"]


@dataclass(frozen=True)
class LoopLimits:
    """What bounds one attempt's loop: calls made, and rounds of invalid calls re-asked."""

    max_calls: int = 8
    max_reasks: int = 2


@dataclass
class ToolLoop:
    """One attempt's tool calls; ``run()`` returns them (made or refused), or ``"waiting"`` for a person."""

    run: RunContext
    record: StepRecord
    specialist: Specialist
    model: Model
    capabilities: ModelCapabilities
    policy: ToolPolicy
    desk: PersonDesk
    limits: LoopLimits
    number: int
    inputs: Sequence[dict[str, str]] = ()
    calls: list[ToolCall] = field(default_factory=list)
    feedback: str = ""
    invalid_rounds: int = 0

    async def run_loop(self) -> list[ToolCall] | Literal["waiting"]:
        tools = self.specialist.allowed_tools()
        if not tools:
            return []
        capability = self.run.gate.issue(
            self.run.run_id, self.record.subtask.id, self.specialist.name, frozenset(t.name for t in tools)
        )
        try:
            return await self._rounds(capability)
        finally:
            self.run.gate.revoke(capability)

    async def _rounds(self, capability: Capability) -> list[ToolCall] | Literal["waiting"]:
        round_number = 0
        while True:
            round_number += 1
            offers = [offer(t, self._choice_context()) for t in self.specialist.allowed_tools()]
            if round_number == 1 and len(offers) == 1:
                only = offers[0]
                if only.withheld:
                    self.calls.append(ToolCall(tool=only.tool.name, query="", output="", refused=only.withheld))
                    return self.calls
                settled = _settled(only)
                if settled is not None:  # nothing for the model to decide: the card's only tool, called once
                    outcome = await self._make(capability, offers, [settled])
                    return "waiting" if outcome == "waiting" else self.calls
            available = [o for o in offers if not o.withheld]
            if not available:
                return self.calls
            wanted = await self._ask(capability, available, round_number)
            if not wanted:
                return self.calls
            outcome = await self._make(capability, offers, wanted)
            if outcome == "waiting":
                return "waiting"
            one_round = not self.capabilities.tool_loop or _text_only(available)
            if outcome == "stop" or (outcome == "made" and one_round):
                return self.calls

    def _choice_context(self) -> ChoiceContext:
        return ChoiceContext(
            goal=self.run.goal,
            inputs=tuple(i["output"] for i in self.inputs),
            tool_results=tuple(c.output for c in self._made()),
        )

    def _made(self) -> list[ToolCall]:
        return [c for c in self.calls if not c.refused and c.output != WITHHELD_TOOL_RESULT]

    async def _ask(self, capability: Capability, available: list[Offer], round_number: int) -> list[RequestedCall]:
        """The calls the model wants this round (none: it is ready to answer)."""
        subtask, name = self.record.subtask, self.specialist.name
        if _text_only(available):
            # One-text tools are chosen as they always were: one call, ``{tool, query}``.
            choice = await choose_tool(
                self.run, self.specialist, self.model, subtask, capability=capability, max_reasks=self.limits.max_reasks
            )
            if choice is None or choice[0] == NO_TOOL:
                return []
            return [RequestedCall(choice[0], {TEXT_ARGUMENT: choice[1][:TOOL_QUERY_MAX]})]
        messages = prompts.render(
            "tool_loop",
            instructions=self.specialist.instructions,
            tools=[o.spec for o in available],
            goal=self.run.goal,
            subtask=subtask,
            inputs=list(self.inputs),
            calls=self.calls,
            feedback=self.feedback,
        )
        self.feedback = ""
        key = StepKey(subtask.id, self.number, f"tool-call:{name}/{round_number}")
        specs = [o.spec for o in available]
        if self.capabilities.native_tools and isinstance(self.model, ToolCaller):
            turn = await self.run.ask_tools(
                key, name, self.model, messages, caller=self.model, tools=specs, max_tokens=TOOL_STEP_MAX_TOKENS
            )
            return turn.calls
        try:
            completion = await self.run.ask(
                key,
                name,
                self.model,
                messages,
                output_type=step_type(specs),
                max_tokens=TOOL_STEP_MAX_TOKENS,
                max_reasks=self.limits.max_reasks,
            )
        except StructuredOutputError:
            return []  # a model that cannot name a step answers with what it has
        return requested(completion.output)

    async def _make(self, capability: Capability, offers: list[Offer], wanted: list[RequestedCall]) -> Outcome:
        """Make the calls of one round, in order; invalid ones become feedback for the next round."""
        problems: list[str] = []
        for request in wanted:
            stop = self._limit_reached()
            if stop:
                self.calls.append(ToolCall(tool=request.name, query=_shown(request.arguments), output="", refused=stop))
                return "stop"
            offered = next((o for o in offers if o.tool.name == request.name and not o.withheld), None)
            if offered is None:
                names = ", ".join(o.tool.name for o in offers if not o.withheld)
                problems.append(f"there is no tool {request.name!r} (the tools are: {names})")
                continue
            outside = [] if isinstance(request.arguments, str) else offered.outside_choices(request.arguments)
            if outside:
                problems.append(f"{request.name}: {'; '.join(outside)}")
                continue
            grounded = tuple(offered.allowed)  # values held to what the step was given
            planned = PlannedCall(request.name, request.arguments, len(self.calls) + 1, grounded)
            try:
                outcome = await self._call(capability, planned)
            except ToolArgumentsError as exc:
                problems.append(f"{exc.tool}: {exc.errors}")
                continue
            if outcome == "waiting":
                return "waiting"
        if not problems:
            return "made"
        self.invalid_rounds += 1
        if self.invalid_rounds > self.limits.max_reasks:
            why = f"its arguments never fitted the tool: {'; '.join(problems)}"
            self.calls.append(
                ToolCall(tool=wanted[-1].name, query=_shown(wanted[-1].arguments), output="", refused=why)
            )
            return "stop"
        self.feedback = (
            f"Your last call was not made: {'; '.join(problems)}. Call again with arguments that fit, or answer."
        )
        return "invalid"

    def _limit_reached(self) -> str:
        if len(self.calls) >= self.limits.max_calls:
            return f"the attempt's limit of {self.limits.max_calls} tool call(s) was reached (limits.max_tool_calls)"
        if self.run.policies.tool_calls_left() <= 0:
            spent = self.run.policies.limits.max_tool_calls_per_goal
            return f"the goal's budget of {spent} tool call(s) is spent (limits.max_tool_calls_per_goal)"
        return ""

    async def _call(self, capability: Capability, planned: PlannedCall) -> Literal["made", "waiting"]:
        """One call through the gate, the policy and a person where one must approve."""
        subtask = self.record.subtask
        evidence = Evidence(
            self.run.goal,
            tuple((i["id"], i["output"]) for i in self.inputs),
            tuple((c.tool, c.output) for c in self._made()),
        )
        rerun_unknown = False
        while True:
            try:
                made = await call_tool_checked(
                    self.run,
                    self.specialist,
                    subtask,
                    capability=capability,
                    policy=self.policy,
                    choice=planned,
                    rerun_unknown=rerun_unknown,
                    attempt=self.number,
                    evidence=evidence,
                )
                self.calls.append(made)
                return "made"
            except ApprovalNeeded as need:
                # Approved: the call is tried again and the policy now allows it; refused: the call is refused.
                answer = await self.desk.approve_tool(
                    self.run, self.record, need.tool, need.arguments, lines=need.lines, number=need.number
                )
                if answer == "waiting":
                    return "waiting"
            except OutcomeUnknownError as unknown:
                # Started before a crash, never finished: a person decides whether it may run again.
                text = _shown(planned.arguments)
                again = await self.desk.approve_tool(
                    self.run, self.record, unknown.tool, text, outcome_unknown=True, number=planned.number
                )
                if again == "waiting":
                    return "waiting"
                if not again:
                    self.calls.append(ToolCall(tool=unknown.tool, query=text, output="", refused=str(unknown)))
                    return "made"
                rerun_unknown = True


def _text_only(offers: Sequence[Offer]) -> bool:
    return all(o.tool.style == "text" for o in offers)


def _settled(only: Offer) -> RequestedCall | None:
    """The call of a tool whose arguments need no model, or None."""
    tool = only.tool
    if tool.style == "text" and tool.argument != "model":
        return RequestedCall(tool.name, {TEXT_ARGUMENT: ""})  # the goal or the inputs, filled in when called
    if only.settled is not None:
        return RequestedCall(tool.name, only.settled)
    return None


def _shown(arguments: Mapping[str, Any] | str) -> str:
    if isinstance(arguments, str):
        return arguments
    if set(arguments) == {TEXT_ARGUMENT}:
        return str(arguments[TEXT_ARGUMENT])
    return json.dumps(arguments, ensure_ascii=False, sort_keys=True)
