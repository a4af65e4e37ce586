"""``baton audit``: verify a run's audit log, tell its story, list the runs recorded.

Exit codes: 0 the log verifies (or the listing worked), 1 the log does not verify, 2 a usage error (bad config,
no log, unknown run, missing keys). User mistakes are one clear line, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from supervisor.cli.terminal import print_json
from supervisor.config import load_config
from supervisor.errors import UserError

if TYPE_CHECKING:
    from supervisor.audit.log import AuditLog

EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2

audit_app = typer.Typer(
    name="audit",
    help="Check and read the tamper-evident audit log.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

RunIdArgument = Annotated[str, typer.Argument(help="The run id (as printed by 'baton audit list').")]
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


@contextmanager
def _opened(config: Path | None, run_id: str | None = None) -> Iterator[AuditLog]:
    """The configured log, opened for reading; a user mistake ends the command with exit code 2."""
    # Imported here: the log needs cryptography, which 'baton run' and 'baton version' should not pay for.
    from supervisor.audit.log import open_audit_log

    try:
        log = open_audit_log(load_config(config).audit, create=False)
        if log is None:
            raise UserError("the audit log is disabled ([audit] enabled = false)")
        if run_id is not None and not log.has_run(run_id):
            log.close()
            raise UserError(f"no run {run_id} in the audit log at {log.path}; 'baton audit list' shows the runs")
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    with log:
        yield log


@audit_app.command()
def verify(run_id: RunIdArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Check RUN_ID's hash chain and seal; name the first entry that was changed, removed, added or cut off."""
    with _opened(config, run_id) as log:
        report = log.verify(run_id)
    if as_json:
        fields = ("ok", "entries", "sealed", "first_bad", "problem")
        print_json({"run_id": run_id, **{name: getattr(report, name, None) for name in fields}})
        raise typer.Exit(EXIT_OK if report.ok else EXIT_BAD)
    console = Console(soft_wrap=True)
    if not report.ok:
        where = f" at entry {report.first_bad}" if report.first_bad is not None else ""
        console.print(f"[red]audit log of run {run_id} does not verify{where}[/]: {escape(report.problem)}")
        raise typer.Exit(EXIT_BAD)
    sealed = "sealed" if report.sealed else "not sealed yet (the run is still going)"
    console.print(f"audit log of run {run_id} verifies: {report.entries} entries, {sealed}")


@audit_app.command()
def show(
    run_id: RunIdArgument,
    config: ConfigOption = None,
    full: Annotated[bool, typer.Option("--full", help="Each entry whole, its data as JSON, nothing cut.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Tell the story of RUN_ID, one line per entry (it is not verified: use 'baton audit verify')."""
    from supervisor.audit.story import format_story

    with _opened(config, run_id) as log:
        entries = log.entries(run_id)
    if as_json:
        print_json([{"seq": e.seq, "kind": e.kind, "at": e.at, "data": e.data} for e in entries])
        return
    console = Console(soft_wrap=True, highlight=False)
    console.print(f"[bold]run {run_id}[/]: {len(entries)} entries")
    for entry, line in zip(entries, format_story(entries), strict=True):
        console.print(escape(line))
        if full:
            console.print(escape(json.dumps(entry.data, indent=2, ensure_ascii=False)), f"[dim]at {entry.at}[/]")


@audit_app.command("list")
def list_runs(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the runs in the audit log: id, when it started, status, entries and goal (no keys needed)."""
    from supervisor.audit.listing import list_runs as listed_runs
    from supervisor.audit.log import DEFAULT_LOG_FILE, baton_home

    try:
        settings = load_config(config).audit
        if not settings.enabled:
            raise UserError("the audit log is disabled ([audit] enabled = false)")
        path = Path(settings.path).expanduser() if settings.path else baton_home() / DEFAULT_LOG_FILE
        runs = listed_runs(path)
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        print_json([run.__dict__ for run in runs])
        return
    console = Console(soft_wrap=True)
    if not runs:
        console.print(f"no runs recorded in {escape(str(path))}")
        return
    table = Table(title=f"Runs in {escape(str(path))}", title_justify="left")
    for column in ("run", "started (UTC)", "status", "entries", "goal"):
        table.add_column(column, justify="right" if column == "entries" else "left", no_wrap=column != "goal")
    for run in runs:
        started = run.started_at[:19].replace("T", " ") or "-"
        goal = escape(" ".join(run.goal.split())[:80])
        table.add_row(run.run_id, started, run.status or "-", str(run.entries), goal)
    console.print(table)
