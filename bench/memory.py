"""Memory per concurrent goal: M goals in flight at once, measured over a warm process.

    .venv/bin/python bench/memory.py [--goals 200] [--latency 0.05] [--journal]

Each goal is the peer benchmark's C goal (a one-step pipeline, the model judging, the final answer: 3 calls) with
guards and the audit log on, on a model that answers after ``--latency`` seconds, so every goal is in flight at
once. The process is warmed first (one goal run, so lazily imported modules, compiled templates, the detector's
tables and caches are loaded). Figures, per goal:

- RSS: the process's peak RSS while the M goals run, over its peak before them.
- traced: Python's own allocations (``tracemalloc``) at the moment every goal is in flight, over what the
  process held before they started, and the files whose code allocated most of it.

The peer harness's "RSS per goal" column divides the whole setup (modules imported on first use, the detector's
tables) by the goals as well; these figures leave the setup out.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import tempfile
import tracemalloc
from collections.abc import Sequence

from pydantic import BaseModel

from supervisor import BatonConfig, Card, Completion, Message, Specialist, Supervisor, Team, Usage, register_provider

WORK = "Widget demand grew steadily this quarter. Prices held firm while supply recovered."
ACCEPT = '{"decision": "accept", "feedback": "", "agent": ""}'


class SlowModel:
    """Answers after a fixed latency and keeps nothing per call (the scripted test double records every call)."""

    def __init__(self, latency_s: float) -> None:
        self._latency_s = latency_s

    @property
    def name(self) -> str:
        return "memory/slow"

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        await asyncio.sleep(self._latency_s)
        if output_type is None:
            return Completion(text=WORK, usage=Usage(calls=1))
        return Completion(text=ACCEPT, output=output_type.model_validate_json(ACCEPT), usage=Usage(calls=1))


def supervisor(journal: bool) -> Supervisor:
    team = Team(
        [Specialist(name="worker", card=Card(name="worker", description="Writes reports"), instructions="Work.")]
    )
    settings = {
        "models": {"default": "memory/slow", "capabilities": {"memory/slow": "capable"}},
        "checking": {"judge": "model", "min_relevance": 0},
        "routing": {"similarity": "bm25"},
        "guards": {"detector": True},
        "audit": {"enabled": True},
        "journal": {"enabled": journal},
    }
    return Supervisor(team, config=BatonConfig.model_validate(settings))


async def goals(sup: Supervisor, m: int, *, snapshot_after: float | None = None) -> tracemalloc.Snapshot | None:
    runs = [
        asyncio.create_task(sup.run("Write a short market report on widgets.", pipeline=["worker"])) for _ in range(m)
    ]
    snapshot = None
    if snapshot_after is not None:
        await asyncio.sleep(snapshot_after)  # every goal is waiting for its model now
        snapshot = tracemalloc.take_snapshot()
    results = await asyncio.gather(*runs)
    failed = [r for r in results if r.status != "done"]
    if failed:
        raise SystemExit(f"{len(failed)} goal(s) ended {failed[0].status}: {failed[0].error}")
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--journal", action="store_true", help="with the SQLite step journal on")
    parser.add_argument("--top", type=int, default=8, help="how many allocating files to list")
    args = parser.parse_args()
    os.environ.setdefault("BATON_HOME", tempfile.mkdtemp(prefix="baton-bench-"))
    os.environ.setdefault("BATON_KEY_DIR", tempfile.mkdtemp(prefix="baton-bench-keys-"))
    model = SlowModel(args.latency)
    register_provider("memory", lambda _spec, _settings: model, offline=True)
    sup = supervisor(args.journal)
    m = args.goals

    async def measure() -> tuple[int, int, int, tracemalloc.Snapshot | None]:
        await goals(sup, 1)  # warm: lazy imports, templates, the detector's tables, caches
        gc.collect()
        warm_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        await goals(sup, m)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        snapshot = await goals(sup, m, snapshot_after=args.latency / 2)
        in_flight = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        await sup.aclose()
        return warm_peak, peak, in_flight - before, snapshot

    warm_peak, peak, traced, snapshot = asyncio.run(measure())
    print(f"{m} concurrent goals, latency {args.latency * 1e3:.0f} ms, journal {'on' if args.journal else 'off'}")
    rss = (peak - warm_peak) / m
    print(f"RSS per goal:    {rss:6.1f} KiB (peak {peak / 1024:.1f} MiB, warm {warm_peak / 1024:.1f} MiB)")
    print(f"traced per goal: {traced / m / 1024:6.1f} KiB (Python allocations, peak while every goal is in flight)")
    if snapshot is not None:
        print("where the in-flight allocations were made (KiB per goal):")
        for stat in snapshot.statistics("filename")[: args.top]:
            print(f"  {stat.size / m / 1024:6.2f}  {stat.traceback[0].filename}")


if __name__ == "__main__":
    main()
