"""The typed event stream of a run: one source for the CLI, the REPL and the audit log.

Events are small frozen dataclasses; each carries the run id and a sequence number. The runner emits them to
every sink it was given; ``Supervisor.stream`` turns them into an async iterator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from supervisor.decisions.schemas import Plan
    from supervisor.result import CheckedVerdict, Escalation, HumanDecision, RouteDecision, RunResult


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    run_id: str
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(Event):
    goal: str
    team: tuple[str, ...] = ()
    config_fingerprint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanMade(Event):
    plan: Plan


@dataclass(frozen=True, slots=True, kw_only=True)
class SubtaskRouted(Event):
    decision: RouteDecision


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptStarted(Event):
    subtask_id: str
    agent: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCalled(Event):
    subtask_id: str
    agent: str
    tool: str
    query: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputProduced(Event):
    subtask_id: str
    agent: str
    attempt: int
    output: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictGiven(Event):
    subtask_id: str
    agent: str
    attempt: int
    verdict: CheckedVerdict


@dataclass(frozen=True, slots=True, kw_only=True)
class Rerouted(Event):
    subtask_id: str
    from_agent: str
    to_agent: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Replanned(Event):
    plan: Plan
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRaised(Event):
    escalation: Escalation


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanDecided(Event):
    subtask_id: str
    decision: HumanDecision


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardTripped(Event):
    """A guard sanitized or blocked a message between agents, or refused an action (tool, reroute)."""

    subtask_id: str
    agent: str
    channel: str
    guard: str
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyStopped(Event):
    policy: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(Event):
    result: RunResult = field(repr=False)


EventSink = Callable[[Event], None]


@runtime_checkable
class CommittingSink(Protocol):
    """A sink that may hold events back (the audit log writes them in batches) until ``commit(run_id)``.

    The run commits at a step boundary (``before_step``, which concurrent runs, and concurrent steps of one run,
    may share one commit for): before every step that acts outside the run (a tool call, a person's question),
    so each decision is written before anything outside depends on it, and before a model call once the answers
    not written yet took ``supervisor.run.context.REDO_BOUND_S`` of model time. Once a run has finished it awaits
    ``settle()``: what the sink wrote without waiting for the disk is made durable, with one sync for every run
    that finished meanwhile.
    """

    def __call__(self, event: Event) -> None: ...

    def commit(self, run_id: str) -> None: ...

    async def before_step(self, run_id: str, *, alone: bool = True) -> None: ...

    async def settle(self) -> None: ...
