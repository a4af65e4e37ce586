"""The audit log is brought level from the journal: entries a crash kept from the log (the journal committed
them, the append to the log never happened) are appended in order, once, and the chain verifies."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.teams import make_team, plan_answer, responder
from typer.testing import CliRunner

from supervisor import BatonConfig, ScriptedModel, Supervisor
from supervisor.audit.leveling import level_configured
from supervisor.audit.log import AuditLog, open_audit_log
from supervisor.cli.app import app
from supervisor.config import AuditConfig
from supervisor.journal.recording import STEP_RECORDED

PLAN = plan_answer(("s1", "Write the reply email about the refund", []), ("s2", "Review the draft", ["s1"]))


def lose_appends_after(monkeypatch: pytest.MonkeyPatch, kept: int) -> None:
    """Appends to the audit log after the first ``kept`` are lost, as a crash after the journal's commit loses them."""
    real = AuditLog.append_at
    calls = [0]

    def append_at(self: AuditLog, *args: Any, **kwargs: Any) -> bool:
        calls[0] += 1
        return real(self, *args, **kwargs) if calls[0] <= kept else True

    monkeypatch.setattr(AuditLog, "append_at", append_at)


def committed_in_journal(home: Path, run_id: str) -> list[str]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT kind FROM audit WHERE run_id = ? ORDER BY seq", (run_id,))]


def run_losing_the_tail(home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patched:
        lose_appends_after(patched, kept=1)
        model = ScriptedModel(respond=responder(PLAN), name="levelled")
        config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}})
        result = Supervisor(make_team(), model=model, config=config).run_sync("Refund order #1042")
    assert result.status == "done", result.error
    return result.run_id


def test_audit_verify_brings_the_log_level_with_the_journal_and_a_second_time_appends_nothing(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_id = run_losing_the_tail(baton_home, monkeypatch)
    journaled = committed_in_journal(baton_home, run_id)
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        assert 0 < log.head_seq(run_id) < len(journaled)  # the log lags: its run is unsealed
        assert not log.verify(run_id).sealed

    config = tmp_path / "baton.toml"
    config.write_text('[team]\nfactory = "support.teams:make_team"\n')
    verified = CliRunner().invoke(app, ["audit", "verify", run_id, "-c", str(config)])
    assert verified.exit_code == 0, verified.output
    assert "verifies" in verified.output

    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        entries = log.entries(run_id)
        assert [e.kind for e in entries] == journaled  # in the journal's order, each once
        assert asyncio.run(level_configured(BatonConfig(), log)) == 0
        assert log.verify(run_id).sealed
    steps = [e.data["key"] for e in entries if e.kind == STEP_RECORDED]
    with sqlite3.connect(baton_home / "journal.sqlite3") as db:
        assert sorted(steps) == sorted(r[0] for r in db.execute("SELECT step_key FROM steps"))


def test_listing_the_runs_brings_the_log_level_too(baton_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = run_losing_the_tail(baton_home, monkeypatch)
    supervisor = Supervisor(make_team(), model=ScriptedModel(respond=responder(PLAN), name="lister"))
    rows = asyncio.run(supervisor.runs())
    assert [r.run_id for r in rows] == [run_id]
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None
    with log:
        assert [e.kind for e in log.entries(run_id)] == committed_in_journal(baton_home, run_id)
        assert log.verify(run_id).ok
