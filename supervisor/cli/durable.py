"""The durable-run commands: ``baton runs`` lists the journal's runs, ``baton resume RUN_ID`` continues one,
``baton replay RUN_ID`` reads one back against its recorded answers; ``baton submit GOAL`` queues a run and
``baton worker`` executes queued runs (Postgres journal, procrastinate).

A run stopped by a crash, a policy, Ctrl-C or a question for a person resumes from its journal: recorded steps
replay, only what was never recorded runs. A person answers with ``--approve``, ``--reject``, ``--edit TEXT`` or
``--answer TEXT``; answering a question twice is refused.
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
from supervisor.cli.printer import EventPrinter
from supervisor.config import load_config
from supervisor.errors import AuditStorageError, BatonError, JournalError, UserError
from supervisor.result import HumanAction, HumanDecision, RunResult
from supervisor.run.durable import ReplayReport
from supervisor.safe_text import one_line
from supervisor.supervisor import Supervisor

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Path to baton.toml.")]


def _usage_error(exc: Exception) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[red]error[/]: {escape(one_line(str(exc)))}")
    return typer.Exit(EXIT_USAGE)


def runs(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
    limit: Annotated[int, typer.Option(help="How many runs, most recent first.", min=1)] = 50,
) -> None:
    """List the journal's runs and their states (most recently updated first); the audit log is brought level
    with the journal first (entries a crash kept from it are appended)."""
    try:
        loaded = load_config(config)
        if not loaded.journal.enabled:
            raise UserError("the journal is disabled ([journal] enabled = false): no runs are recorded")
        from supervisor.audit.leveling import bring_level
        from supervisor.audit.log import open_audit_log
        from supervisor.journal.stores import open_journal

        async def listed() -> list[dict[str, object]]:
            journal = await open_journal(loaded.journal)
            try:
                log = open_audit_log(loaded.audit)
                if log is not None:
                    with log:
                        await bring_level(journal, log)
                rows = await journal.runs(limit)
            finally:
                await journal.close()
            return [
                r.model_dump(mode="json", include={"run_id", "state", "goal", "owner", "epoch", "updated_at"})
                for r in rows
            ]

        found = asyncio.run(listed())
    except (UserError, BatonError) as exc:
        raise _usage_error(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
        return
    table = Table(title="Runs", title_justify="left")
    for column in ("run", "state", "updated", "goal"):
        table.add_column(column)
    for row in found:
        table.add_row(
            str(row["run_id"]), str(row["state"]), str(row["updated_at"])[:19], escape(one_line(str(row["goal"]))[:60])
        )
    Console(soft_wrap=True).print(table)


def _decision(approve: bool, reject: bool, edit: str | None, answer: str | None, by: str) -> HumanDecision | None:
    chosen: list[tuple[HumanAction, str]] = []
    if approve:
        chosen.append(("approve", ""))
    if reject:
        chosen.append(("reject", ""))
    if edit is not None:
        chosen.append(("edit", edit))
    if answer is not None:
        chosen.append(("answer", answer))
    if len(chosen) > 1:
        raise UserError("give one of --approve, --reject, --edit or --answer")
    if not chosen:
        return None
    action, text = chosen[0]
    try:
        return HumanDecision(action=action, text=text, by=by)
    except ValueError as exc:
        raise UserError(f"--{action} needs the text") from exc


def resume(
    run_id: Annotated[str, typer.Argument(help="The run's id (see 'baton runs').")],
    *,
    config: ConfigOption = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve what the run waits for.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject what the run waits for.")] = False,
    edit: Annotated[str | None, typer.Option("--edit", help="Replace the output with this text.")] = None,
    answer: Annotated[str | None, typer.Option("--answer", help="Answer in the agent's place.")] = None,
    by: Annotated[str, typer.Option("--by", help="Who decides (recorded).")] = "person",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")] = False,
) -> None:
    """Continue a stopped run from its journal; with a person's answer when it waits for one."""
    console = Console(stderr=as_json)
    try:
        decision = _decision(approve, reject, edit, answer, by)
        loaded = load_config(config)
        supervisor = Supervisor(config=loaded)
        printer = None if as_json else EventPrinter(console, Redactor.from_config(loaded))
        result = _resumed(supervisor, run_id, decision, printer)
    except (UserError, JournalError, AuditStorageError) as exc:  # a store fault is fixed outside the run: exit 2
        raise _usage_error(exc) from None
    except BatonError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]run failed[/]: {escape(one_line(str(exc)))}")
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_json_dict(), indent=2) + "\n")
    elif result.status == "waiting_for_human":
        console.print(f"run {result.run_id} waits for a person: baton resume {result.run_id} --approve | --reject")
    raise typer.Exit(EXIT_DONE if result.status == "done" else EXIT_FAILED)


