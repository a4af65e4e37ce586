"""Rendering a run's typed events for people: one printer for the CLI (and the REPL), secrets redacted.

``EventPrinter`` is an event sink; ``ask_on_terminal`` is an escalation handler that puts the question to the
person at the terminal, which makes the terminal the approval channel.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table

from supervisor.audit.redaction import Redactor
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
    SubtaskRouted,
    ToolCalled,
    VerdictGiven,
)
from supervisor.result import Escalation, HumanDecision, RunResult
from supervisor.safe_text import for_terminal


class EventPrinter:
    """Prints a run as it happens: the plan, each routing, attempt, verdict, guard hit and escalation."""

    def __init__(self, console: Console, redactor: Redactor | None = None) -> None:
        self.console = console
        self._redactor = redactor or Redactor(())

    def _text(self, text: str) -> str:
        # Agent and tool text may carry escape sequences: shown, never acted on by the terminal.
        return escape(for_terminal(self._redactor.redact(text)))

    def __call__(self, event: Event) -> None:
        out, t = self.console, self._text
        if isinstance(event, PlanMade):
            table = Table(title="Plan", show_lines=False, title_justify="left")
            for column in ("id", "subtask", "done when", "after"):
                table.add_column(column)
            for s in event.plan.subtasks:
                table.add_row(s.id, t(s.description), t(s.acceptance_criteria), ", ".join(s.depends_on) or "-")
            out.print(table)
        elif isinstance(event, SubtaskRouted):
            route = event.decision
            out.print(f"[bold]{route.subtask_id}[/] -> [cyan]{route.agent}[/] ({route.decided_by}: {t(route.reason)})")
        elif isinstance(event, ToolCalled):
            out.print(f"   {event.agent} calls tool [magenta]{event.tool}[/]({t(event.query[:60])!r})")
        elif isinstance(event, AttemptStarted):
            out.print(f"   attempt {event.attempt}: {event.agent} working...")
        elif isinstance(event, VerdictGiven):
            v = event.verdict
            colour = "green" if v.decision == "accept" else "yellow"
            note = f": {t(v.feedback)}" if v.feedback else ""
            out.print(f"   verdict [{colour}]{v.decision}[/] (by {v.decided_by}){note}")
        elif isinstance(event, GuardTripped):
            colour = "red" if event.status == "blocked" else "yellow"
            why = t("; ".join(event.reasons))[:160]
            out.print(f"   [{colour}]guard {event.guard} {event.status}[/] {event.channel} of {event.agent}: {why}")
        elif isinstance(event, Rerouted):
            out.print(f"   rerouted {event.from_agent} -> [cyan]{event.to_agent}[/]: {t(event.reason)}")
        elif isinstance(event, Replanned):
            out.print(f"[bold]re-planned[/] ({t(event.reason)}): {len(event.plan.subtasks)} new subtask(s)")
        elif isinstance(event, EscalationRaised):
            e = event.escalation
            what = f"{e.tool}({t(e.arguments or '')!r})" if e.kind == "tool_approval" else e.kind
            out.print(f"   [yellow]escalated to a person[/] ({what}, {e.subtask_id}): {t(e.reason)}")
        elif isinstance(event, HumanDecided):
            answer = event.decision
            out.print(f"   [bold]{t(answer.by)}[/] decided: {answer.action}")
        elif isinstance(event, PolicyStopped):
            out.print(f"[red]policy {event.policy} stopped the run[/]: {t(event.detail)}")
        elif isinstance(event, RunFinished):
            self._finished(event.result)

    def _finished(self, result: RunResult) -> None:
        out, t = self.console, self._text
        if result.status == "done":
            out.print(Panel(t(result.output), title="Final answer", title_align="left"))
        elif result.status == "waiting_for_human" and result.pending is not None:
            out.print(f"[yellow]waiting for a person[/]: {t(result.pending.reason)}")
        else:
            out.print(f"[red]run {result.status}[/]: {t(result.error or '')}")
        out.print(usage_table(result))
        out.print(f"[dim]run {result.run_id}: 'baton audit show {result.run_id}' tells its story[/]")


def progress_note(event: Event) -> str | None:
    """What a spinner says while the run works after ``event`` (None: keep what it says)."""
    if isinstance(event, PlanMade | Replanned):
        return "routing the subtasks..."
    if isinstance(event, SubtaskRouted):
        return f"{event.decision.subtask_id}: {event.decision.agent} is working..."
    if isinstance(event, AttemptStarted):
        return f"{event.subtask_id}: {event.agent} is working (attempt {event.attempt})..."
    if isinstance(event, ToolCalled):
        return f"{event.subtask_id}: {event.agent} calls {event.tool}..."
    if isinstance(event, VerdictGiven):
        return "checking the outputs..." if event.verdict.decision == "accept" else f"{event.subtask_id}: retrying..."
    return None


def usage_table(result: RunResult) -> Table:
    table = Table(title=f"Usage of run {result.run_id}", title_justify="left")
    for column in ("role", "calls", "prompt tokens", "completion tokens", "cost (USD)"):
        table.add_column(column, justify="left" if column == "role" else "right")
    rows = [*result.usage_by_agent.items(), ("total", result.usage)]
    for role, usage in rows:
        table.add_row(
            role, str(usage.calls), str(usage.prompt_tokens), str(usage.completion_tokens), f"{usage.cost_usd:.6f}"
        )
    return table


class EscalationHandlerOnTerminal:
    """Asks the person at the terminal to decide an escalation (the approval channel of ``baton run --ask``)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, escalation: Escalation) -> HumanDecision:
        out = self.console
        body = escalation.call_text() if escalation.kind == "tool_approval" else escalation.output or "(no output)"
        out.print(Panel(escape(body), title=escape(f"{escalation.agent}: {escalation.task}")))
        out.print(f"[yellow]A person must decide[/]: {escape(escalation.reason)}")
        if escalation.kind == "tool_approval":
            choice = Prompt.ask("approve or reject the call", choices=["approve", "reject"], console=out)
            return HumanDecision(action=choice, by="terminal")  # type: ignore[arg-type]
        choice = Prompt.ask("decide", choices=["approve", "reject", "edit", "answer"], console=out)
        text = Prompt.ask("your text", console=out) if choice in ("edit", "answer") else ""
        return HumanDecision(action=choice, text=text, by="terminal")  # type: ignore[arg-type]
