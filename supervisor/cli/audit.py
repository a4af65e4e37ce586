"""``baton audit``: verify a run's audit log, tell its story, list the runs recorded.

Exit codes: 0 the log verifies (or the listing worked), 1 the log does not verify, 2 a usage error (bad config,
no log, unknown run, missing keys). User mistakes are one clear line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

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
def verify(run_id: RunIdArgument, config: ConfigOption = None) -> None:
    """Check RUN_ID's hash chain and seal; name the first entry that was changed, removed, added or cut off."""
    with _opened(config, run_id) as log:
        report = log.verify(run_id)
    console = Console(soft_wrap=True)
    if not report.ok:
        where = f" at entry {report.first_bad}" if report.first_bad is not None else ""
        console.print(f"[red]audit log of run {run_id} does not verify{where}[/]: {escape(report.problem)}")
        raise typer.Exit(EXIT_BAD)
    sealed = "sealed" if report.sealed else "not sealed yet (the run is still going)"
    console.print(f"audit log of run {run_id} verifies: {report.entries} entries, {sealed}")


@audit_app.command()
def show(run_id: RunIdArgument, config: ConfigOption = None) -> None:
    """Tell the story of RUN_ID, one line per entry (it is not verified: use 'baton audit verify')."""
    from supervisor.audit.story import format_story

    with _opened(config, run_id) as log:
        entries = log.entries(run_id)
    console = Console(soft_wrap=True, highlight=False)
    console.print(f"[bold]run {run_id}[/]: {len(entries)} entries")
    for line in format_story(entries):
        console.print(escape(line))


@audit_app.command("list")
def list_runs(config: ConfigOption = None) -> None:
    """List the runs in the audit log: id, status and number of entries."""
    with _opened(config) as log:
        runs = log.runs()
    console = Console(soft_wrap=True)
    if not runs:
        console.print(f"no runs recorded in {escape(str(log.path))}")
        return
    table = Table(title=f"Runs in {escape(str(log.path))}", title_justify="left")
    for column in ("run", "status", "entries"):
        table.add_column(column, justify="right" if column == "entries" else "left", no_wrap=column == "run")
    for run, status, entries in runs:
        table.add_row(run, status or "-", str(entries))
    console.print(table)
