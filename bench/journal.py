"""What the step journal costs per step: the same goals with no journal, the SQLite journal and Postgres.

    .venv/bin/python bench/journal.py [--steps 12] [--runs 30] [--postgres URL | --start-postgres]

A goal runs as a fixed pipeline of K steps with a zero-latency scripted model (one answer and one verdict per
step, and the final answer), guards and the audit log off, so only the journal differs between rows. The
configurations take turns run by run (the machine's noise falls on all alike). Figures: median wall time per
run, and the journal's cost per recorded step: (median with journal - median without) / steps recorded per run.
``--start-postgres`` starts a throwaway server as the test suite does (Debian's postgresql).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from supervisor import BatonConfig, Card, ScriptedCall, ScriptedModel, Specialist, Supervisor, Team

ROOT = Path(__file__).resolve().parent.parent


def team(k: int) -> Team:
    members = [
        Specialist(
            name=f"agent{i}",
            card=Card(name=f"agent{i}", description=f"Does stage {i} of the work"),
            instructions="Do your stage.",
        )
        for i in range(k)
    ]
    return Team(members)


def answer(call: ScriptedCall) -> object:
    if call.output_type is not None:
        return {"decision": "accept", "feedback": "", "agent": ""}
    return "The stage is done in full, with every detail the task asked for."


def supervisor_for(k: int, store: str | None, name: str) -> Supervisor:
    settings = {
        "models": {"default": f"scripted/{name}"},
        "checking": {"judge": "model", "min_relevance": 0},
        "routing": {"similarity": "bm25"},
        "limits": {"max_steps": 10 * k, "max_agent_runs": 10 * k},
        "guards": {"detector": False},
        "audit": {"enabled": False},
        "journal": {"enabled": store is not None, "store": store},
    }
    ScriptedModel(respond=answer, name=name)
    return Supervisor(team(k), config=BatonConfig.model_validate(settings))


@contextlib.contextmanager
def postgres(url: str | None, start: bool) -> Iterator[str | None]:
    if not start:
        yield url
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from support.postgres import postgres_server

    with postgres_server() as started:
        yield started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", help="a postgresql:// URL to measure too")
    parser.add_argument("--start-postgres", action="store_true", help="start a throwaway Postgres to measure")
    args = parser.parse_args()
    home = Path(os.environ.setdefault("BATON_HOME", tempfile.mkdtemp(prefix="baton-bench-")))
    os.environ.setdefault("BATON_KEY_DIR", tempfile.mkdtemp(prefix="baton-bench-keys-"))
    k = args.steps
    pipeline = [f"agent{i}" for i in range(k)]
    with postgres(args.postgres, args.start_postgres) as url:
        stores: dict[str, str | None] = {"no journal": None, "SQLite journal": str(home / "journal.sqlite3")}
        if url:
            stores["Postgres journal"] = url
        supervisors = {label: supervisor_for(k, store, f"bench-{i}") for i, (label, store) in enumerate(stores.items())}
        times: dict[str, list[float]] = {label: [] for label in stores}

        async def go() -> None:
            for turn in range(args.runs + 1):
                for label, supervisor in supervisors.items():
                    start = time.perf_counter()
                    result = await supervisor.run("Process order #1042 end to end.", pipeline=pipeline)
                    elapsed = time.perf_counter() - start
                    assert result.status == "done", result.error
                    if turn:  # the first turn warms caches and opens the stores
                        times[label].append(elapsed)
            for supervisor in supervisors.values():
                await supervisor.aclose()

        asyncio.run(go())
    with sqlite3.connect(home / "journal.sqlite3") as db:
        runs, steps = db.execute("SELECT count(DISTINCT run_id), count(*) FROM steps").fetchone()
    per_run = steps / runs
    floor = statistics.median(times["no journal"])
    print(f"{k}-step pipeline, {per_run:.0f} recorded steps per run, median of {args.runs} runs")
    print(f"{'configuration':20} {'ms/run':>8} {'us/step':>8}")
    for label, measured in times.items():
        median = statistics.median(measured)
        cost = "" if label == "no journal" else f"{(median - floor) / per_run * 1e6:8.0f}"
        print(f"{label:20} {median * 1e3:8.2f} {cost:>8}")


if __name__ == "__main__":
    main()
