"""``baton runs`` and ``baton resume``: the saved runs, and continuing one that waits for a person or was cancelled.

What can be resumed: a run saved by ``baton run`` or the REPL (``$BATON_HOME/runs``) that stopped waiting for a
person, or was cancelled; it continues from its accepted work with the configuration in force now.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from supervisor.audit.redaction import Redactor
from supervisor.cli.printer import EscalationHandlerOnTerminal, EventPrinter
from supervisor.cli.saved_runs import SavedRuns
from supervisor.cli.terminal import EXIT_DONE, EXIT_FAILED, err, fail, load, out, print_json, working
from supervisor.errors import BatonError, UserError
from supervisor.result import HumanAction, HumanDecision, RunResult
from supervisor.supervisor import Supervisor

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


def runs(as_json: JsonOption = False) -> None:
    """List the saved runs: id, when, status and goal (newest last)."""
    saved = SavedRuns()
    listed = saved.list()
    if as_json:
        print_json(
            [
                {"run_id": r.run_id, "saved_at": r.saved_at.isoformat(), "status": r.status, "goal": r.goal}
                for r in listed
            ]
        )
        return
    console = out()
    if not listed:
        console.print(f"no runs saved in {escape(str(saved.folder))}: 'baton run GOAL' or 'baton repl' makes one")
        return
    table = Table(title=f"Runs saved in {escape(str(saved.folder))}", title_justify="left")
    for column in ("run", "when", "status", "goal"):
        table.add_column(column, no_wrap=column != "goal", overflow="fold")
    for run in listed:
        when = run.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        table.add_row(run.run_id, when, run.status, escape(" ".join(run.goal.split())[:100]))
    console.print(table)


def resume(
    run_id: Annotated[str, typer.Argument(help="The run id (as 'baton runs' lists it; a unique prefix will do).")],
    decision: Annotated[
        str | None,
        typer.Option(help="approve, reject, edit or answer (else asked at the terminal)"),
    ] = None,
    text: Annotated[str, typer.Option(help="The edited output or the answer, for edit and answer.")] = "",
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Continue RUN_ID: a run waiting for a person (with their decision) or a cancelled run (from its accepted work)."""
    console = out(as_json=as_json)
    loaded = load(config, announce_team=False)
    try:
        result = SavedRuns().load(run_id)
        answer: HumanDecision | None = None
        if result.status == "waiting_for_human" and result.pending is not None:
            if decision is not None:
                answer = _decision(decision, text)
            else:
                answer = EscalationHandlerOnTerminal(console)(result.pending)
        elif decision is not None:
            raise UserError(f"run {result.run_id} is {result.status}: it needs no decision")
        with working(console, "loading the team and its models..."):
            supervisor = Supervisor(config=loaded)
        printer = None if as_json else EventPrinter(console, Redactor.from_config(loaded))

        async def go() -> RunResult:
            async with supervisor:
                return await supervisor.resume(result, answer, on_event=printer)

        resumed = asyncio.run(go())
    except BatonError as exc:
        fail(exc, hint="'baton runs' lists the runs and their status")
    save_result(resumed)
    if as_json:
        print_json(resumed.to_json_dict())
    raise typer.Exit(EXIT_DONE if resumed.status == "done" else EXIT_FAILED)


def save_result(result: RunResult) -> None:
    """Keep the result, so 'baton runs' lists it and 'baton resume' can continue it."""
    try:
        SavedRuns().save(result)
    except OSError as exc:
        err().print(f"[yellow]the result was not saved ({escape(str(exc))}); 'baton resume' cannot find it[/]")


def _decision(action: str, text: str) -> HumanDecision:
    actions: tuple[HumanAction, ...] = ("approve", "reject", "edit", "answer")
    if action not in actions:
        raise UserError(f"--decision must be one of {', '.join(actions)}, not {action!r}")
    try:
        return HumanDecision.model_validate({"action": action, "text": text, "by": "cli"})
    except ValueError:
        raise UserError(f"--decision {action} needs --text") from None


def register(app: typer.Typer) -> None:
    app.command()(runs)
    app.command()(resume)
