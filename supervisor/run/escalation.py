"""Escalation to a person: the approval channel, the only way a person's decision enters a run.

A handler (sync or async) receives an ``Escalation`` and returns a ``HumanDecision``: approve the output as it
is, reject it, replace it with an edited version, or answer in the agent's place. It answers through the run's
step seam; without a handler the run stops in ``waiting_for_human`` with the question pending, and
``Supervisor.resume(run_id, decision)`` records the answer in the journal and continues the run. Nothing an agent
writes can stand in for an answer.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from supervisor.errors import SubtaskFailedError
from supervisor.events import EscalationRaised, HumanDecided
from supervisor.journal.values import model_codec
from supervisor.result import Attempt, CheckedVerdict, Escalation, EscalationKind, HumanDecision, StepRecord
from supervisor.run.context import Outcome, RunContext, StepKey

EscalationHandler = Callable[[Escalation], HumanDecision | Awaitable[HumanDecision]]


async def ask_person(handler: EscalationHandler, escalation: Escalation) -> HumanDecision:
    """Call a sync or async handler and check that it returned a decision."""
    answer = handler(escalation)
    if inspect.isawaitable(answer):
        answer = await answer
    if not isinstance(answer, HumanDecision):
        raise TypeError(f"an escalation handler must return a HumanDecision, not {type(answer).__name__}")
    return answer


def _question(run: RunContext, record: StepRecord, **asked: Any) -> Escalation:
    """What a person is asked about ``record``'s subtask: its output, a tool call or a gate."""
    return Escalation(
        run_id=run.run_id, subtask_id=record.subtask.id, agent=record.agent, task=record.subtask.description, **asked
    )


class PersonDesk:
    """Puts escalations and tool approvals to a person, and applies their answers."""

    def __init__(self, handler: EscalationHandler | None) -> None:
        self.handler = handler

    async def escalate(
        self, run: RunContext, record: StepRecord, output: str, reason: str, *, kind: EscalationKind = "output"
    ) -> Outcome:
        escalation = _question(
            run, record, output=output, reason=reason or "the supervisor asked for a person's decision", kind=kind
        )
        decision = await self._ask(run, record, escalation, StepKey(record.subtask.id, len(record.attempts), "person"))
        if decision is None:
            return "waiting"
        self.apply(run, record, decision, escalation)
        return "accepted"

    async def approve_tool(
        self,
        run: RunContext,
        record: StepRecord,
        tool: str,
        arguments: str,
        *,
        outcome_unknown: bool = False,
        lines: tuple[str, ...] = (),
        number: int = 1,
    ) -> bool | Literal["waiting"]:
        """Ask whether a side-effecting call may run; the answer is remembered for exactly this call.

        ``lines``: the call's arguments one per line with their sources, as the person sees them; ``number``: the
        call's number in its attempt (the question's key, so two calls of one tool are two questions).
        ``outcome_unknown``: the call may already have acted (its intent was recorded, its result never was); a
        person who approves lets it run again, one who rejects records it as not made.
        """
        reason = f"{tool} has side effects and {record.agent} wrote its arguments; approve or reject the call"
        if outcome_unknown:
            reason = f"{tool} was started before a crash and may or may not have acted; approve to run it again"
        escalation = _question(
            run,
            record,
            output="",
            reason=reason,
            kind="tool_approval",
            tool=tool,
            arguments=arguments,
            argument_lines=lines,
        )
        call = f"unknown:{tool}" if outcome_unknown else f"approval:{tool}"
        call += f"/{number}" if number > 1 else ""  # the first call keeps the key runs recorded before
        decision = await self._ask(run, record, escalation, StepKey(record.subtask.id, len(record.attempts) + 1, call))
        if decision is None:
            return "waiting"
        approved = decision.action == "approve"
        if not outcome_unknown:
            self.remember(run, record.subtask.id, tool, arguments, approved)
        return approved

    async def decide_gate(
        self, run: RunContext, record: StepRecord, decision: str, reason: str
    ) -> bool | Literal["waiting"]:
        """Ask whether a gated step may run; the answer is remembered for this subtask."""
        escalation = _question(
            run,
            record,
            output=decision,
            reason=f"{record.agent} may run only if a person allows it: {reason}",
            kind="gate",
        )
        answer = await self._ask(run, record, escalation, StepKey(record.subtask.id, 0, "gate"))
        if answer is None:
            return "waiting"
        run.result.gates[record.subtask.id] = answer.action == "approve"
        return run.result.gates[record.subtask.id]

    async def _ask(
        self, run: RunContext, record: StepRecord, escalation: Escalation, key: StepKey
    ) -> HumanDecision | None:
        run.emit(EscalationRaised, escalation=escalation)
        if self.handler is None:
            found, answered = run.recorded(key)  # given later, perhaps in another process, through the journal
            if not found:
                record.status = "waiting_for_human"
                run.result.pending = escalation
                run.pending_key = run.key_text(key)
                return None
            decision = HumanDecision.model_validate(answered)
        else:
            ask = functools.partial(ask_person, self.handler, escalation)
            decision = await run.step(key, ask, model_codec(HumanDecision))
        run.emit(HumanDecided, subtask_id=record.subtask.id, decision=decision)
        return decision

    def apply(self, run: RunContext, record: StepRecord, decision: HumanDecision, escalation: Escalation) -> None:
        """A person's answer to an output escalation: accept it, their edit or answer; or fail the subtask."""
        if decision.action == "reject":
            record.status = "rejected"
            raise SubtaskFailedError(record.subtask.id, len(record.attempts), f"rejected by {decision.by}")
        output = escalation.output if decision.action == "approve" else decision.text
        verdict = CheckedVerdict(decision="accept", feedback=f"{decision.action} by {decision.by}", decided_by="person")
        if decision.action == "approve" and record.attempts:
            record.attempts[-1] = record.attempts[-1].model_copy(update={"verdict": verdict})
        else:
            record.attempts.append(
                Attempt(number=len(record.attempts) + 1, agent=decision.by, output=output, verdict=verdict)
            )
        run.accept(record, output)

    @staticmethod
    def remember(run: RunContext, subtask_id: str, tool: str, arguments: str, approved: bool) -> None:
        call = (subtask_id, tool, arguments)
        if approved:
            run.result.approved_tool_calls.append(call)
        else:
            run.result.refused_tool_calls.append(call)
