"""Processes that run (or resume) an order-desk goal with a scripted model, for the crash tests.

    python tests/support/durable_order_desk.py run GOAL [--kill-before K | --kill-after K] [--seed S]
    python tests/support/durable_order_desk.py resume RUN_ID [--approve] [--kill-before K] [--seed S]
    python tests/support/durable_order_desk.py trials < TRIALS.json

``trials`` imports Baton once, then runs each phase of each trial in a forked child process of its own (a real
process, SIGKILLed for real), so hundreds of kills cost no re-import; it prints one outcome per phase as JSON.

``--kill-before K`` SIGKILLs the process just before its K-th journal write (the step ran, its record never
landed); ``--kill-after K`` just after it (the journal holds the step and its audit entries, the audit log not
yet); a trial's ``kill_after_audit`` just after its K-th append to the audit log. ``--seed S`` gives every model
call a random latency drawn from S, so parallel steps finish in another order on every run. It prints the result
as JSON when it lives to the end.
The carrier's bookings go where ``ORDER_DESK_BOOKINGS`` says; the journal and audit log under ``BATON_HOME``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from specialists.order_desk import order_desk_team  # noqa: E402
from supervisor import (  # noqa: E402
    Guard,
    GuardedMessage,
    GuardResult,
    HumanDecision,
    Supervisor,
    Team,
    load_config,
)
from supervisor.audit.log import AuditLog  # noqa: E402
from supervisor.journal.sqlite import SqliteJournal  # noqa: E402
from supervisor.testing import RunScript, ScriptedModel  # noqa: E402

WRITES = {"journal": 0, "audit": 0}
"""How many journal writes (steps with their audit entries, the run's end) and audit-log appends this process
made: the commit points a crash test kills at."""
_ORIGINAL = (SqliteJournal.commit, SqliteJournal.set_state, AuditLog.append_at)


def die_at_commit(
    kill_before: int | None,
    kill_after: int | None,
    before_key: str | None = None,
    kill_after_audit: int | None = None,
    after_key: str | None = None,
) -> None:
    """SIGKILL this process before or after its k-th journal write, before the write of a step whose key holds
    ``before_key``, or after its k-th append to the audit log (between a journal write and the next)."""
    WRITES.update(journal=0, audit=0)  # a forked phase counts its own writes, not its parent's
    commit, set_state, appended = _ORIGINAL

    def counted(original: Any, keys: Any) -> Any:
        async def write(self: SqliteJournal, *args: Any, **kwargs: Any) -> Any:
            WRITES["journal"] += 1
            named = before_key is not None and any(before_key in k for k in keys(args))
            if WRITES["journal"] == kill_before or named:
                os.kill(os.getpid(), signal.SIGKILL)
            done = await original(self, *args, **kwargs)
            wrote = after_key is not None and any(after_key in k for k in keys(args))
            if WRITES["journal"] == kill_after or wrote:
                os.kill(os.getpid(), signal.SIGKILL)
            return done

        return write

    SqliteJournal.commit = counted(commit, lambda args: [k for k, _ in args[2]])  # type: ignore[method-assign]
    SqliteJournal.set_state = counted(set_state, lambda args: [])  # type: ignore[method-assign]

    def append_at(self: AuditLog, *args: Any, **kwargs: Any) -> bool:
        done = appended(self, *args, **kwargs)
        WRITES["audit"] += 1
        if WRITES["audit"] == kill_after_audit:
            os.kill(os.getpid(), signal.SIGKILL)
        return done

    AuditLog.append_at = append_at  # type: ignore[method-assign]


def signal_start(ready: int) -> None:
    """Write one byte to ``ready`` once the run's row landed: the parent times a kill from there."""
    original = SqliteJournal.create_run

    async def create_run(self: SqliteJournal, row: Any, owner: str) -> int:
        epoch = await original(self, row, owner)
        os.write(ready, b"1")
        return epoch

    SqliteJournal.create_run = create_run  # type: ignore[method-assign]


def random_latency(seed: int) -> None:
    draw = random.Random(seed)
    original = ScriptedModel.complete

    async def complete(self: ScriptedModel, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(draw.uniform(0.0, 0.03))
        return await original(self, *args, **kwargs)

    ScriptedModel.complete = complete  # type: ignore[method-assign]


PLAN = [
    ("s1", "Check stock for the order items", ()),
    ("s2", "Price the order", ()),
    ("s3", "Run a fraud check on the order", ()),
    ("s4", "Book the shipment and send the tracking number", ("s1", "s2", "s3")),
]


def holding_outputs_of(agent: str) -> Guard:
    """A guard (as one changed after a crash might be) that blocks every output of ``agent``."""

    def guard(message: GuardedMessage) -> GuardResult:
        if message.channel == "output" and message.agent == agent:
            return GuardResult("blocked", message.text, "hold", (f"outputs of {agent} are held",))
        return GuardResult("pass", message.text)

    return guard


def supervisor_for(
    home: str,
    *,
    at_most_once: bool = False,
    latency_s: float = 0.0,
    hold_outputs_of: str | None = None,
    limits: dict[str, Any] | None = None,
) -> Supervisor:
    """The order desk with its own journal, audit log and carrier table under ``home``; a model that plans
    freely and judges (so plans and verdicts are recorded steps too); ``hold_outputs_of`` adds a guard;
    ``limits`` overrides ``[limits]`` settings (a token budget, agent runs, the goal's timeout)."""
    os.environ["BATON_HOME"] = home
    Path(home).mkdir(parents=True, exist_ok=True)
    os.environ["ORDER_DESK_BOOKINGS"] = str(Path(home) / "bookings.sqlite3")
    team = order_desk_team()
    if at_most_once:
        tool = team["fulfillment"].tools[0]
        swapped = dataclasses.replace(tool, delivery="at_most_once")
        team = Team(
            [dataclasses.replace(s, tools=(swapped,)) if s.name == "fulfillment" else s for s in team],
            workflow=team.workflow,
            deliverable=team.deliverable,
        )
    # BM25 card ranking: the same decisions on every run, without a sentence model's seconds per process.
    env = {"BATON_ROUTING__SIMILARITY": "bm25"}
    env.update({f"BATON_LIMITS__{name.upper()}": str(value) for name, value in (limits or {}).items()})
    config = load_config(ROOT / "examples" / "order_desk" / "baton.toml", env=env)
    guards = [holding_outputs_of(hold_outputs_of)] if hold_outputs_of else []
    model = RunScript(plan=PLAN).model("durable-desk", latency_s=latency_s)
    return Supervisor(team, config=config, model=model, guards=guards)


def phase(spec: dict[str, Any]) -> dict[str, Any]:
    """One phase in this (forked) process; its result is written where ``spec["out"]`` says."""
    die_at_commit(
        spec.get("kill_before"),
        spec.get("kill_after"),
        spec.get("kill_before_key"),
        spec.get("kill_after_audit"),
        spec.get("kill_after_key"),
    )
    if spec.get("seed") is not None:
        random_latency(spec["seed"])
    supervisor = supervisor_for(
        spec["home"],
        at_most_once=spec.get("at_most_once", False),
        hold_outputs_of=spec.get("hold_outputs_of"),
        limits=spec.get("limits"),
    )
    if spec["action"] == "run":
        result = supervisor.run_sync(spec["target"])
    else:
        target = spec["target"]
        if target == "@only":  # the run the killed phase started: the journal's only one
            rows = asyncio.run(supervisor.runs())
            if not rows:
                return {"run_id": None, "status": "never started"}  # killed before the run's row landed
            target = rows[0].run_id
        decision = HumanDecision(action=spec["decision"], by="risk team") if spec.get("decision") else None
        result = supervisor.resume_sync(target, decision)
    return result.to_json_dict()


def trials() -> None:
    with tempfile.TemporaryDirectory() as scratch:  # one run here first: every child starts warm
        phase({"action": "run", "target": "Order 1000: 1 mouse, ship to 1 Main Street.", "home": scratch})
    outcomes = []
    for spec in json.load(sys.stdin):
        read, write = os.pipe()
        ready_read, ready_write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            os.close(ready_read)
            signal_start(ready_write)
            try:
                data = json.dumps({"result": phase(spec), **WRITES}).encode()
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                os._exit(0)
            except BaseException as exc:  # reported to the test, which fails with it
                with os.fdopen(write, "wb") as out:
                    out.write(json.dumps({"result": {"error": repr(exc)}, **WRITES}).encode())
                os._exit(3)
        os.close(write)
        os.close(ready_write)
        started = time.monotonic()
        os.read(ready_read, 1)  # the run started (or the child ended without starting one)
        running = time.monotonic()
        os.close(ready_read)
        if spec.get("kill_at_s") is not None:
            time.sleep(spec["kill_at_s"])
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        with os.fdopen(read, "rb") as got:
            raw = got.read()
        _, status = os.waitpid(child, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        ended = time.monotonic()
        elapsed = ended - started
        told = json.loads(raw) if raw and not killed else {}
        outcomes.append(
            {
                "killed": killed,
                "result": told.get("result"),
                "writes": told.get("journal"),
                "audit_writes": told.get("audit"),
                "elapsed_s": elapsed,
                "run_s": ended - running,
            }
        )
    sys.stdout.write(json.dumps(outcomes) + "\n")


def main() -> None:
    if sys.argv[1:] == ["trials"]:
        trials()
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("run", "resume"))
    parser.add_argument("target")
    parser.add_argument("--kill-before", type=int)
    parser.add_argument("--kill-after", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--approve", action="store_true")
    args = parser.parse_args()
    die_at_commit(args.kill_before, args.kill_after)
    if args.seed is not None:
        random_latency(args.seed)
    config = load_config(ROOT / "examples" / "order_desk" / "baton.toml")
    supervisor = Supervisor(order_desk_team(), config=config, model=RunScript().model("smollm2-durable"))
    if args.action == "run":
        result = supervisor.run_sync(args.target)
    else:
        decision = HumanDecision(action="approve", by="risk team") if args.approve else None
        result = supervisor.resume_sync(args.target, decision)
    sys.stdout.write(json.dumps(result.to_json_dict()) + "\n")


if __name__ == "__main__":
    main()
