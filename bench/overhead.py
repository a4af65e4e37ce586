"""Baton's own cost per model call, with guards, the audit log and the step journal on and off, beside plain asyncio.

    .venv/bin/python bench/overhead.py [--steps 12] [--runs 20] [--judge code,model]

A goal runs as a fixed pipeline of K steps (``run(goal, pipeline=[...])``) with a zero-latency scripted model:
one specialist call per step (and one verdict call when the model judges), and one answer call, so only
orchestration is measured. Rows: a plain-asyncio loop making the same number of calls to the same scripted model
(the floor); then Baton with code checks only and with the model judging, each bare (guards, audit and journal
off), with guards + audit on (journal off), and with the SQLite journal on too (the default configuration).
Figures, medians over ``--runs`` runs: wall time per model call in microseconds, CPU time per model call (this
process's, ``time.process_time``: on a shared machine the steadier of the two), and wall time per run.
``--steps`` takes a comma-separated list to check that the cost per call stays flat as K grows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from supervisor import BatonConfig, Card, ScriptedCall, ScriptedModel, Specialist, Supervisor, Team

# (label, guards + audit, journal)
SETUPS = (("bare", False, False), ("guards+audit", True, False), ("guards+audit+journal", True, True))


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


async def baseline(model: ScriptedModel, calls: int) -> None:
    for _ in range(calls):
        await model.complete([{"role": "user", "content": "Do your stage."}])


def measure(k: int, runs: int, *, judge: str, guarded: bool, journal: bool) -> tuple[float, float, float]:
    """(wall us per call, CPU us per call, wall ms per run), medians over ``runs`` runs after one warm-up."""
    settings = {
        "models": {"default": "scripted/bench"},
        "checking": {"judge": judge, "min_relevance": 0},
        "routing": {"similarity": "bm25"},
        "limits": {"max_steps": 10 * k, "max_agent_runs": 10 * k},
        "guards": {"detector": guarded},
        "audit": {"enabled": guarded},
        "journal": {"enabled": journal},
    }
    model = ScriptedModel(respond=answer, name="bench")
    supervisor = Supervisor(team(k), config=BatonConfig.model_validate(settings))
    pipeline = [f"agent{i}" for i in range(k)]

    async def go() -> list[tuple[float, float, int]]:
        times = []
        for _ in range(runs + 1):
            before = len(model.calls)
            start, cpu = time.perf_counter(), time.process_time()
            result = await supervisor.run("Process order #1042 end to end.", pipeline=pipeline)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert result.status == "done", result.error
            times.append((wall, cpu, len(model.calls) - before))
        await supervisor.aclose()
        return times[1:]  # the first run warms caches

    times = asyncio.run(go())
    wall = statistics.median(w / n for w, _, n in times)
    cpu = statistics.median(c / n for _, c, n in times)
    return wall * 1e6, cpu * 1e6, statistics.median(w for w, _, _ in times) * 1e3


def floor(k: int, runs: int) -> tuple[float, float, float]:
    model = ScriptedModel(respond=answer, name="floor")
    calls = 2 * k + 1
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        asyncio.run(baseline(model, calls))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return wall / calls * 1e6, cpu / calls * 1e6, wall * 1e3


def row(label: str, figures: tuple[float, float, float]) -> str:
    wall, cpu, per_run = figures
    return f"{label:48} {wall:12.0f} {cpu:12.0f} {per_run:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="12", help="K, or a comma-separated list of K")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--judge", default="code,model", help="code, model, or both (comma-separated)")
    parser.add_argument("--setups", default=",".join(s[0] for s in SETUPS), help="which Baton rows")
    args = parser.parse_args()
    os.environ.setdefault("BATON_HOME", tempfile.mkdtemp(prefix="baton-bench-"))
    os.environ.setdefault("BATON_KEY_DIR", tempfile.mkdtemp(prefix="baton-bench-keys-"))
    chosen = args.setups.split(",")
    for k in (int(s) for s in args.steps.split(",")):
        print(f"\n{k}-step pipeline, median of {args.runs} runs")
        print(f"{'configuration':48} {'us/call wall':>12} {'us/call CPU':>12} {'ms/run':>8}")
        print(row("plain asyncio, same scripted model", floor(k, args.runs)))
        for judge in args.judge.split(","):
            for label, guarded, journal in SETUPS:
                if label in chosen:
                    figures = measure(k, args.runs, judge=judge, guarded=guarded, journal=journal)
                    print(row(f"Baton, judge={judge}, {label}", figures), flush=True)


if __name__ == "__main__":
    main()
