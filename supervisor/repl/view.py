"""A run drawn for people as it happens: the plan as a tree whose nodes change state, each verdict with its reason,
and the tokens and cost so far.

``RunView`` is an event sink that keeps that picture; ``render()`` draws it for a rich ``Live`` display on a
terminal, and ``line_for(event)`` gives one plain line per event where the output is a pipe or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from supervisor.audit.redaction import Redactor
from supervisor.decisions.schemas import Plan
from supervisor.events import (
    AttemptStarted,
    EscalationRaised,
    Event,
    GuardTripped,
    HumanDecided,
    PlanMade,
    PolicyStopped,
    Replanned,
    Rerouted,
    RunFinished,
    RunStarted,
    SubtaskRouted,
    ToolCalled,
    VerdictGiven,
)
from supervisor.models import Usage
from supervisor.result import RunResult

# state -> (mark, colour); the words are what a person reads, the marks help the eye on a busy tree.
STATES: dict[str, tuple[str, str]] = {
    "waiting": ("·", "dim"),
    "running": ("▶", "cyan"),
    "accepted": ("✓", "green"),
    "retried": ("↻", "yellow"),
    "rerouted": ("↪", "yellow"),
    "held by a guard": ("⛔", "red"),
    "waiting for a person": ("?", "magenta"),
    "failed": ("✗", "red"),
    "rejected": ("✗", "red"),
    "cancelled": ("■", "dim"),
}
VERDICTS_SHOWN = 6


@dataclass
class Node:
    subtask_id: str
    description: str
    depends_on: tuple[str, ...]
    state: str = "waiting"
    agent: str = ""
    attempt: int = 0
    note: str = ""


@dataclass
class RunView:
    """The picture of one run, kept up to date from its events."""

    redactor: Redactor = field(default_factory=lambda: Redactor(()))
    usage_so_far: Callable[[str], Usage | None] = lambda run_id: None
    goal: str = ""
    run_id: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    verdicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: RunResult | None = None
    last_usage: Usage = field(default_factory=Usage)

    def _t(self, text: str, width: int = 0) -> str:
        flat = " ".join(self.redactor.redact(text).split())
        return flat if not width or len(flat) <= width else flat[: width - 1] + "…"

    # -- keeping the picture -------------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        self.run_id = event.run_id
        if isinstance(event, RunStarted):
            self.goal = event.goal
        elif isinstance(event, PlanMade | Replanned):
            self._plan(event.plan)
        elif isinstance(event, SubtaskRouted):
            self._node(event.decision.subtask_id, agent=event.decision.agent, state="running")
        elif isinstance(event, AttemptStarted):
            state = "retried" if event.attempt > 1 else "running"
            self._node(event.subtask_id, agent=event.agent, attempt=event.attempt, state=state)
        elif isinstance(event, ToolCalled):
            self._node(event.subtask_id, note=f"calls {event.tool}")
        elif isinstance(event, VerdictGiven):
            self._verdict(event)
        elif isinstance(event, Rerouted):
            self._node(event.subtask_id, agent=event.to_agent, state="rerouted", note=self._t(event.reason, 60))
        elif isinstance(event, GuardTripped):
            held = event.status in ("blocked", "quarantined")
            self._node(event.subtask_id, state="held by a guard" if held else None, note=f"guard {event.guard}")
            self.notes.append(
                f"guard {event.guard} {event.status} {event.channel}: {self._t('; '.join(event.reasons))}"
            )
        elif isinstance(event, EscalationRaised):
            kind = event.escalation.kind
            note = f"approve {event.escalation.tool}?" if kind == "tool_approval" else "" if kind == "output" else kind
            self._node(event.escalation.subtask_id, state="waiting for a person", note=note)
        elif isinstance(event, HumanDecided):
            state = "rejected" if event.decision.action == "reject" else "accepted"
            if event.subtask_id in self.nodes and self.nodes[event.subtask_id].note.startswith("approve "):
                state = "running"  # an approved or refused tool call: the subtask goes on
            self._node(event.subtask_id, state=state, note=f"{event.decision.action} by {event.decision.by}")
        elif isinstance(event, PolicyStopped):
            self.notes.append(f"policy {event.policy} stopped the run: {self._t(event.detail)}")
        elif isinstance(event, RunFinished):
            self._finished(event.result)

    def seed(self, result: RunResult) -> None:
        """Start from a run being resumed: its goal, its latest plan, and how far each subtask got."""
        self.goal, self.run_id = result.goal, result.run_id
        plan = result.replans[-1] if result.replans else result.plan
        if plan is not None:
            self._plan(plan)
        for step in result.steps:
            state = "waiting for a person" if step.status == "waiting_for_human" else step.status
            self._node(step.subtask.id, agent=step.agent, state=state if step.status != "running" else None)

    def _plan(self, plan: Plan) -> None:
        kept = {k: v for k, v in self.nodes.items() if v.state == "accepted"}
        self.nodes = kept
        for subtask in plan.subtasks:
            if subtask.id not in kept:
                self.nodes[subtask.id] = Node(subtask.id, subtask.description, tuple(subtask.depends_on))

    def _node(
        self,
        subtask_id: str,
        *,
        state: str | None = None,
        agent: str | None = None,
        attempt: int | None = None,
        note: str | None = None,
    ) -> None:
        node = self.nodes.setdefault(subtask_id, Node(subtask_id, "", ()))
        if state is not None:
            node.state = state
        if agent is not None:
            node.agent = agent
        if attempt is not None:
            node.attempt = attempt
        if note is not None:
            node.note = note

    def _verdict(self, event: VerdictGiven) -> None:
        verdict = event.verdict
        state = {"accept": "accepted", "retry": "retried", "reroute": "rerouted", "escalate": "waiting for a person"}
        self._node(event.subtask_id, state=state.get(verdict.decision, "failed"))
        reason = f": {self._t(verdict.feedback, 100)}" if verdict.feedback else ""
        self.verdicts.append(
            f"{event.subtask_id} {event.agent} attempt {event.attempt}: {verdict.decision} by {verdict.decided_by}"
            + reason
        )

    def _finished(self, result: RunResult) -> None:
        self.result = result
        for step in result.steps:
            if step.subtask.id in self.nodes and step.status in ("cancelled", "failed", "rejected", "accepted"):
                self.nodes[step.subtask.id].state = step.status
        if result.status == "cancelled":
            for node in self.nodes.values():
                if node.state in ("running", "retried", "rerouted"):
                    node.state = "cancelled"

    # -- drawing it ----------------------------------------------------------------------------------------

    @property
    def usage(self) -> Usage:
        if self.result is not None:
            return self.result.usage
        # Kept: a run that ends by raising has no result, and its last figures are still the right ones to show.
        self.last_usage = self.usage_so_far(self.run_id) or self.last_usage
        return self.last_usage

    def usage_line(self) -> str:
        usage = self.usage
        return f"{usage.calls} model call(s), {usage.total_tokens} tokens, ${usage.cost_usd:.4f}"

    def node_label(self, node: Node) -> Text:
        mark, colour = STATES.get(node.state, ("·", ""))
        label = Text(f"{mark} ", style=colour)
        label.append(node.subtask_id, style="bold")
        if node.agent:
            label.append(f" {node.agent}", style="cyan")
        label.append(f" {self._t(node.description, 70)}" if node.description else "")
        state = node.state if node.attempt <= 1 else f"{node.state}, attempt {node.attempt}"
        label.append(f" [{state}]", style=colour)
        if node.note and node.state not in ("accepted", "waiting"):
            label.append(f" {node.note}", style="dim")
        return label

    def tree(self) -> Tree:
        tree = Tree(Text(f"Plan: {self._t(self.goal, 70)}", style="bold"), guide_style="dim")
        placed: dict[str, Tree] = {}
        # A snapshot: the live display draws from its own thread while events change the nodes.
        for node in list(self.nodes.values()):
            # Drawn under its last dependency that is already placed, so the tree reads in the order work flows.
            parent = next((placed[d] for d in reversed(node.depends_on) if d in placed), tree)
            placed[node.subtask_id] = parent.add(self.node_label(node))
        return tree

    def render(self) -> RenderableType:
        parts: list[RenderableType] = [self.tree() if self.nodes else Text("planning...", style="dim")]
        for line in self.verdicts[-VERDICTS_SHOWN:]:
            parts.append(Text(f"  verdict {line}", style="dim"))
        for note in self.notes[-3:]:
            parts.append(Text(f"  {note}", style="yellow"))
        parts.append(Text(f"  {self.usage_line()}", style="dim"))
        return Group(*parts)

    def line_for(self, event: Event) -> str | None:
        """One plain line for ``event`` (a pipe or a log has no live display), or None for events not shown."""
        if isinstance(event, PlanMade | Replanned):
            steps = "; ".join(f"{s.id} {self._t(s.description, 60)}" for s in event.plan.subtasks)
            return f"{'re-plan' if isinstance(event, Replanned) else 'plan'}: {steps}"
        if isinstance(event, SubtaskRouted):
            return f"{event.decision.subtask_id} -> {event.decision.agent}"
        if isinstance(event, AttemptStarted) and event.attempt > 1:
            return f"{event.subtask_id} attempt {event.attempt} by {event.agent}"
        if isinstance(event, VerdictGiven):
            return f"verdict {self.verdicts[-1]}"
        if isinstance(event, Rerouted):
            return f"{event.subtask_id} rerouted {event.from_agent} -> {event.to_agent}"
        if isinstance(event, GuardTripped | PolicyStopped):
            return self.notes[-1]
        if isinstance(event, HumanDecided):
            return f"{event.subtask_id}: {event.decision.action} by {event.decision.by}"
        return None
