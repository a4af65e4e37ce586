"""Testing a team without a provider: ``ScriptedModel`` and ``RunScript``.

``ScriptedModel`` answers from a queue or a function, records every call and checks that the script was used
up. ``RunScript`` scripts a whole run: one typed handler per kind of call a run makes, each with a sensible
default, so a test says only what matters to it::

    script = RunScript(plan=[("s1", "Draft the reply", []), ("s2", "Review the draft", ["s1"])],
                       answer=lambda call: f"Dear customer, about {call.task}: done.")
    result = Supervisor(team, model=script.model()).run_sync("A customer asks where their parcel is.")

The kinds of call (``ScriptedCall.kind``), in the order a run makes them:

=============== ============================ =========================================================
kind            asked by                     the handler returns
=============== ============================ =========================================================
``plan``        the supervisor               a ``Plan``, a list of (id, description, depends_on), or a dict
``route``       the supervisor (close calls) the agent's name
``tool_choice`` a small model with text tools  (tool name, query), or ``None`` for no tool
``tool_call``   a specialist with tools      a call ``(tool, {arguments})``, a list of calls (made at once), or
                (the tool loop, per round)   ``None`` to stop calling and answer
``answer``      a specialist                 its answer: text, or a dict for an ``answer_format``
``verdict``     the supervisor (model judge) ``"accept"``, or (decision, feedback)
``final_answer`` the supervisor               the final answer's text (only for teams without a deliverable)
=============== ============================ =========================================================

A handler that raises is reported as ``ScriptError`` naming the kind of call, never as an invalid answer. A
handler that *returns* an exception makes that call raise it, as a provider's fault would (``lambda call:
ProviderServerError(...)``): that is how a test injects faults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from supervisor.decisions.schemas import Plan
from supervisor.errors import ScriptError
from supervisor.testing.scripted_model import CallKind, ScriptedAnswer, ScriptedCall, ScriptedModel, scripted_calls

__all__ = ["CallKind", "RunScript", "ScriptedAnswer", "ScriptedCall", "ScriptedModel", "task_of"]

PlanSteps = Plan | Sequence[tuple[str, str, Sequence[str]]] | dict[str, Any]
Handler = Callable[[ScriptedCall], Any]


def task_of(call: ScriptedCall) -> str:
    """The task a specialist was given (its prompt's ``Your task:`` line)."""
    line = next((x for x in call.last_user.splitlines() if x.startswith("Your task:")), "")
    return line.removeprefix("Your task:").strip()


def _offered(call: ScriptedCall, field: str) -> list[str]:
    """The values a structured call's schema allows for ``field`` (agents for a route, tools for a choice)."""
    if call.output_type is None:
        return []
    prop = call.output_type.model_json_schema().get("properties", {}).get(field, {})
    return list(prop.get("enum", []))


def _plan_answer(steps: PlanSteps) -> Any:
    if isinstance(steps, Plan | dict):
        return steps
    return {
        "subtasks": [
            {"id": i, "description": d, "acceptance_criteria": "it is complete", "depends_on": list(deps)}
            for i, d, deps in steps
        ]
    }


@dataclass
class RunScript:
    """Answers every kind of call a run makes; give only the handlers your test cares about.

    Each handler is a value or a function of the ``ScriptedCall``. Defaults: the skeleton plan a small model
    would write is not guessed, so ``plan`` is required for teams that plan freely; ``route`` picks the first
    candidate; ``tool_choice`` uses no tool; ``answer`` writes a complete sentence about the call's task;
    ``verdict`` accepts; ``final_answer`` joins nothing and says the goal is done.
    """

    plan: PlanSteps | Callable[[ScriptedCall], PlanSteps] | None = None
    route: str | Handler | None = None
    tool_choice: tuple[str, str] | Handler | None = None
    tool_calls: Any = None
    """The tool loop's rounds: a function of the call answering every round (a call ``(tool, {arguments})``, a
    list of calls made at once, or ``None`` to answer), a list with one such entry per round (rounds past it
    answer), or one call for the first round. Without it, a ``tool_choice`` is the first round's call (its query
    as the text argument) and later rounds answer."""
    answer: str | Handler | None = None
    verdict: str | tuple[str, str] | Handler = "accept"
    final_answer: str | Handler | None = None

    def model(self, name: str = "script", **options: Any) -> ScriptedModel:
        """A ``ScriptedModel`` answering by this script (``options``: ``latency_s``, ``capabilities``)."""
        return ScriptedModel(respond=self.respond, name=name, **options)

    def respond(self, call: ScriptedCall) -> Any:
        handler = getattr(self, f"_{call.kind}", None)
        if handler is None:
            raise ScriptError(f"RunScript has no answer for a call of kind {call.kind!r}")
        try:
            return handler(call)
        except _InjectedFault as fault:
            return fault.error  # ScriptedModel raises a returned exception as the call's own fault

    @staticmethod
    def _given(value: Any, call: ScriptedCall) -> Any:
        given = value(call) if callable(value) else value
        if isinstance(given, BaseException):
            raise _InjectedFault(given)
        return given

    def _plan(self, call: ScriptedCall) -> Any:
        if self.plan is None:
            raise ScriptError("the run asked for a plan and RunScript(plan=...) was not given")
        return _plan_answer(self._given(self.plan, call))

    def _route(self, call: ScriptedCall) -> Any:
        agent = self._given(self.route, call) if self.route is not None else _offered(call, "agent")[0]
        return {"agent": agent, "reason": "scripted"}

    def _tool_choice(self, call: ScriptedCall) -> Any:
        choice = self._given(self.tool_choice, call) if self.tool_choice is not None else None
        return {"tool": "none", "query": ""} if choice is None else {"tool": choice[0], "query": choice[1]}

    def _tool_call(self, call: ScriptedCall) -> Any:
        if self.tool_calls is not None:
            script = self.tool_calls
            if callable(script):
                wanted = self._given(script, call)  # asked every round
            elif isinstance(script, list):
                wanted = script[call.tool_round - 1] if call.tool_round <= len(script) else None
            else:
                wanted = script if call.tool_round == 1 else None  # one call, then the answer
        elif self.tool_choice is not None and call.tool_round == 1:
            choice = self._given(self.tool_choice, call)
            wanted = None if choice is None else (choice[0], {"query": choice[1]})
        else:
            wanted = None
        if isinstance(wanted, BaseException):
            raise _InjectedFault(wanted)
        if call.output_type is None:
            return wanted  # native tool calling: the calls as they are
        # A model without native tool calling answers the loop's JSON step: one call, or "answer".
        calls = scripted_calls(wanted)
        if not calls:
            return {"step": {"tool": "answer"}}
        return {"step": {"tool": calls[0].name, "arguments": calls[0].arguments}}

    def _answer(self, call: ScriptedCall) -> Any:
        if self.answer is not None:
            return self._given(self.answer, call)
        return f"Done for {task_of(call) or 'the task'}: the work is complete, as asked."

    def _verdict(self, call: ScriptedCall) -> Any:
        verdict = self._given(self.verdict, call)
        decision, feedback = (verdict, "") if isinstance(verdict, str) else verdict
        return {"decision": decision, "feedback": feedback}

    def _final_answer(self, call: ScriptedCall) -> Any:
        if self.final_answer is not None:
            return self._given(self.final_answer, call)
        return "The goal is done; the accepted results are above."

    def _other(self, call: ScriptedCall) -> Any:
        return self._answer(call)


class _InjectedFault(Exception):  # noqa: N818 - a signal inside RunScript, never seen outside it
    """A handler returned an exception: the call is to raise it."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