def _resumed(
    supervisor: Supervisor, run_id: str, decision: HumanDecision | None, printer: EventPrinter | None
) -> RunResult:
    async def work() -> RunResult:
        try:
            return await supervisor.resume(run_id, decision, on_event=printer)
        finally:
            await supervisor.aclose()

    return asyncio.run(work())


def replay(
    run_id: Annotated[str, typer.Argument(help="The run's id (see 'baton runs').")],
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-run a recorded run against its recorded answers (no model, no tool, nothing written); exit 1 where a
    decision diverges."""
    try:
        supervisor = Supervisor(config=load_config(config))

        async def replayed() -> ReplayReport:
            try:
                return await supervisor.replay(run_id)
            finally:
                await supervisor.aclose()

        report = asyncio.run(replayed())
    except BatonError as exc:
        raise _usage_error(exc) from None
    if as_json:
        data = {"run_id": report.run_id, "reproduced": report.reproduced, "divergences": list(report.divergences)}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif report.reproduced:
        Console(soft_wrap=True).print(f"run {report.run_id}: every decision reproduced")
    else:
        console = Console(soft_wrap=True)
        console.print(f"run {report.run_id}: {len(report.divergences)} divergence(s)")
        for divergence in report.divergences:
            console.print(f"  {escape(one_line(divergence))}")
    raise typer.Exit(EXIT_DONE if report.reproduced else EXIT_FAILED)


StoreOption = Annotated[
    str | None, typer.Option("--store", help="The Postgres journal, postgresql://... (else [journal] store).")
]


def _with_store(config: Path | None, store: str | None) -> Supervisor:
    loaded = load_config(config)
    if store is not None:
        loaded = loaded.model_copy(update={"journal": loaded.journal.model_copy(update={"store": store})})
    return Supervisor(config=loaded)


def submit(
    goal: Annotated[str, typer.Argument(help="The goal to queue for the workers.")],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Record GOAL as a run in the Postgres journal and queue it for 'baton worker'; prints the run id."""
    try:
        supervisor = _with_store(config, store)

        async def submitted() -> str:
            try:
                return await supervisor.submit(goal)
            finally:
                await supervisor.aclose()

        run_id = asyncio.run(submitted())
    except BatonError as exc:
        raise _usage_error(exc) from None
    typer.echo(run_id)


def worker(
    config: ConfigOption = None,
    store: StoreOption = None,
    concurrency: Annotated[int, typer.Option(help="Runs this worker executes at once.", min=1)] = 4,
) -> None:
    """Execute queued runs until stopped (Ctrl-C); a dead worker's runs come back and resume here."""
    try:
        supervisor = _with_store(config, store)
        from supervisor.workers import run_worker

        asyncio.run(run_worker(supervisor, concurrency=concurrency))
    except BatonError as exc:
        raise _usage_error(exc) from None


def register(app: typer.Typer) -> None:
    """Add the durable-run commands to ``app``."""
    app.command(name="runs")(runs)
    app.command(name="resume")(resume)
    app.command(name="replay")(replay)
    app.command(name="submit")(submit)
    app.command(name="worker")(worker)
