"""Faults under load: many concurrent goals while a share of model and tool calls raise arbitrary exceptions.

    .venv/bin/python bench/faults.py [--goals 1000] [--rate 0.05] [--seed 7]

Every goal runs the same two-step plan (a writer with a sync tool, then a reviewer) against a scripted model
that answers every kind of call a run makes: plan, route, tool choice, answer, verdict, final answer. Each model
call and each tool call raises, with probability ``--rate``, an exception drawn (seeded) from ``RuntimeError``,
``KeyError``, ``TimeoutError`` and three provider errors; which goal and call it hits is recorded. All goals run
at once on one supervisor writing one audit log. Then it checks and prints:

- finished + failed-with-a-recorded-error = goals; lost (no result, or an exception escaped ``run``) and
  duplicated results: both must be 0;
- every failed run's ``error_type`` is the type injected into it, and every run with nothing injected is done;
- every run is in the audit log once, sealed, verifying, with the status its result has; the signed run index
  verifies;
- wall time and peak RSS.

Exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supervisor import (
    BatonConfig,
    Card,
    ProviderServerError,
    ProviderTimeoutError,
    ProviderUnreachableError,
    RunResult,
    RunScript,
    ScriptedCall,
    Specialist,
    Supervisor,
    Team,
    Tool,
    WorkflowStep,
)
from supervisor.audit.keys import AuditKeys
from supervisor.audit.log import AuditLog

ENDPOINT = "http://127.0.0.1:1/v1"
FAULTS: list[Callable[[], Exception]] = [
    lambda: RuntimeError("the worker process died"),
    lambda: KeyError("choices"),
    lambda: TimeoutError("read timed out"),
    lambda: ProviderServerError("openai", "gpt-4o", ENDPOINT, "HTTP 503: overloaded", 4),
    lambda: ProviderTimeoutError("openai", "gpt-4o", ENDPOINT, "no answer before the timeout", 4),
    lambda: ProviderUnreachableError("openai", "gpt-4o", ENDPOINT, "the host refused the connection"),
]
PLAN = [("s1", "Write the reply email about the refund", []), ("s2", "Review the reply email for tone", ["s1"])]

goal_number: contextvars.ContextVar[int] = contextvars.ContextVar("goal_number")


class Injector:
    """Decides, seeded and independent of scheduling order, which calls raise; records what it injected."""

    def __init__(self, seed: int, rate: float) -> None:
        self.seed, self.rate = seed, rate
        self.seen: Counter[tuple[int, str]] = Counter()
        self.injected: dict[int, list[str]] = {}
        self.by_kind: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def fault(self, where: str) -> Exception | None:
        goal = goal_number.get()
        self.seen[goal, where] += 1
        self.calls[where.split(":", maxsplit=1)[0]] += 1
        draw = random.Random(f"{self.seed}|{goal}|{where}|{self.seen[goal, where]}")
        if draw.random() >= self.rate:
            return None
        error = draw.choice(FAULTS)()
        self.injected.setdefault(goal, []).append(type(error).__name__)
        self.by_kind[where.split(":", maxsplit=1)[0]] += 1
        return error

    def around(self, kind: str, answer: Any) -> Callable[[ScriptedCall], Any]:
        def handler(call: ScriptedCall) -> Any:
            error = self.fault(f"{kind}:{call.subtask_id}:{call.agent}")
            if error is not None:
                return error  # RunScript makes the call raise it, as a provider's fault would
            return answer(call) if callable(answer) else answer

        return handler


def team(injector: Injector) -> Team:
    def lookup(query: str) -> str:
        error = injector.fault("tool:lookup")
        if error is not None:
            raise error
        return f"order {query}: charged twice on 3 May, 42.00 EUR each"

    writer = Specialist(
        name="writer",
        card=Card(
            name="writer",
            description="Writes reply emails and answers to customers.",
            skills=("write emails",),
            examples=("Write the reply email",),
            outputs=("a reply email",),
            tools=("lookup",),
        ),
        instructions="You write.",
        tools=(Tool("lookup", "look up an order", lookup),),
    )
    reviewer = Specialist(
        name="reviewer",
        card=Card(
            name="reviewer",
            description="Reviews a reply email for mistakes and tone.",
            skills=("review text",),
            examples=("Review the draft",),
            outputs=("a review",),
        ),
        instructions="You review.",
    )
    return Team([writer, reviewer], workflow=(WorkflowStep("writer"), WorkflowStep("reviewer", after=(1,))))


def script(injector: Injector) -> RunScript:
    wrap = injector.around
    return RunScript(
        plan=wrap("plan", lambda call: PLAN),
        route=wrap("route", lambda call: "writer" if call.subtask_id == "s1" else "reviewer"),
        tool_choice=wrap("tool_choice", lambda call: ("lookup", "1042")),
        answer=wrap("answer", "Dear customer, we refunded the second charge of 42.00 EUR for order 1042."),
        verdict=wrap("verdict", "accept"),
        final_answer=wrap("final_answer", "The customer was refunded the second charge."),
    )


async def run_all(supervisor: Supervisor, goals: int) -> list[RunResult | BaseException]:
    async def one(number: int) -> RunResult:
        goal_number.set(number)
        return await supervisor.run(f"Customer {number} was charged twice for order 1042; refund one charge.")

    try:
        return await asyncio.gather(*(one(n) for n in range(goals)), return_exceptions=True)
    finally:
        await supervisor.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("instructor").setLevel(logging.CRITICAL)  # each injected fault would log a retry line

    injector = Injector(args.seed, args.rate)
    home = Path(tempfile.mkdtemp(prefix="baton-faults-"))
    config = BatonConfig.model_validate(
        {
            "audit": {"path": str(home / "log" / "audit.sqlite3"), "key_dir": str(home / "keys")},
            "routing": {"similarity": "bm25", "decide_gap": 1.0},  # the model routes every subtask
            "checking": {"judge": "model", "min_relevance": 0},
            "guards": {"detector": False},
        }
    )
    supervisor = Supervisor(team(injector), config=config, model=script(injector).model("gpt-4o"))
    started = time.perf_counter()
    outcomes = asyncio.run(run_all(supervisor, args.goals))
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    results = [o for o in outcomes if isinstance(o, RunResult)]
    escaped = [o for o in outcomes if not isinstance(o, RunResult)]
    ids = Counter(r.run_id for r in results)
    done = [r for r in results if r.status == "done"]
    failed = [r for r in results if r.status == "failed" and r.error and r.error_type]
    other = [r for r in results if r not in done and r not in failed]
    goal_of = {r.run_id: int(r.goal.split()[1]) for r in results}
    wrong_type = [
        r for r in failed if injector.injected.get(goal_of[r.run_id], ["(nothing injected)"])[0] != r.error_type
    ]
    clean_but_failed = [r for r in results if goal_of[r.run_id] not in injector.injected and r.status != "done"]

    with AuditLog(home / "log" / "audit.sqlite3", AuditKeys.load(home / "keys"), create=False) as log:
        reports = log.verify_all()
        listed = {run: status for run, status, _ in log.runs()}
    index, runs = reports[0], reports[1:]
    unsealed_or_bad = [r for r in runs if not (r.ok and r.sealed)]
    status_mismatch = [r for r in results if listed.get(r.run_id) != r.status]

    lost = args.goals - len(results) + len(escaped)
    duplicated = sum(n - 1 for n in ids.values())
    print(f"goals {args.goals}, fault rate {args.rate:.0%} of model and tool calls, seed {args.seed}")
    print(f"calls made by kind: {dict(sorted(injector.calls.items()))}")
    print(f"faults injected: {sum(len(v) for v in injector.injected.values())} into {len(injector.injected)} goals")
    print(f"  by call kind: {dict(sorted(injector.by_kind.items()))}")
    types = Counter(t for v in injector.injected.values() for t in v)
    print(f"  by type: {dict(sorted(types.items()))}")
    print(f"finished {len(done)} + failed with a recorded error {len(failed)} = {len(done) + len(failed)}")
    print(f"lost {lost} (exceptions escaped: {len(escaped)}), duplicated {duplicated}, other statuses {len(other)}")
    print(f"failed runs whose error_type is not the injected type: {len(wrong_type)}")
    print(f"runs with nothing injected that did not finish: {len(clean_but_failed)}")
    accepted = sum(len(r.accepted) for r in failed)
    print(f"accepted outputs kept in failed runs: {accepted}")
    print(
        f"audit: {len(runs)} runs in the log, {sum(r.sealed for r in runs)} sealed, "
        f"{sum(r.ok for r in runs)} verify, {len(status_mismatch)} with another status than their result; "
        f"signed run index {'verifies' if index.ok else 'FAILS: ' + index.problem}"
    )
    print(f"wall {wall:.2f} s ({wall / args.goals * 1000:.2f} ms per goal), peak RSS {peak_mb:.0f} MB")
    checks = [
        len(done) + len(failed) == args.goals,
        lost == 0,
        duplicated == 0,
        not other,
        not wrong_type,
        not clean_but_failed,
        len(runs) == args.goals,
        not unsealed_or_bad,
        not status_mismatch,
        index.ok,
    ]
    print("all checks hold" if all(checks) else f"CHECKS FAILED: {checks}")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
