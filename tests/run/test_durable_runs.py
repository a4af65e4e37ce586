"""Durable runs, proven with real processes: SIGKILL at every commit point and at random times, resume, and
compare with a run that never crashed. Effects are counted in the carrier's own table; every run's audit log
must verify after its resume.

Each phase runs in a forked child of one process that imported Baton once (``tests/support/durable_order_desk.py
trials``), so a kill is a real SIGKILL of a real process, and hundreds of them stay affordable.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from supervisor import RunFencedError, RunResult
from supervisor.audit.log import open_audit_log
from supervisor.config import AuditConfig
from supervisor.journal.recording import STEP_RECORDED, value_digest

ROOT = Path(__file__).resolve().parents[2]
SAFE = "Order 5531: 2 keyboards and 1 mouse, ship to 4 Elm Street."
RISKY = "Order 7710: 1 laptop and 1 monitor, ship to a different address than billing."


def phases(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run each phase in a forked child; one outcome per phase (``killed``, ``result``, ``elapsed_s``)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "support" / "durable_order_desk.py"), "trials"],
        input=json.dumps(specs),
        capture_output=True,
        text=True,
        check=False,
        timeout=560,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes: list[dict[str, Any]] = json.loads(done.stdout)
    for spec, outcome in zip(specs, outcomes, strict=True):
        if not spec.get("expect_error"):
            assert outcome["result"] is None or "run_id" in outcome["result"], outcome["result"]
    return outcomes


def bookings(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "bookings.sqlite3") as db:
        return db.execute("SELECT order_id, tracking FROM bookings").fetchall()


def journal_keys(home: Path) -> list[str]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT step_key FROM steps")]


def journal_and_audit_agree(home: Path, run_id: str) -> None:
    """Every recorded step has exactly one audit entry naming it (with its value's digest), every such entry
    its step; the log holds every entry the journal committed, its chain verifies and the run is sealed."""
    with sqlite3.connect(home / "journal.sqlite3") as db:
        steps = dict(db.execute("SELECT step_key, value FROM steps WHERE run_id = ?", (run_id,)).fetchall())
        (committed,) = db.execute("SELECT count(*) FROM audit WHERE run_id = ?", (run_id,)).fetchone()
    log = open_audit_log(AuditConfig(path=str(home / "audit.sqlite3")), create=False)
    assert log is not None
    try:
        entries, report = log.entries(run_id), log.verify(run_id)
    finally:
        log.close()
    described = [e.data for e in entries if e.kind == STEP_RECORDED]
    assert sorted(d["key"] for d in described) == sorted(steps), home.name
    assert all(d["digest"] == value_digest(json.loads(steps[d["key"]])) for d in described), home.name
    assert len(entries) == committed, home.name
    assert report.ok and report.sealed, (home.name, report.problem)


def final_result(home: Path, resumed: dict[str, Any]) -> dict[str, Any]:
    """The resumed run's result; a run killed after its last write was done already, as its journal says."""
    if "is done" not in str(resumed.get("error")):
        return resumed
    with sqlite3.connect(home / "journal.sqlite3") as db:
        (result,) = db.execute("SELECT result FROM runs").fetchone()
    return dict(json.loads(result))


def usage_of(result: dict[str, Any]) -> tuple[int, int]:
    return result["usage"]["calls"], result["usage"]["prompt_tokens"] + result["usage"]["completion_tokens"]


@pytest.fixture
def baseline(tmp_path: Path) -> dict[str, Any]:
    """A run that never crashed: its answer, its usage and how many steps it committed."""
    home = tmp_path / "baseline"
    (outcome,) = phases([{"action": "run", "target": SAFE, "home": str(home)}])
    result = outcome["result"]
    assert result["status"] == "done"
    assert len(bookings(home)) == 1
    journal_and_audit_agree(home, result["run_id"])
    return {"result": result, "writes": outcome["writes"], "audits": outcome["audit_writes"], "run_s": outcome["run_s"]}


def test_a_kill_at_every_commit_point_resumes_to_the_same_answer_with_one_booking(
    tmp_path: Path, baseline: dict[str, Any]
) -> None:
    writes, audits = baseline["writes"], baseline["audits"]
    assert writes >= 10  # the plan, four tool calls, four verdicts, the run's end: every one a journal write
    assert audits == writes  # and each is followed by its append to the audit log
    kills = [(when, k) for k in range(1, writes + 1) for when in ("kill_before", "kill_after")]
    kills += [("kill_after_audit", k) for k in range(1, audits + 1)]
    specs: list[dict[str, Any]] = []
    homes: list[Path] = []
    for when, k in kills:
        home = tmp_path / f"{when}-{k}"
        homes.append(home)
        specs.append({"action": "run", "target": SAFE, "home": str(home), when: k})
        specs.append({"action": "resume", "target": "@only", "home": str(home), "expect_error": True})
    outcomes = phases(specs)
    expected = baseline["result"]
    for home, killed, resumed in zip(homes, outcomes[::2], outcomes[1::2], strict=True):
        assert killed["killed"], f"{home.name}: the process was not killed"
        result = final_result(home, resumed["result"])
        assert result["status"] == "done", (home.name, result.get("error"))
        assert result["output"] == expected["output"], home.name
        assert len(bookings(home)) == 1, home.name  # the idempotent booking happened once
        assert usage_of(result) == usage_of(expected), home.name  # counters replayed, not reset or doubled
        assert sorted(journal_keys(home)) == sorted(journal_keys(tmp_path / "baseline")), home.name
        journal_and_audit_agree(home, result["run_id"])  # brought level on resume (or by listing the runs)


def test_fifty_random_time_kills_with_shuffled_completion_order_lose_nothing_and_repeat_nothing(
    tmp_path: Path, baseline: dict[str, Any]
) -> None:
    draw = random.Random(1342)
    specs: list[dict[str, Any]] = []
    homes: list[Path] = []
    for trial in range(60):
        home = tmp_path / f"trial-{trial}"
        homes.append(home)
        # The first run and its resume draw different latencies: parallel steps finish in another order.
        kill_at = draw.uniform(0.0, 0.9 * baseline["run_s"])  # timed from the moment the run's row landed
        specs.append({"action": "run", "target": SAFE, "home": str(home), "seed": trial, "kill_at_s": kill_at})
        specs.append(
            {"action": "resume", "target": "@only", "home": str(home), "seed": 1000 + trial, "expect_error": True}
        )
    outcomes = phases(specs)
    killed = mid_run = 0
    for home, first, resumed in zip(homes, outcomes[::2], outcomes[1::2], strict=True):
        result = resumed["result"]
        if not first["killed"]:
            # It finished before the kill came: its resume is refused, and that is right.
            assert first["result"]["output"] == baseline["result"]["output"]
            assert "is done" in result["error"], result
            continue
        killed += 1
        result = final_result(home, result)
        if result["status"] == "never started":
            assert not (home / "bookings.sqlite3").exists() or bookings(home) == []
            continue
        mid_run += 1
        assert result["status"] == "done", (home.name, result["error"])
        assert result["output"] == baseline["result"]["output"], home.name
        assert len(bookings(home)) == 1, home.name
        assert usage_of(result) == usage_of(baseline["result"]), home.name
        journal_and_audit_agree(home, result["run_id"])
    assert killed >= 50 and mid_run >= 40  # most kills land while the run is working


def test_an_at_most_once_call_cut_off_before_its_result_goes_to_a_person_not_run_again(tmp_path: Path) -> None:
    home = str(tmp_path / "once")
    common = {"home": home, "at_most_once": True}
    first, resumed, approved = phases(
        [
            {"action": "run", "target": SAFE, "kill_before_key": "tool:create_shipment", **common},
            {"action": "resume", "target": "@only", **common},
            {"action": "resume", "target": "@only", "decision": "approve", **common},
        ]
    )
    assert first["killed"]
    assert bookings(Path(home)) == [("5531", "TRK553101")]  # it acted, and its result never landed
    waiting = resumed["result"]
    assert waiting["status"] == "waiting_for_human"
    assert waiting["pending"]["kind"] == "tool_approval"
    assert "may or may not have acted" in waiting["pending"]["reason"]
    assert "intent:create_shipment" in " ".join(journal_keys(Path(home)))
    # The person let it run again: the carrier de-duplicates on the same key, so still one booking.
    finished = approved["result"]
    assert finished["status"] == "done", finished["error"]
    assert "TRK553101" in finished["output"]
    assert len(bookings(Path(home))) == 1


def test_two_owners_resuming_one_run_exactly_one_proceeds_and_the_other_is_fenced_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.durable_order_desk import supervisor_for

    home = tmp_path / "contended"
    (killed,) = phases([{"action": "run", "target": SAFE, "home": str(home), "kill_after": 3}])
    assert killed["killed"]
    monkeypatch.setenv("BATON_HOME", str(home))
    monkeypatch.setenv("ORDER_DESK_BOOKINGS", str(home / "bookings.sqlite3"))  # undone after the test
    first, second = (supervisor_for(str(home), latency_s=0.05) for _ in range(2))
    run_id = asyncio.run(first.runs())[0].run_id

    async def both() -> list[Any]:
        async def later() -> Any:
            await asyncio.sleep(0.01)  # the first owner claims, then freezes in a slow model call; this one claims
            return await second.resume(run_id)

        try:
            return await asyncio.gather(first.resume(run_id), later(), return_exceptions=True)
        finally:
            await first.aclose()
            await second.aclose()

    outcomes = asyncio.run(both())
    fenced = [o for o in outcomes if isinstance(o, RunFencedError)]
    finished = [o for o in outcomes if isinstance(o, RunResult)]
    assert len(fenced) == 1 and len(finished) == 1, outcomes
    assert finished[0].status == "done" and "TRK553101" in finished[0].output
    assert len(bookings(home)) == 1
    with sqlite3.connect(home / "journal.sqlite3") as db:
        state, epoch = db.execute("SELECT state, epoch FROM runs").fetchone()
    assert (state, epoch) == ("done", 3)  # created at 1, claimed twice; the winner wrote the end


def test_a_persons_approval_in_a_new_process_after_a_kill_resumes_once_and_a_second_answer_is_refused(
    tmp_path: Path,
) -> None:
    home = str(tmp_path / "risky")
    waiting, approved_then_killed, finished, again = phases(
        [
            {"action": "run", "target": RISKY, "home": home},
            {"action": "resume", "target": "@only", "home": home, "decision": "approve", "kill_after": 1},
            {"action": "resume", "target": "@only", "home": home},
            {"action": "resume", "target": "@only", "home": home, "decision": "approve", "expect_error": True},
        ]
    )
    assert waiting["result"]["status"] == "waiting_for_human"
    assert waiting["result"]["pending"]["kind"] == "gate"
    assert "TRK" not in json.dumps(waiting["result"])  # nothing booked while it waited
    assert approved_then_killed["killed"]
    result = finished["result"]
    assert result["status"] == "done", result["error"]
    assert "TRK771001" in result["output"]
    assert len(bookings(Path(home))) == 1
    # The run is done: a second answer is refused, and nothing more is booked.
    assert again["result"] == {"error": "UserError('run " + result["run_id"] + " is done: there is nothing to resume')"}
    assert len(bookings(Path(home))) == 1
    journal_and_audit_agree(Path(home), result["run_id"])


def test_a_guard_changed_between_a_kill_and_the_resume_cannot_flip_a_decision_already_made(
    tmp_path: Path, baseline: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.durable_order_desk import supervisor_for

    home = tmp_path / "changed-guard"
    decided = "s1.p0.v0/attempt:1/guard:output:inventory"
    killed, resumed = phases(
        [
            {"action": "run", "target": SAFE, "home": str(home), "kill_after_key": decided},
            # The same run resumed under a guard that now holds every output of the agent that guard passed.
            {"action": "resume", "target": "@only", "home": str(home), "hold_outputs_of": "inventory"},
        ]
    )
    assert killed["killed"]
    result = resumed["result"]
    assert result["status"] == "done", result.get("error")
    assert result["output"] == baseline["result"]["output"]  # the recorded "pass" stood
    assert decided in journal_keys(home)
    journal_and_audit_agree(home, result["run_id"])

    # Replay under the changed guard reports the decision it would have made otherwise.
    monkeypatch.setenv("BATON_HOME", str(home))
    monkeypatch.setenv("ORDER_DESK_BOOKINGS", str(home / "bookings.sqlite3"))
    report = asyncio.run(supervisor_for(str(home), hold_outputs_of="inventory").replay(result["run_id"]))
    assert not report.reproduced
    assert report.divergences[0] == f"{decided}: the guards decided blocked, recorded pass"


def steps_of(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["subtask"]["id"], s["status"]) for s in result["steps"]]


@pytest.mark.parametrize(
    "limits",
    [{"max_concurrency": 1, "token_budget": 450}, {"max_concurrency": 1, "max_steps": 3}],
    ids=["token-budget", "specialist-steps"],
)
def test_a_budget_stop_after_a_kill_and_a_resume_comes_at_the_same_total_as_without_the_kill(
    tmp_path: Path, limits: dict[str, Any]
) -> None:
    # One step at a time: with parallel steps, which of them is counted before the budget is crossed is a race
    # even without a kill.
    (uninterrupted,) = phases([{"action": "run", "target": SAFE, "home": str(tmp_path / "baseline"), "limits": limits}])
    expected = uninterrupted["result"]
    assert expected["status"] == "stopped" and expected["error_type"] in ("TokenBudgetError", "StepLimitError")
    kills = [(when, k) for k in range(1, uninterrupted["writes"] + 1) for when in ("kill_before", "kill_after")]
    specs: list[dict[str, Any]] = []
    for when, k in kills:
        home = str(tmp_path / f"{when}-{k}")
        specs.append({"action": "run", "target": SAFE, "home": home, "limits": limits, when: k})
        specs.append({"action": "resume", "target": "@only", "home": home, "limits": limits})
    outcomes = phases(specs)
    for (when, k), killed, resumed in zip(kills, outcomes[::2], outcomes[1::2], strict=True):
        name = f"{when}-{k}"
        assert killed["killed"], name
        result = resumed["result"]
        assert result["status"] == "stopped", (name, result.get("error"))
        # The same limit stopped it at the same count: what was spent before the kill was counted, once.
        assert (result["error_type"], result["error"]) == (expected["error_type"], expected["error"]), name
        assert result["usage"] == expected["usage"], name
        assert steps_of(result) == steps_of(expected), name
        assert not (tmp_path / name / "bookings.sqlite3").exists() or bookings(tmp_path / name) == []
        journal_and_audit_agree(tmp_path / name, result["run_id"])


def deadline_of(home: Path) -> float:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        (deadline,) = db.execute("SELECT deadline FROM runs").fetchone()
    return float(deadline)


def test_a_resumed_run_keeps_the_deadline_recorded_when_it_started(tmp_path: Path) -> None:
    home = tmp_path / "in-time"
    before = time.time()
    (killed,) = phases(
        [{"action": "run", "target": SAFE, "home": str(home), "limits": {"goal_timeout_s": 3600}, "kill_after": 3}]
    )
    assert killed["killed"]
    recorded = deadline_of(home)
    assert before + 3600 <= recorded <= time.time() + 3600  # an absolute time, fixed when the run started
    # Resumed under a config that would give it two hours from now: it keeps the hour it was given.
    (resumed,) = phases(
        [{"action": "resume", "target": "@only", "home": str(home), "limits": {"goal_timeout_s": 7200}}]
    )
    assert resumed["result"]["status"] == "done", resumed["result"]["error"]
    assert deadline_of(home) == recorded


def test_a_deadline_that_passed_while_the_run_was_down_stops_the_resume_at_once_with_that_reason(
    tmp_path: Path,
) -> None:
    home = tmp_path / "late"
    # Killed after the stock, price and fraud steps, just before the shipment's intent: nothing booked yet.
    common = {"home": str(home), "at_most_once": True, "limits": {"goal_timeout_s": 3600}}
    (killed,) = phases([{"action": "run", "target": SAFE, "kill_before_key": "intent:create_shipment", **common}])
    assert killed["killed"]
    with sqlite3.connect(home / "journal.sqlite3") as db:  # the hour went by while the run was down
        db.execute("UPDATE runs SET deadline = ?", (time.time() - 60,))
        answers = [json.loads(v) for (v,) in db.execute("SELECT value FROM steps")]
    model_answers = sum(1 for v in answers if isinstance(v, dict) and "prompt" in v)
    # The verdicts that were durable at the kill (a verdict waits for the run's next write, so the last may not be).
    judged = sorted({key.split("/")[0].split(".")[0] for key in journal_keys(home) if "/verdict:" in key})
    assert judged[:2] == ["s1", "s2"]
    (resumed,) = phases([{"action": "resume", "target": "@only", **common}])
    result = resumed["result"]
    assert result["status"] == "stopped"
    assert result["error_type"] == "GoalTimeoutError"
    assert "passed while the run was stopped" in result["error"]
    # Everything recorded replayed (the recorded checks stay accepted); nothing new ran: no model call, no booking.
    assert [s for s in steps_of(result) if s[1] == "accepted"] == [(sid, "accepted") for sid in judged]
    assert result["usage"]["calls"] == model_answers
    assert not (home / "bookings.sqlite3").exists() or bookings(home) == []
    assert not any("intent:" in key for key in journal_keys(home))  # a run past its deadline writes no intent
    journal_and_audit_agree(home, result["run_id"])
    # Resumed again, it stops again the same way: the deadline stays where it was.
    (again,) = phases([{"action": "resume", "target": "@only", **common}])
    assert again["result"]["error_type"] == "GoalTimeoutError"


def test_a_resumed_runs_timer_runs_to_the_recorded_deadline_not_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.durable_order_desk import supervisor_for

    home = tmp_path / "timer"
    (killed,) = phases(
        [{"action": "run", "target": SAFE, "home": str(home), "limits": {"goal_timeout_s": 3600}, "kill_after": 2}]
    )
    assert killed["killed"]
    monkeypatch.setenv("BATON_HOME", str(home))
    monkeypatch.setenv("ORDER_DESK_BOOKINGS", str(home / "bookings.sqlite3"))
    # Every model answer now takes a minute: with a fresh hour the run would finish; with its two seconds it cannot.
    supervisor = supervisor_for(str(home), latency_s=60.0, limits={"goal_timeout_s": 3600})
    run_id = asyncio.run(supervisor.runs())[0].run_id
    with sqlite3.connect(home / "journal.sqlite3") as db:  # most of the hour went by while the run was down
        db.execute("UPDATE runs SET deadline = ?", (time.time() + 2.0,))
    result = supervisor.resume_sync(run_id)
    assert result.status == "stopped" and result.error_type == "GoalTimeoutError"
    assert "ran past its deadline" in (result.error or "") and "fixed when the run first started" in (
        result.error or ""
    )
