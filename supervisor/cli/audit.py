"""``baton audit``: verify a run's audit log, tell its story, list the runs recorded.

Exit codes: 0 the log verifies (or the listing worked), 1 the log does not verify (a run or the run index was
changed, cut or rewritten; a run is truncated; the file is damaged), 2 a usage error (bad config, no log, unknown
run, missing keys). Every problem is one clear line, never a traceback. Text from the log is printed with its
control characters and escape sequences made visible, so a log cannot drive the reader's terminal.
"""

from __future__ import annotations

import asyncio
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
from supervisor.errors import AuditFileError, JournalError, UserError
from supervisor.safe_text import for_terminal, one_line

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
LiveWithinOption = Annotated[
    float | None,
    typer.Option(
        "--live-within",
        min=0,
        help="Seconds without a write or heartbeat after which an unsealed run is truncated (default 300).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


@contextmanager
def _opened(config: Path | None, run_id: str | None = None, *, level: bool = False) -> Iterator[AuditLog]:
    """The configured log, opened for reading (``level``: brought level with the journal first, so entries a
    crash kept from it are there); a user mistake ends the command with exit code 2."""
    # Imported here: the log needs cryptography, which 'baton run' and 'baton version' should not pay for.
    from supervisor.audit.leveling import level_configured
    from supervisor.audit.log import open_audit_log

    try:
        loaded = load_config(config)
        log = open_audit_log(loaded.audit, create=False)
        if log is None:
            raise UserError("the audit log is disabled ([audit] enabled = false)")
        if level:
            try:
                asyncio.run(level_configured(loaded, log))
            except BaseException:
                log.close()
                raise
        if run_id is not None and not log.has_run(run_id):
            log.close()
            raise UserError(f"no run {run_id} in the audit log at {log.path}; 'baton audit list' shows the runs")
    except UserError as exc:
        _say_error("error", exc)
        raise typer.Exit(EXIT_USAGE) from None
    except AuditFileError as exc:
        _say_error("audit log damaged", exc)
        raise typer.Exit(EXIT_BAD) from None
    except JournalError as exc:
        _say_error("error", exc)
        raise typer.Exit(EXIT_USAGE) from None
    with log:
        try:
            yield log
        except AuditFileError as exc:
            _say_error("audit log damaged", exc)
            raise typer.Exit(EXIT_BAD) from None


def _say_error(label: str, exc: Exception) -> None:
    Console(stderr=True, soft_wrap=True).print(f"[red]{label}[/]: {escape(one_line(str(exc)))}")


@audit_app.command()
def verify(
    run_id: Annotated[
        str | None, typer.Argument(help="The run id (as printed by 'baton audit list'); without it, every run.")
    ] = None,
    config: ConfigOption = None,
    live_within: LiveWithinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the file, the signed run index and RUN_ID's chain, state and seal (every run without RUN_ID); name
    the first entry that was changed, removed, added or cut off, and any run deleted, reordered or truncated."""
    with _opened(config, run_id, level=True) as log:
        problems = log.check_file()
        if problems:
            raise AuditFileError(str(log.path), "; ".join(problems[:3]))
        whole = log.verify_index()
        within = {} if live_within is None else {"live_within_s": live_within}
        indexed = whole.runs if whole.ok else None  # a broken index is reported once, by itself
        one = [log.verify(run_id, indexed=indexed, **within)] if run_id is not None else None
        reports = one if one is not None else log.verify_all(**within)[1:]
    bad = [r for r in reports if not r.ok]
    if as_json:
        fields = ("run_id", "ok", "entries", "sealed", "truncated", "first_bad", "problem")
        index = {"ok": whole.ok, "problem": whole.problem, "runs": len(whole.runs)}
        found = [{name: getattr(r, name, None) for name in fields} for r in reports]
        # One run: its report, with the index's; the whole log: the index and every run.
        print_json({**found[0], "index": index} if run_id is not None else {"index": index, "runs": found})
        raise typer.Exit(EXIT_BAD if bad or not whole.ok else EXIT_OK)
    console = Console(soft_wrap=True, highlight=False)
    if not whole.ok:
        console.print(f"[red]audit log {escape(str(log.path))} does not verify[/]: {escape(whole.problem)}")
    for report in bad:
        where = f" at entry {report.first_bad}" if report.first_bad is not None else ""
        what = "is truncated" if report.truncated else f"does not verify{where}"
        console.print(f"[red]audit log of run {report.run_id} {what}[/]: {escape(for_terminal(report.problem))}")
    if bad or not whole.ok:
        raise typer.Exit(EXIT_BAD)
    for report in reports:
        sealed = "sealed" if report.sealed else "not sealed yet (the run is live: its owner wrote to it recently)"
        console.print(f"audit log of run {report.run_id} verifies: {report.entries} entries, {sealed}")
    if run_id is None:
        console.print(f"the signed run index verifies: {len(whole.runs)} run(s), {whole.size} record(s)")


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
    for entry, line in zip(entries, format_story(entries), strict=True):  # each line is terminal-safe
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
        goal = escape(for_terminal(" ".join(run.goal.split())[:80]))
        status = escape(for_terminal(run.status)) or "-"
        table.add_row(escape(for_terminal(run.run_id)), escape(started), status, str(run.entries), goal)
    console.print(table)
