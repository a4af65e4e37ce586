"""Scale-out on Postgres: three worker processes share sixty goals; one is SIGKILLed mid-way; every goal
finishes, every shipment is booked once, and the dead worker's runs are resumed by the others."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from supervisor.journal.postgres import PostgresJournal

ROOT = Path(__file__).resolve().parents[1]
GOALS = [f"Order {5000 + i}: 2 keyboards and 1 mouse, ship to 4 Elm Street." for i in range(60)]


def fresh_database(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def states(url: str) -> dict[str, tuple[str, str, int]]:
    async def read() -> dict[str, tuple[str, str, int]]:
        journal = await PostgresJournal.connect(url)
        try:
            return {r.run_id: (r.state, r.owner, r.epoch) for r in await journal.runs(limit=1000)}
        finally:
            await journal.close()

    return asyncio.run(read())


def wait_until(condition: object, what: str, patience_s: float = 400.0) -> None:
    """Poll until ``condition()`` holds; a run that never gets there fails here (no timing is asserted)."""
    deadline = time.monotonic() + patience_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_three_workers_share_sixty_goals_and_survive_one_killed_mid_way(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDER_DESK_BOOKINGS", str(tmp_path / "bookings.sqlite3"))  # undone after the test
    url = fresh_database(postgres_url, "scaleout")
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "support"))
    from durable_worker import desk

    submitter = desk(url, str(tmp_path), latency_s=0.0)

    async def submit_all() -> list[str]:
        try:
            return [await submitter.submit(goal) for goal in GOALS]
        finally:
            await submitter.aclose()

    run_ids = asyncio.run(submit_all())
    logs = [(tmp_path / f"w{i}.log").open("w") for i in range(3)]
    workers = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "support" / "durable_worker.py"), url, str(tmp_path), f"w{i}"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i, log in enumerate(logs)
    ]
    try:
        victim = workers[0]
        owned_by_victim = f":{victim.pid}:"

        def victim_is_working() -> bool:
            now = states(url)
            done = sum(state == "done" for state, _, _ in now.values())
            return done >= 8 and any(s == "running" and owned_by_victim in o for s, o, _ in now.values())

        wait_until(victim_is_working, "the first worker to be mid-way through some runs")
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        cut_off = {rid for rid, (s, o, _) in states(url).items() if s == "running" and owned_by_victim in o}
        assert cut_off

        def all_finished() -> bool:
            now = states(url)
            assert not [r for r, (s, _, _) in now.items() if s not in ("done", "running")], now
            return all(s == "done" for s, _, _ in now.values())

        wait_until(all_finished, "all sixty runs to finish", patience_s=90)
        final = states(url)
        assert sorted(final) == sorted(run_ids)
        for run_id in cut_off:  # resumed elsewhere: claimed again, by a live worker
            state, owner, epoch = final[run_id]
            assert state == "done" and owned_by_victim not in owner and epoch >= 3
        with sqlite3.connect(tmp_path / "bookings.sqlite3") as db:
            booked = db.execute("SELECT order_id FROM bookings").fetchall()
        assert sorted(order for (order,) in booked) == sorted(str(5000 + i) for i in range(60))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
        for log in logs:
            log.close()
