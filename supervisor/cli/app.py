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
from rich.table import Table

from supervisor.audit.redaction import Redactor
from supervisor.cli.audit import audit_app
from supervisor.cli.durable import register as register_durable_commands
from supervisor.cli.printer import EscalationHandlerOnTerminal, EventPrinter
from supervisor.config import BatonConfig, load_config
from supervisor.errors import BatonError, UserError
from supervisor.models import Probeable, resolve_model
from supervisor.safe_text import one_line, undecodable_byte
from supervisor.supervisor import Supervisor, load_team

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="baton",
    help="Baton: LLM-supervised multi-agent orchestration.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(audit_app, name="audit")
register_durable_commands(app)


@app.command()
def run(
    goal: Annotated[str, typer.Argument(help="The goal, e.g. a customer support ticket.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")] = False,
    ask: Annotated[
        bool, typer.Option("--ask", help="Ask me at the terminal when a person must decide (else the run waits).")
    ] = False,
) -> None:
    """Run GOAL with the configured team and print the plan, each step and the final answer."""
    console = Console(stderr=as_json)
    try:
        bad_byte = undecodable_byte(goal)
        if bad_byte is not None:
            raise UserError(f"the goal is not valid UTF-8: byte 0x{bad_byte[1]:02x} at position {bad_byte[0]}")
        loaded = load_config(config)
        handler = EscalationHandlerOnTerminal(console) if ask else None
        supervisor = Supervisor(config=loaded, escalation_handler=handler)
        printer = None if as_json else EventPrinter(console, Redactor.from_config(loaded))
        result = supervisor.run_sync(goal, on_event=printer)
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(one_line(str(exc)))}")
        raise typer.Exit(EXIT_USAGE) from None
    except BatonError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]run failed[/]: {escape(one_line(str(exc)))}")
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_json_dict(), indent=2) + "\n")
    elif result.status == "waiting_for_human" and loaded.journal.enabled:
        console.print(f"run {result.run_id} waits for a person: baton resume {result.run_id} --approve | --reject")
    raise typer.Exit(EXIT_DONE if result.status == "done" else EXIT_FAILED)


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
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(one_line(str(exc)))}")
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
