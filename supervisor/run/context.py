"""The context of one run: the step seam, usage accounting, policy checks and the event fan-out.

Every nondeterministic action (a model call, a tool call, a person's answer) goes through ``RunContext.step``,
keyed by what it is (subtask, attempt, call), never by when it happened. With a journal attached, a step already
recorded is replayed from its record; a new one runs and is committed before the run acts on it.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, TypeVar

from pydantic import BaseModel

from supervisor.errors import GuardTripwire, StructuredOutputError
from supervisor.events import CommittingSink, Event, EventSink, GuardTripped, RunFinished
from supervisor.guards.capabilities import ToolGate
from supervisor.guards.pipeline import GuardedMessage, GuardPipeline, GuardResult
from supervisor.journal.values import Codec, completion_codec, prompt_digest
from supervisor.models import Completion, Message, Model, Usage
from supervisor.models.pricing import PriceTable
from supervisor.models.tool_calls import ToolCaller, ToolSpec, ToolTurn
from supervisor.result import RunResult, StepRecord, ToolCall
from supervisor.run.policies import Policies
from supervisor.safe_text import without_surrogates

if TYPE_CHECKING:
    from supervisor.journal.recording import RunJournal

T = TypeVar("T")
REDO_BOUND_S = 0.5
"""How much model time the answers a run has not written yet may have taken before the next step boundary writes
them (with the decisions made from them and their audit entries): a run on a fast model writes once for many
steps, one on a slow model at every step. A killed process so loses at most about this much model work."""
SUPERVISOR_ROLE = "supervisor"
Outcome = Literal["accepted", "replan", "waiting", "skipped"]
"""How a subtask's work ended for the loop: accepted, asking for a re-plan, waiting for a person, or skipped
(its gate stayed closed)."""


@dataclass(frozen=True, slots=True)
class StepKey:
    """What a step is: the node (subtask id, ``plan``, ``answer``), the attempt, and the call within it."""

    node: str
    attempt: int
    call: str


current_step: ContextVar[StepKey | None] = ContextVar("baton_current_step", default=None)
"""The step a model call belongs to, while it runs: lets test doubles and tracing say what kind of call it is."""


class RunContext:
    """The state of one run in progress."""

    def __init__(
        self,
        goal: str,
        sinks: Sequence[EventSink],
        prices: PriceTable,
        policies: Policies,
        result: RunResult | None = None,
        *,
        guards: GuardPipeline | None = None,
    ) -> None:
        self.run_id = result.run_id if result else secrets.token_hex(6)
        self.goal = goal
        self.policies = policies
        self._sinks = list(sinks)
        self._committing = [sink for sink in self._sinks if _is_committing(sink)]
        self._seq = 0
        self._prices = prices
        self.result = result or RunResult(run_id=self.run_id, goal=goal, status="failed")
        self.accepted: dict[str, str] = dict(self.result.accepted)
        """Accepted outputs by subtask id, as the loop needs them at every scheduling step (derived from
        ``result.steps`` once, then kept up to date by ``accept``)."""
        self.skipped: set[str] = {s.subtask.id for s in self.result.steps if s.status == "skipped"}
        self.tool_calls: dict[str, dict[str, list[ToolCall]]] = {}
        """Tool calls made per subtask and agent: a retry or a revision never repeats a call."""
        self.review_rounds: dict[str, int] = {}
        self.revisions: dict[str, int] = {}
        """How often each subtask was sent back for revision: part of its steps' keys, so a revision's attempts
        (numbered from 1 again) never meet the records of the draft before."""
        self.journal: RunJournal | None = None
        self.deadline: float | None = None
        """When the goal's wall-clock limit ends (seconds since the epoch; recorded with a journaled run)."""
        self.deadline_reason = ""
        """What a stop at the deadline says, when the deadline is not this config's limit (a resumed run's)."""
        self.pending_key: str | None = None
        """The key of the person's answer a stopped run waits for."""
        self.revision_feedback: dict[str, str] = {}
        self.active = 0
        self.peak = 0
        self.replan_reason = ""
        self.guards = guards or GuardPipeline(())
        self.gate = ToolGate()
        self._screens: dict[str, int] = {}  # how often each (subtask, channel, agent) was screened: guard keys
        self._unwritten_s = 0.0  # the time the model answers not written yet took (what a crash would redo)

    def attach(self, journal: RunJournal) -> None:
        """Record this run through ``journal``: its audit entries are committed with its journal writes."""
        from supervisor.journal.recording import Outbox

        self.journal = journal
        for sink in self._sinks:
            if isinstance(sink, Outbox):
                sink.journaled(self.run_id)
                journal.outbox = sink
                break

    def latest(self, subtask_id: str) -> StepRecord | None:
        """The most recent record of a subtask (a revised subtask has several)."""
        return next((s for s in reversed(self.result.steps) if s.subtask.id == subtask_id), None)

    def latest_of_agent(self, agent: str) -> StepRecord | None:
        """The most recent accepted record of work done by ``agent``."""
        return next((s for s in reversed(self.result.steps) if s.agent == agent and s.output is not None), None)

    def person_approved(self, call: tuple[str, str, str]) -> bool:
        """Whether a person approved exactly this (subtask id, tool, arguments) through the approval channel."""
        return call in self.result.approved_tool_calls

    def person_refused(self, call: tuple[str, str, str]) -> bool:
        return call in self.result.refused_tool_calls

    def emit(self, make: Callable[..., Event], **fields: Any) -> None:
        if not self._sinks:
            return  # nobody listens: build no event
        if self.journal is not None and self.journal.replaying and make is not RunFinished:
            return  # the events of replayed steps were sent when the steps first ran
        self._seq += 1
        event = make(run_id=self.run_id, seq=self._seq, **fields)
        for sink in self._sinks:
            sink(event)

    def accept(self, record: StepRecord, output: str) -> None:
        """Mark a subtask's output accepted: dependents may start, and it counts toward the answer."""
        record.status = "accepted"
        self.accepted[record.subtask.id] = output

    def screen(self, message: GuardedMessage) -> GuardResult:
        """Pass ``message`` through the run's guard pipeline; a sanitized or blocked message is an event.

        With a journal, the guard's decision is recorded (``<subtask>/attempt:<n>/guard:<channel>:<agent>``, the
        n-th screening of that message kind), and a resumed run takes the recorded decision: a guard changed
        between a crash and the resume cannot undo what it decided before (a replay reports the change)."""
        result = self._guard_decision(message)
        if result.status != "pass":
            self.emit(
                GuardTripped,
                subtask_id=message.subtask_id,
                agent=message.agent,
                channel=message.channel,
                guard=result.guard,
                status=result.status,
                reasons=result.reasons,
            )
        return result

    def _guard_decision(self, message: GuardedMessage) -> GuardResult:
        journal = self.journal
        if journal is None:
            return self.guards.check(message)
        node = message.subtask_id or "answer"
        call = f"guard:{message.channel}:{message.agent}"
        base = self.key_text(StepKey(node, 0, call))
        self._screens[base] = count = self._screens.get(base, 0) + 1
        text = self.key_text(StepKey(node, count, call))
        found, value = journal.lookup(text)
        if found and not journal.recomputes:
            return _guard_result(value, message.text)
        result = self.guards.check(message)
        decided = _guard_value(result, message.text)
        if not found:
            journal.decided(text, decided)
            return result
        if decided != value:
            journal.diverged(text, f"the guards decided {result.status}, recorded {value.get('status')}")
        return _guard_result(value, message.text)

    async def decide(self, key: StepKey, compute: Callable[[], Awaitable[T]], codec: Codec[T]) -> T:
        """A decision code makes (a plan, a route, a verdict), recorded like a step: a resumed run takes the
        recorded one, so a check or card changed since cannot flip it. It is computed again all the same (its
        model calls replay from their records and count toward usage as they did); a replay reports where the
        new decision differs, then follows the record."""
        journal = self.journal
        if journal is None:
            return await compute()
        text = self.key_text(key)
        found, value = journal.lookup(text)
        outcome = await compute()
        if not found:
            journal.decided(text, {"value": codec.dump(outcome)})
            return outcome
        if journal.recomputes and codec.dump(outcome) != value["value"]:
            journal.diverged(text, "decided otherwise than the recorded run (a check, card or guard changed)")
        return codec.load(value["value"])

    def tripped(self, exc: GuardTripwire, subtask_id: str) -> None:
        """Record a tripwire that refused an action (a tool call, a reroute)."""
        self.emit(
            GuardTripped,
            subtask_id=subtask_id,
            agent=exc.agent,
            channel=exc.channel or "action",
            guard=exc.tripwire,
            status="blocked",
            reasons=(exc.detail,),
        )

    def key_text(self, key: StepKey) -> str:
        """The journal's key of a step: a subtask's node names its plan (re-plans reuse ids) and revision."""
        node = key.node
        if node not in ("plan", "answer"):
            node = f"{node}.p{len(self.result.replans)}.v{self.revisions.get(node, 0)}"
        return f"{node}/attempt:{key.attempt}/{key.call}"

    def recorded(self, key: StepKey) -> tuple[bool, Any]:
        """(True, JSON value) when the journal holds this step, else (False, None)."""
        if self.journal is None:
            return False, None
        return self.journal.lookup(self.key_text(key))

    async def step(
        self,
        key: StepKey,
        action: Callable[[], Awaitable[T]],
        codec: Codec[T] | None = None,
        *,
        redo_is_cheap: bool = False,
    ) -> T:
        """The one seam every nondeterministic action passes through: replayed when recorded, else run and
        committed (a value the journal cannot hold as JSON needs a ``codec``).

        ``redo_is_cheap``: the action (a model call) acts on nothing outside the run and may be asked again after
        a crash, so its outcome, the decisions made from it and their audit entries wait for the run's next
        write, made at a step boundary once the waiting answers took ``REDO_BOUND_S`` of model time. Any other
        action (a tool call, a person's question) acts outside the run: what led to it is written and synced
        before it runs, and its outcome right after."""
        journal = self.journal
        if not redo_is_cheap or self._unwritten_s >= REDO_BOUND_S:
            await self._write_before_step(synced=not redo_is_cheap)
        if journal is None:
            return await self._timed(action) if redo_is_cheap else await action()
        text = self.key_text(key)
        found, value = journal.lookup(text)
        if found:
            return codec.load(value) if codec is not None else value
        journal.going_live(text)
        if not redo_is_cheap:
            outcome = await action()
            await journal.record(text, codec.dump(outcome) if codec is not None else outcome)
            return outcome
        outcome = await self._timed(action)
        journal.answered(text, codec.dump(outcome) if codec is not None else outcome)
        return outcome

    async def _timed(self, action: Callable[[], Awaitable[T]]) -> T:
        """Run a step that is cheap to redo, counting its time toward what the next write protects."""
        started = time.perf_counter()
        try:
            return await action()
        finally:
            self._unwritten_s += time.perf_counter() - started

    async def _write_before_step(self, *, synced: bool) -> None:
        """Write what the run decided and was answered since its last write (its audit entries with it); synced
        when the coming action acts outside the run (what led to it must survive a power loss too)."""
        self._unwritten_s = 0.0
        for sink in self._committing:
            await sink.before_step(self.run_id, alone=self.active <= 1)
        if self.journal is not None:
            await (self.journal.flush() if synced else self.journal.write())

    async def settle(self) -> None:
        """Wait until what the sinks recorded of this run is on disk (the audit log syncs once for many runs)."""
        for sink in self._committing:
            await sink.settle()

    async def ask(
        self,
        key: StepKey,
        role: str,
        model: Model,
        messages: list[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        """A model call through the step seam, counted against the role's usage and the run's budgets."""

        async def answer() -> Completion | StructuredOutputError:
            try:
                # Made encodable before it is recorded: a lone surrogate cannot be written to any store.
                return _without_surrogates(
                    await model.complete(
                        messages, output_type=output_type, max_tokens=max_tokens, max_reasks=max_reasks
                    )
                )
            except StructuredOutputError as exc:
                return exc  # an outcome the run acts on: recorded like an answer

        codec = None  # without a journal nothing is recorded: no digest, no codec
        if self.journal is not None:
            prompt = prompt_digest(messages, output_type)
            self.journal.asked(self.key_text(key), prompt)
            codec = completion_codec(output_type, prompt)
        token = current_step.set(key)
        try:
            completion = await self.step(key, answer, codec, redo_is_cheap=True)
        finally:
            current_step.reset(token)
        if isinstance(completion, StructuredOutputError):
            if isinstance(completion.usage, Usage):  # failed attempts still cost tokens
                self._count(role, model, completion.usage)
            raise completion
        self._count(role, model, completion.usage)
        return _without_surrogates(completion)

    async def ask_tools(
        self,
        key: StepKey,
        role: str,
        model: Model,
        messages: list[Message],
        *,
        caller: ToolCaller,
        tools: Sequence[ToolSpec],
        max_tokens: int | None = None,
    ) -> ToolTurn:
        """A native tool-calling request (``caller`` is ``model``) through the step seam, counted like ``ask``."""
        offered: list[Message] = [{"role": "tools", "content": json.dumps([dataclasses.asdict(t) for t in tools])}]
        if self.journal is not None:
            self.journal.asked(self.key_text(key), prompt_digest([*messages, *offered], None))

        async def answer() -> ToolTurn:
            return await caller.call_tools(messages, tools, max_tokens=max_tokens)

        token = current_step.set(key)
        try:
            turn = await self.step(key, answer, Codec(ToolTurn.dump, ToolTurn.load), redo_is_cheap=True)
        finally:
            current_step.reset(token)
        self._count(role, model, turn.usage)
        return turn

    def _count(self, role: str, model: Model, usage: Usage) -> None:
        usage.cost_usd = self._prices.cost(model.name, usage)
        self.result.usage.add(usage)
        self.result.usage_by_agent.setdefault(role, Usage()).add(usage)
        self.policies.after_usage(self.result.usage)


_COMMITTING_KINDS: dict[type, bool] = {}


def _is_committing(sink: EventSink) -> TypeGuard[CommittingSink]:
    # Whether a sink commits is a matter of its class; a runtime protocol check inspects every member of the
    # protocol at each call (tens of microseconds), too slow to repeat for every run.
    kind: type = type(sink)
    found = _COMMITTING_KINDS.get(kind)
    if found is None:
        found = _COMMITTING_KINDS[kind] = issubclass(kind, CommittingSink)
    return found


def _guard_value(result: GuardResult, text: str) -> dict[str, Any]:
    """A guard decision as the journal holds it (the text only when a guard changed it)."""
    changed = result.text if result.text != text else None
    return {"status": result.status, "guard": result.guard, "reasons": list(result.reasons), "text": changed}


def _guard_result(value: dict[str, Any], text: str) -> GuardResult:
    status = value["status"]
    if status not in ("pass", "sanitized", "blocked"):
        raise ValueError(f"not a guard decision: {status!r}")
    changed = value.get("text")
    return GuardResult(status, changed if changed is not None else text, value["guard"], tuple(value["reasons"]))


def _without_surrogates(completion: Completion) -> Completion:
    """A model's reply with lone surrogates replaced (see ``supervisor.safe_text``), so every later use of it,
    the run's JSON included, can encode it. A structured answer needs nothing: pydantic's JSON parser refuses a
    lone surrogate, so such an answer is re-asked like any invalid one."""
    completion.text = without_surrogates(completion.text)
    return completion
