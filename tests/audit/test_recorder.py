"""A run's decisions land in the tamper-evident audit log by default, and ``baton audit`` reads them back."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Mapping
from pathlib import Path

import pytest
from support.teams import make_team, plan_answer, responder
from typer.testing import CliRunner

from supervisor import (
    BatonConfig,
    Card,
    Event,
    RunResult,
    RunScript,
    ScriptedCall,
    ScriptedModel,
    Specialist,
    Supervisor,
    Team,
    Tool,
)
from supervisor.audit.log import AuditLog, RunBatch, open_audit_log
from supervisor.cli.app import app
from supervisor.config import AuditConfig
from supervisor.run import context

PLAN = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))


def run_once(goal: str = "Refund order #1042") -> tuple[Supervisor, str]:
    model = ScriptedModel(respond=responder(PLAN, verdicts=["retry"]), name="audited")
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "checking": {"judge": "model"}})
    sup = Supervisor(make_team(), model=model, config=config)
    result = sup.run_sync(goal)
    assert result.status == "done", result.error
    return sup, result.run_id


def test_every_decision_of_a_run_is_recorded_and_verifies(baton_home: Path) -> None:
    sup, run_id = run_once()
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        report = log.verify(run_id)
        assert report.ok and report.sealed, report.problem
        entries = log.entries(run_id)
    kinds = [e.kind for e in entries]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert {"PlanMade", "SubtaskRouted", "AttemptStarted", "VerdictGiven"} <= set(kinds)
    started = entries[0].data
    assert started["config_fingerprint"] == sup._audit.fingerprint and len(started["config_fingerprint"]) == 64
    routed = [e.data for e in entries if e.kind == "SubtaskRouted"]
    assert all(r["decision"]["reason"] for r in routed)  # the route and why
    verdicts = [e.data["verdict"]["decision"] for e in entries if e.kind == "VerdictGiven"]
    assert verdicts[0] == "retry" and verdicts[-1] == "accept"
    assert stat.S_IMODE((baton_home / "audit.sqlite3").stat().st_mode) == 0o600


def test_a_changed_entry_is_caught_by_baton_audit_verify(baton_home: Path) -> None:
    _, run_id = run_once()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", run_id])
    assert ok.exit_code == 0, ok.output
    with sqlite3.connect(baton_home / "audit.sqlite3") as db:
        (table,) = next(r for r in db.execute("select name from sqlite_master where type='table'") if "entr" in r[0])
        db.execute(f"update {table} set data = replace(data, 'retry', 'accept') where run_id = ?", (run_id,))
    db.close()
    bad = runner.invoke(app, ["audit", "verify", run_id])
    assert bad.exit_code == 1
    assert "entry" in bad.output
    story = runner.invoke(app, ["audit", "show", run_id])
    assert story.exit_code == 0 and "VerdictGiven" in story.output


def test_secrets_are_redacted_before_they_reach_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-live-51HxSECRETvalue9"
    monkeypatch.setenv("PAYMENTS_API_KEY", secret)
    _, run_id = run_once(goal=f"Refund order #1042 using key {secret}")
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        text = " ".join(str(e.data) for e in log.entries(run_id))
    assert secret not in text
    assert "***" in text


def test_audit_can_be_turned_off() -> None:
    model = ScriptedModel(respond=responder(PLAN), name="unaudited")
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "audit": {"enabled": False}})
    Supervisor(make_team(), model=model, config=config).run_sync("Refund order #1042")
    with pytest.raises(Exception, match="no audit log"):
        open_audit_log(AuditConfig(), create=False)


def committed_entries(home: Path) -> int:
    """How many entries another connection (another process, a crash) sees committed right now."""
    db = sqlite3.connect(home / "audit.sqlite3")
    try:
        (committed,) = db.execute("select count(*) from entries").fetchone()
    finally:
        db.close()
    return int(committed)


def test_every_decision_is_committed_before_a_tool_acts_and_a_fast_runs_entries_share_few_commits(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emitted: list[Event] = []
    at_the_call: list[tuple[int, int]] = []
    transactions: list[int] = []
    append_runs = AuditLog.append_runs

    def counting_append_runs(self: AuditLog, batches: Mapping[str, RunBatch], *, sync: bool = True) -> dict[str, int]:
        transactions.append(sum(len(batch.entries) for batch in batches.values()))
        return append_runs(self, batches, sync=sync)

    def book(city: str) -> str:
        """Book a delivery.

        Args:
            city: where to
        """
        at_the_call.append((committed_entries(baton_home), len(emitted)))
        return f"booked to {city}"

    monkeypatch.setattr(AuditLog, "append_runs", counting_append_runs)
    # A fast model: no answer took long enough to be worth a commit of its own (a first call's imports would).
    monkeypatch.setattr(context, "REDO_BOUND_S", float("inf"))
    tool = Tool.from_function(book, side_effects=True, delivery="idempotent")
    card = Card(name="bookings", description="Books deliveries.", tools=("book",), privilege="write")
    team = Team([Specialist(name="bookings", card=card, instructions="You book.", tools=(tool,))])

    def calls(call: ScriptedCall) -> object:
        return ("book", {"city": "Lyon"}) if call.tool_round == 1 else None

    settings = {"routing": {"similarity": "bm25"}, "guards": {"tools": {"book": "allow"}}}
    settings["journal"] = {"enabled": False}
    model = RunScript(plan=[("s1", "Book the delivery to Lyon", [])], tool_calls=calls).model("gpt-4o")
    sup = Supervisor(team, config=BatonConfig.model_validate(settings), model=model)
    result = sup.run_sync("Book a delivery to Lyon for customer 7731.", on_event=emitted.append)

    assert result.status == "done", result.error
    (committed, made) = at_the_call[0]
    assert committed == made > 1  # every entry made before the tool acted was on disk when it acted
    # The start, the write before the tool, and the end: model answers on a fast model wait for one of those.
    assert len(transactions) == 3 < result.usage.calls + 2


def test_every_decision_is_committed_before_the_next_step_acts_on_a_slow_model(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "REDO_BOUND_S", 0.0)  # every answer took long enough to be worth a commit
    seen: list[object] = []
    committed_at_calls: list[tuple[int, int]] = []
    answer = responder(PLAN)

    def respond(call: object) -> object:
        # Another connection (another process, a crash) sees exactly what was committed at this moment.
        db = sqlite3.connect(baton_home / "audit.sqlite3")
        try:
            (committed,) = db.execute("select count(*) from entries").fetchone()
        finally:
            db.close()
        committed_at_calls.append((committed, len(seen)))
        return answer(call)  # type: ignore[arg-type]

    model = ScriptedModel(respond=respond, name="committed")
    # Without a journal the log commits before each step; a journaled run commits its entries with its steps
    # (tests/run/test_durable_runs.py kills it between every two writes).
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "journal": {"enabled": False}})
    sup = Supervisor(make_team(), model=model, config=config)
    result = sup.run_sync("Refund order #1042", on_event=seen.append)
    assert result.status == "done", result.error
    assert len(committed_at_calls) >= 4
    assert all(committed == emitted for committed, emitted in committed_at_calls)


def test_concurrent_runs_share_step_commits_and_each_step_acts_on_committed_decisions(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "REDO_BOUND_S", 0.0)  # a slow model: every step boundary commits
    seen: dict[str, list[Event]] = {"1042": [], "1043": []}
    checked: list[tuple[int, int]] = []
    shared: list[int] = []
    answer = responder(PLAN)
    append_runs = AuditLog.append_runs

    def counting_append_runs(self: AuditLog, batches: Mapping[str, RunBatch], *, sync: bool = True) -> dict[str, int]:
        shared.append(len(batches))
        return append_runs(self, batches, sync=sync)

    def respond(call: ScriptedCall) -> object:
        order = next((o for o in seen if any(o in str(m["content"]) for m in call.messages)), None)
        if order is None:  # a verdict's prompt does not name the goal: which run asks is unknown
            return answer(call)
        run_id = seen[order][0].run_id
        db = sqlite3.connect(baton_home / "audit.sqlite3")  # what another process would see right now
        try:
            (committed,) = db.execute("select count(*) from entries where run_id = ?", (run_id,)).fetchone()
        finally:
            db.close()
        checked.append((committed, len(seen[order])))
        return answer(call)

    monkeypatch.setattr(AuditLog, "append_runs", counting_append_runs)
    # Calls that take time, as a provider's do: the two runs interleave (a model that answers without yielding to
    # the event loop would let the first run finish before the second starts).
    model = ScriptedModel(respond=respond, name="committed", latency_s=0.001)
    # Shared commits are the audit log's own: a journaled run commits its entries with its journal steps instead.
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "journal": {"enabled": False}})
    sup = Supervisor(make_team(), model=model, config=config)

    async def two_runs() -> list[RunResult]:
        return await asyncio.gather(
            *(sup.run(f"Refund order #{order}", on_event=events.append) for order, events in seen.items())
        )

    results = asyncio.run(two_runs())
    assert all(r.status == "done" for r in results), [r.error for r in results]
    assert len(checked) >= 4
    assert all(committed == emitted for committed, emitted in checked)
    assert 2 in shared  # both runs' entries went into one transaction at least once
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        assert all(log.verify(r.run_id).sealed for r in results)


def test_parallel_steps_of_one_run_share_a_commit(baton_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "REDO_BOUND_S", 0.0)  # a slow model: every step boundary commits
    plan = plan_answer(*((f"s{i}", f"Write reply email number {i}", []) for i in range(1, 5)))
    emitted: list[Event] = []
    checked: list[tuple[int, int]] = []
    transactions: list[int] = []
    append_runs = AuditLog.append_runs
    answer = responder(plan)

    def counting_append_runs(self: AuditLog, batches: Mapping[str, RunBatch], *, sync: bool = True) -> dict[str, int]:
        transactions.append(sum(len(batch.entries) for batch in batches.values()))
        return append_runs(self, batches, sync=sync)

    def respond(call: ScriptedCall) -> object:
        db = sqlite3.connect(baton_home / "audit.sqlite3")
        try:
            (committed,) = db.execute("select count(*) from entries").fetchone()
        finally:
            db.close()
        checked.append((committed, len(emitted)))
        return answer(call)

    monkeypatch.setattr(AuditLog, "append_runs", counting_append_runs)
    model = ScriptedModel(respond=respond, name="parallel", latency_s=0.01)  # the four steps overlap
    settings = {"routing": {"similarity": "bm25"}, "planning": {"mode": "free"}, "checking": {"judge": "code"}}
    config = BatonConfig.model_validate({**settings, "limits": {"max_concurrency": 4}, "journal": {"enabled": False}})
    result = Supervisor(make_team(), model=model, config=config).run_sync("Refund order #1042", on_event=emitted.append)
    assert result.status == "done", result.error
    assert len(result.plan.subtasks) == 4 if result.plan else False
    # Each call finds what was emitted before its step began committed (a step that began later may have emitted
    # more since); at the first call, everything.
    assert checked[0][0] == checked[0][1] and all(committed > 0 for committed, _ in checked)
    # One transaction per step taken alone would make calls + 1 (the start and the seal besides); the first step of
    # the wave commits alone, the three that began beside it share one transaction.
    assert len(transactions) == len(model.calls) - 1
