"""A run's decisions land in the tamper-evident audit log by default, and ``baton audit`` reads them back."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from support.teams import make_team, plan_answer, responder
from typer.testing import CliRunner

from supervisor import BatonConfig, ScriptedModel, Supervisor
from supervisor.audit.log import open_audit_log
from supervisor.cli.app import app
from supervisor.config import AuditConfig

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


def test_every_decision_is_committed_before_the_next_step_acts(baton_home: Path) -> None:
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
