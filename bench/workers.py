"""Goals per second with 1, 2 and 3 workers on Postgres (procrastinate), the order desk on a scripted model.

    .venv/bin/python bench/workers.py [--goals 30] [--latency 0.1] [--postgres URL]

Each round queues the goals in a fresh database, starts N worker processes (4 runs at once each), and times from
the first run a worker claims to the last run done (worker start-up is not counted). Without ``--postgres`` a
throwaway server is started as the test suite does (Debian's postgresql).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from durable_worker import desk  # noqa: E402

from supervisor.journal.postgres import PostgresJournal  # noqa: E402


@contextlib.contextmanager
def server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from support.postgres import postgres_server

    with postgres_server() as started:
        yield started


def states(url: str) -> list[str]:
    async def read() -> list[str]:
        journal = await PostgresJournal.connect(url)
        try:
            return [r.state for r in await journal.runs(limit=10_000)]
        finally:
            await journal.close()

    return asyncio.run(read())


def one_round(base: str, workers: int, goals: int, latency: float) -> float:
    name = f"bench_{workers}"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
    url = base.rsplit("/", 1)[0] + f"/{name}"
    home = tempfile.mkdtemp(prefix="baton-bench-workers-")
    submitter = desk(url, home, 0.0)

    async def submit_all() -> None:
        try:
            for i in range(goals):
                await submitter.submit(f"Order {7000 + i}: 2 keyboards and 1 mouse, ship to 4 Elm Street.")
        finally:
            await submitter.aclose()

    asyncio.run(submit_all())
    script = str(ROOT / "tests" / "support" / "durable_worker.py")
    procs = [
        subprocess.Popen(
            [sys.executable, script, url, home, f"w{i}", "--latency", str(latency)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i in range(workers)
    ]
    try:
        while not _claimed(url):  # the first claim: worker start-up is not counted
            time.sleep(0.05)
        start = time.perf_counter()
        while not all(s == "done" for s in states(url)):
            time.sleep(0.05)
        return goals / (time.perf_counter() - start)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def _claimed(url: str) -> bool:
    with psycopg.connect(url) as db:
        found = db.execute("SELECT count(*) FROM baton_runs WHERE epoch > 1").fetchone()
    return bool(found and found[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per scripted model call")
    parser.add_argument("--postgres")
    args = parser.parse_args()
    os.environ.setdefault("BATON_HOME", tempfile.mkdtemp(prefix="baton-bench-"))
    os.environ.setdefault("BATON_KEY_DIR", tempfile.mkdtemp(prefix="baton-bench-keys-"))
    with server(args.postgres) as url:
        print(f"{args.goals} order-desk goals, {args.latency} s per model call, 4 runs at once per worker")
        for workers in (1, 2, 3):
            print(f"{workers} worker(s): {one_round(url, workers, args.goals, args.latency):6.2f} goals/s")


if __name__ == "__main__":
    main()
