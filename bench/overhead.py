"""Baton's own cost per model call, with guards and the audit log on and off, beside plain asyncio.

    .venv/bin/python bench/overhead.py [--steps 12] [--runs 20]

A goal runs as a fixed pipeline of K steps (``run(goal, pipeline=[...])``) with a zero-latency scripted model:
one specialist call and one verdict call per step, and one answer call, so only orchestration is measured.
Rows: a plain-asyncio loop making the same number of calls to the same scripted model (the floor); Baton with
code checks only; Baton with the model judging; each with guards + audit on (the default) and off.
Figures: median wall time per model call in microseconds over ``--runs`` runs, and per run in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from supervisor import BatonConfig, Card, ScriptedCall, ScriptedModel, Specialist, Supervisor, Team


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


def measure(k: int, runs: int, *, judge: str, guarded: bool) -> tuple[float, float]:
    settings = {
        "models": {"default": "scripted/bench"},
        "checking": {"judge": judge, "min_relevance": 0},
        "routing": {"similarity": "bm25"},
        "limits": {"max_steps": 10 * k, "max_agent_runs": 10 * k},
        "guards": {"detector": guarded},
        "audit": {"enabled": guarded},
    }
    model = ScriptedModel(respond=answer, name="bench")
    supervisor = Supervisor(team(k), config=BatonConfig.model_validate(settings))
    pipeline = [f"agent{i}" for i in range(k)]

    async def go() -> list[float]:
        times = []
        for _ in range(runs + 1):
            before = len(model.calls)
            start = time.perf_counter()
            result = await supervisor.run("Process order #1042 end to end.", pipeline=pipeline)
            elapsed = time.perf_counter() - start
            assert result.status == "done", result.error
            times.append(elapsed / (len(model.calls) - before))
        await supervisor.aclose()
        return times[1:]  # the first run warms caches

    per_call = statistics.median(asyncio.run(go()))
    calls_per_run = len(model.calls) / (runs + 1)
    return per_call * 1e6, per_call * calls_per_run * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("BATON_HOME", tempfile.mkdtemp(prefix="baton-bench-"))
    os.environ.setdefault("BATON_KEY_DIR", tempfile.mkdtemp(prefix="baton-bench-keys-"))
    k = args.steps
    model = ScriptedModel(respond=answer, name="floor")
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        asyncio.run(baseline(model, 2 * k + 1))
        times.append((time.perf_counter() - start) / (2 * k + 1))
    floor = statistics.median(times) * 1e6
    print(f"{k}-step pipeline, median of {args.runs} runs")
    print(f"{'configuration':42} {'us/model call':>14} {'ms/run':>8}")
    print(f"{'plain asyncio, same scripted model':42} {floor:14.0f} {floor * (2 * k + 1) / 1e3:8.2f}")
    for judge in ("code", "model"):
        for guarded in (False, True):
            label = f"Baton, judge={judge}, guards+audit {'on' if guarded else 'off'}"
            us, ms = measure(k, args.runs, judge=judge, guarded=guarded)
            print(f"{label:42} {us:14.0f} {ms:8.2f}")


if __name__ == "__main__":
    main()
