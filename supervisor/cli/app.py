"""The ``baton`` command line.

Exit codes: 0 the run is done, 1 the run failed, 2 a usage error (bad arguments, bad config, unknown model).
User mistakes are one clear message, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from supervisor.audit.redaction import Redactor
from supervisor.cli.audit import audit_app
from supervisor.cli.durable import register as register_durable_commands
from supervisor.cli.printer import EscalationHandlerOnTerminal, EventPrinter, progress_note
from supervisor.cli.starter import init
from supervisor.cli.terminal import EXIT_DONE, EXIT_FAILED, EXIT_USAGE, fail, load, out, print_json, working
from supervisor.config import BatonConfig
from supervisor.errors import BatonError, UserError
from supervisor.events import Event
from supervisor.models import Probeable, resolve_model
from supervisor.result import RunResult
from supervisor.safe_text import undecodable_byte
from supervisor.supervisor import Supervisor, load_team

app = typer.Typer(
    name="baton",
    help="Baton: LLM-supervised multi-agent orchestration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(audit_app, name="audit")
app.command()(init)
register_durable_commands(app)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


def _show_version(value: bool) -> None:
    if value:
        from supervisor import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", "-V", help="Print Baton's version.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """Baton: LLM-supervised multi-agent orchestration."""
    # instructor logs each failed structured answer at ERROR; Baton reports those itself, so without a
    # handler of the user's own its lines would reach stderr through logging's last resort.
    instructor_log = logging.getLogger("instructor")
    if not any(isinstance(h, logging.NullHandler) for h in instructor_log.handlers):
        instructor_log.addHandler(logging.NullHandler())


@app.command()
def run(
    goal: Annotated[str, typer.Argument(help="The goal, e.g. a customer support ticket.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
    ask: Annotated[
        bool, typer.Option("--ask", help="Ask me at the terminal when a person must decide (else the run waits).")
    ] = False,
) -> None:
    """Run GOAL with the configured team and print the plan, each step and the final answer."""
    console = out(as_json=as_json)
    loaded = load(config)
    try:
        bad_byte = undecodable_byte(goal)
        if bad_byte is not None:
            raise UserError(f"the goal is not valid UTF-8: byte 0x{bad_byte[1]:02x} at position {bad_byte[0]}")
        handler = EscalationHandlerOnTerminal(console) if ask else None
        with working(console, "loading the team and its models..."):
            supervisor = Supervisor(config=loaded, escalation_handler=handler)
        printer = None if as_json else EventPrinter(console, Redactor.from_config(loaded))
        result = _run_with_spinner(supervisor, goal, console, printer)
    except BatonError as exc:
        fail(exc)
    if as_json:
        print_json(result.to_json_dict())
    elif result.status == "waiting_for_human" and loaded.journal.enabled:
        console.print(f"run {result.run_id} waits for a person: baton resume {result.run_id} --approve | --reject")
    raise typer.Exit(EXIT_DONE if result.status == "done" else EXIT_FAILED)


def _run_with_spinner(supervisor: Supervisor, goal: str, console: Console, printer: EventPrinter | None) -> RunResult:
    """The run, with a spinner saying what it works on (on a terminal; the printer's lines scroll above it)."""
    if not console.is_terminal:
        return supervisor.run_sync(goal, on_event=printer)
    with console.status("planning...") as status:

        def on_event(event: Event) -> None:
            if printer is not None:
                printer(event)
            note = progress_note(event)
            if note is not None:
                status.update(note)

        return supervisor.run_sync(goal, on_event=on_event)


def _model_strings(config: BatonConfig) -> dict[str, str]:
    """The model string of every role, without resolving any (so one bad model does not hide the others)."""
    team = load_team(config.team.factory)
    roles = {"supervisor": config.supervisor_model}
    for member in team:
        declared = member.model if isinstance(member.model, str) else None
        roles[member.name] = config.model_for(member.name, declared)
    return roles


async def _probe(spec: str, config: BatonConfig, timeout_s: float) -> tuple[str, str]:
    """(state, detail): ``ok``, ``config error`` (a mistake to fix in the config) or ``unreachable``."""
    try:
        model = resolve_model(spec, config.providers)
    except UserError as exc:  # unknown provider, missing file or credential: nothing was tried on the network
        return "config error", str(exc)
    try:
        if not isinstance(model, Probeable):
            return "ok", "no probe available"
        return "ok", await asyncio.wait_for(model.probe(timeout_s), timeout_s + 1)
    except TimeoutError:
        return "unreachable", f"no answer within {timeout_s:g} s"
    except UserError as exc:
        return "config error", str(exc)
    except Exception as exc:  # a probe reports every failure as a status, never a traceback
        return "unreachable", str(exc) or type(exc).__name__


@app.command()
def models(
    config: ConfigOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each probe.")] = 3.0,
    as_json: JsonOption = False,
) -> None:
    """List the model each role uses and whether it can be reached (a short probe per model)."""
    loaded = load(config, announce_team=not as_json)
    try:
        roles = _model_strings(loaded)
    except UserError as exc:
        fail(exc)

    async def probe_all() -> dict[str, tuple[str, str]]:
        unique = sorted(set(roles.values()))
        results = await asyncio.gather(*(_probe(spec, loaded, timeout) for spec in unique))
        return dict(zip(unique, results, strict=True))

    with working(out(as_json=as_json), "probing the models..."):
        status = asyncio.run(probe_all())
    states = {state for state, _ in status.values()}
    code = EXIT_USAGE if "config error" in states else EXIT_FAILED if "unreachable" in states else EXIT_DONE
    if as_json:
        rows = [{"role": r, "model": s, "status": status[s][0], "detail": status[s][1]} for r, s in roles.items()]
        print_json(rows)
        raise typer.Exit(code)
    table = Table(title="Models", title_justify="left")
    for column in ("role", "model", "status"):
        table.add_column(column, no_wrap=column != "status", overflow="fold")
    colours = {"ok": "green", "config error": "red", "unreachable": "yellow"}
    for role, spec in roles.items():
        state, detail = status[spec]
        table.add_row(role, spec, f"[{colours[state]}]{state}[/] {escape(detail)}")
    out().print(table)
    raise typer.Exit(code)


@app.command()
def repl(
    config: ConfigOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False,
) -> None:
    """An interactive session: type goals, watch the plan unfold, answer escalations, change models."""
    from supervisor.audit.log import baton_home
    from supervisor.repl import Repl

    loaded = load(config)
    try:
        session = Repl(loaded, home=baton_home(), debug=debug)
    except BatonError as exc:
        fail(exc)
    asyncio.run(session.main())


@app.command()
def version(as_json: JsonOption = False) -> None:
    """Print Baton's version."""
    from supervisor import __version__

    if as_json:
        print_json({"version": __version__})
    else:
        typer.echo(__version__)


def main() -> None:
    app()
