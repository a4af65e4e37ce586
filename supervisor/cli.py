"""The ``baton`` command line.

Exit codes: 0 the run is done, 1 the run failed, 2 a usage error (bad arguments, bad config, unknown model).
User mistakes are one clear message, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from supervisor.audit_cli import audit_app
from supervisor.config import BatonConfig, load_config
from supervisor.events import (
    AttemptStarted,
    Event,
    PlanMade,
    PolicyStopped,
    Replanned,
    Rerouted,
    RunFinished,
    SubtaskRouted,
    ToolCalled,
    VerdictGiven,
)
from supervisor.exceptions import BatonError, UserError
from supervisor.models import Probeable, resolve_model
from supervisor.runner import Supervisor, load_team
from supervisor.state import RunResult

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="baton",
    help="Baton: LLM-supervised multi-agent orchestration.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(audit_app, name="audit")


class _EventPrinter:
    """Prints a run as it happens: the plan, each routing, attempt and verdict."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, event: Event) -> None:
        out = self.console
        if isinstance(event, PlanMade):
            table = Table(title="Plan", show_lines=False, title_justify="left")
            for column in ("id", "subtask", "done when", "after"):
                table.add_column(column)
            for s in event.plan.subtasks:
                table.add_row(
                    s.id, escape(s.description), escape(s.acceptance_criteria), ", ".join(s.depends_on) or "-"
                )
            out.print(table)
        elif isinstance(event, SubtaskRouted):
            d = event.decision
            out.print(f"[bold]{d.subtask_id}[/] -> [cyan]{d.agent}[/] ({d.decided_by}: {escape(d.reason)})")
        elif isinstance(event, ToolCalled):
            out.print(f"   {event.agent} calls tool [magenta]{event.tool}[/]({escape(event.query[:60])!r})")
        elif isinstance(event, AttemptStarted):
            out.print(f"   attempt {event.attempt}: {event.agent} working...")
        elif isinstance(event, VerdictGiven):
            v = event.verdict
            colour = "green" if v.decision == "accept" else "yellow"
            note = f": {escape(v.feedback)}" if v.feedback else ""
            out.print(f"   verdict [{colour}]{v.decision}[/] (by {v.decided_by}){note}")
        elif isinstance(event, Rerouted):
            out.print(f"   rerouted {event.from_agent} -> [cyan]{event.to_agent}[/]: {escape(event.reason)}")
        elif isinstance(event, Replanned):
            out.print(f"[bold]re-planned[/] ({escape(event.reason)}): {len(event.plan.subtasks)} new subtask(s)")
        elif isinstance(event, PolicyStopped):
            out.print(f"[red]policy {event.policy} stopped the run[/]: {escape(event.detail)}")
        elif isinstance(event, RunFinished):
            result = event.result
            if result.status == "done":
                out.print(Panel(escape(result.output), title="Final answer", title_align="left"))
            elif result.status == "waiting_for_human" and result.pending is not None:
                out.print(f"[yellow]waiting for a person[/]: {escape(result.pending.reason)}")
            else:
                out.print(f"[red]run {result.status}[/]: {escape(result.error or '')}")
            out.print(_usage_table(result))


@app.command()
def run(
    goal: Annotated[str, typer.Argument(help="The goal, e.g. a customer support ticket.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")] = False,
) -> None:
    """Run GOAL with the configured team and print the plan, each step and the final answer."""
    console = Console(stderr=as_json)
    try:
        supervisor = Supervisor(config=load_config(config))
        printer = None if as_json else _EventPrinter(console)
        result = supervisor.run_sync(goal, on_event=printer)
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    except BatonError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]run failed[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_json_dict(), indent=2) + "\n")
    raise typer.Exit(EXIT_DONE if result.status == "done" else EXIT_FAILED)


def _usage_table(result: RunResult) -> Table:
    table = Table(title=f"Usage of run {result.run_id}", title_justify="left")
    for column in ("role", "calls", "prompt tokens", "completion tokens", "cost (USD)"):
        table.add_column(column, justify="left" if column == "role" else "right")
    rows = [*result.usage_by_agent.items(), ("total", result.usage)]
    for role, usage in rows:
        table.add_row(
            role, str(usage.calls), str(usage.prompt_tokens), str(usage.completion_tokens), f"{usage.cost_usd:.6f}"
        )
    return table


def _model_strings(config: BatonConfig) -> dict[str, str]:
    """The model string of every role, without resolving any (so one bad model does not hide the others)."""
    team = load_team(config.team.factory)
    roles = {"supervisor": config.supervisor_model}
    for member in team:
        declared = member.model if isinstance(member.model, str) else None
        roles[member.name] = config.model_for(member.name, declared)
    return roles


async def _probe(spec: str, config: BatonConfig, timeout_s: float) -> tuple[bool, str]:
    try:
        model = resolve_model(spec, config.providers)
        if not isinstance(model, Probeable):
            return True, "no probe available"
        return True, await asyncio.wait_for(model.probe(timeout_s), timeout_s + 1)
    except TimeoutError:
        return False, f"no answer within {timeout_s:g} s"
    except Exception as exc:  # a probe reports every failure as a status line, never a traceback
        return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@app.command()
def models(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each probe.")] = 3.0,
) -> None:
    """List the model each role uses and whether it can be reached (a short probe per model)."""
    try:
        loaded = load_config(config)
        roles = _model_strings(loaded)
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None

    async def probe_all() -> dict[str, tuple[bool, str]]:
        unique = sorted(set(roles.values()))
        results = await asyncio.gather(*(_probe(spec, loaded, timeout) for spec in unique))
        return dict(zip(unique, results, strict=True))

    status = asyncio.run(probe_all())
    table = Table(title="Models", title_justify="left")
    for column in ("role", "model", "status"):
        table.add_column(column)
    for role, spec in roles.items():
        ok, detail = status[spec]
        table.add_row(role, spec, f"[green]ok[/] {escape(detail)}" if ok else f"[red]unreachable[/] {escape(detail)}")
    Console(soft_wrap=True).print(table)
    raise typer.Exit(EXIT_DONE if all(ok for ok, _ in status.values()) else EXIT_FAILED)


@app.command()
def version() -> None:
    """Print Baton's version."""
    from supervisor import __version__

    typer.echo(__version__)


def main() -> None:
    app()
