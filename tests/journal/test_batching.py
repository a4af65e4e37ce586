"""What is cheap to redo waits for the run's next journal write: a fast model's answers and the decisions made
from them are committed together, and before anything outside the run acts (a tool call) they are on disk.

The killed-process proof of the same promise is ``tests/run/test_durable_runs.py`` (a kill at every commit point
resumes to the same answer with one booking)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.audit_trail import verified_kinds

from supervisor import BatonConfig, Card, RunScript, ScriptedCall, ScriptedModel, Specialist, Supervisor, Team, Tool
from supervisor.journal.sqlite import SqliteJournal
from supervisor.run import context

STAGES = 5


def pipeline_supervisor(name: str) -> Supervisor:
    team = Team(
        [
            Specialist(name=f"agent{i}", card=Card(name=f"agent{i}", description=f"Does stage {i}"), instructions="Go.")
            for i in range(STAGES)
        ]
    )

    def answer(call: ScriptedCall) -> object:
        if call.output_type is not None:
            return {"decision": "accept", "feedback": "", "agent": ""}
        return "The stage is done in full, with every detail the task asked for."

    config = BatonConfig.model_validate(
        {"routing": {"similarity": "bm25"}, "checking": {"judge": "model", "min_relevance": 0}}
    )
    return Supervisor(team, model=ScriptedModel(respond=answer, name=name), config=config)


def count_commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many steps each journal commit carried, in order."""
    carried: list[int] = []
    real = SqliteJournal.commit

    async def commit(self: SqliteJournal, run_id: str, epoch: int, steps: Any, *args: Any, **kwargs: Any) -> Any:
        carried.append(len(steps))
        return await real(self, run_id, epoch, steps, *args, **kwargs)

    monkeypatch.setattr(SqliteJournal, "commit", commit)
    return carried


def journal_keys(home: Path, run_id: str) -> set[str]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return {row[0] for row in db.execute("SELECT step_key FROM steps WHERE run_id = ?", (run_id,))}


def test_a_fast_models_answers_and_decisions_are_committed_together_once(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = pipeline_supervisor("fast")
    pipeline = [f"agent{i}" for i in range(STAGES)]
    supervisor.run_sync("Process order #1041.", pipeline=pipeline)  # imports on first use count as model time
    carried = count_commits(monkeypatch)
    result = supervisor.run_sync("Process order #1042.", pipeline=pipeline)

    assert result.status == "done", result.error
    assert result.usage.calls == 2 * STAGES + 1  # a specialist answer and a verdict per stage, then the answer
    keys = journal_keys(baton_home, result.run_id)
    assert len(carried) == 1 and carried[0] == len(keys)  # every step in one commit, at the run's end
    assert sum("/work:" in k or "/verdict:" in k for k in keys) >= 2 * STAGES
    report, kinds = verified_kinds(result.run_id)
    assert report.ok and report.sealed, report.problem
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert kinds.count("StepRecorded") == len(keys)  # each step's audit entry went with it


def test_answers_that_took_long_enough_are_committed_as_they_come(
    baton_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "REDO_BOUND_S", 0.0)  # any model time is worth a commit
    carried = count_commits(monkeypatch)
    result = pipeline_supervisor("slow").run_sync("Process order #1042.", pipeline=[f"agent{i}" for i in range(5)])

    assert result.status == "done", result.error
    # One commit per answer, each with what was decided before it; the last decision (the final answer's guard)
    # goes before the run's end.
    assert len(carried) == result.usage.calls + 1
    assert sum(carried) == len(journal_keys(baton_home, result.run_id))


def test_what_led_to_a_tool_call_is_on_disk_when_the_tool_acts(baton_home: Path) -> None:
    on_disk: list[set[str]] = []

    def book(city: str) -> str:
        """Book a delivery.

        Args:
            city: where to
        """
        with sqlite3.connect(baton_home / "journal.sqlite3") as db:  # another connection: only what committed
            on_disk.append({row[0] for row in db.execute("SELECT step_key FROM steps")})
        return f"booked to {city}"

    tool = Tool.from_function(book, side_effects=True, delivery="idempotent")  # no intent written before it
    card = Card(name="bookings", description="Books deliveries.", tools=("book",), privilege="write")
    team = Team([Specialist(name="bookings", card=card, instructions="You book.", tools=(tool,))])

    def calls(call: ScriptedCall) -> Any:
        return ("book", {"city": "Lyon"}) if call.tool_round == 1 else None

    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "guards": {"tools": {"book": "allow"}}})
    model = RunScript(plan=[("s1", "Book the delivery to Lyon", [])], tool_calls=calls).model("gpt-4o")
    result = Supervisor(team, config=config, model=model).run_sync("Book a delivery to Lyon for customer 7731.")

    assert result.status == "done", result.error
    (seen,) = on_disk
    assert "plan/attempt:0/planned" in seen  # the plan decided from the model's answer
    assert "s1.p0.v0/attempt:1/tool-call:bookings/1" in seen  # the model's answer that asked for the call
    assert any("/guard:" in key for key in seen)  # the guard decisions on the way
