"""How well each example team's checks sort seeded outputs (tests/data/check_seeds*.jsonl), per team and kind.

    .venv/bin/python bench/checking.py                 # the checker a default run uses (fast; code checks alone)
    .venv/bin/python bench/checking.py --judge model   # and the embedded model's verdict where the code checks pass
    .venv/bin/python bench/checking.py --misses        # also list the tuning seeds judged wrongly
    .venv/bin/python bench/checking.py --similarity bm25  # the relevance floor without the embeddings

Every seed goes through ``Supervisor.check``, exactly as an output does in a run: the agent's card checks and
predicates, the relevance floor of the ranker the run uses (embeddings when installed, BM25 otherwise), then the
supervisor model where ``checking.judge`` asks it (``auto`` with the embedded model: never).

Columns: ``good`` is how many good outputs were wrongly rejected (lower is better); each bad kind (``empty``,
``truncated``, ``off_topic``, ``wrong_format``, ``missing_fact``) is how many of its seeds were rejected (higher is
better), and ``bad`` all bad seeds together; ``-`` where the file has no seed of that kind for the team.
check_seeds.jsonl is for tuning checks; check_seeds_holdout.jsonl is a measure only, so its misses are never listed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specialists import content_studio_team, order_desk_team, research_desk_team, support_desk_team
from supervisor import BatonConfig, Subtask, Supervisor, Team
from supervisor.decisions.schemas import skeleton_from_workflow

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TUNING_SEEDS, HOLDOUT_SEEDS = DATA / "check_seeds.jsonl", DATA / "check_seeds_holdout.jsonl"
TEAMS: dict[str, Callable[[], Team]] = {
    "support_desk": support_desk_team,
    "content_studio": content_studio_team,
    "research_desk": research_desk_team,
    "order_desk": order_desk_team,
}
BAD_KINDS = ("empty", "truncated", "off_topic", "wrong_format", "missing_fact")


def load_seeds(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def criteria(team: Team, agent: str) -> str:
    """The acceptance criteria a run's plan gives this agent's subtasks (the team's workflow skeleton)."""
    step = next((s for s in skeleton_from_workflow(team) if s.agent == agent), None)
    return step.criteria[0] if step else "answers the subtask fully"


async def rejected(supervisor: Supervisor, seed: dict[str, str]) -> tuple[bool, str]:
    """Whether a run would reject this seed's output on its first attempt, and why."""
    team = supervisor.team
    subtask = Subtask(id="s1", description=seed["task"][:200], acceptance_criteria=criteria(team, seed["agent"]))
    verdict = await supervisor.check(subtask, seed["output"], agent=seed["agent"], goal=seed["goal"])
    return verdict.decision != "accept", f"{verdict.decided_by}: {verdict.feedback}"


def _cell(hits: int, total: int) -> str:
    return f"{hits}/{total}" if total else "-"


async def bench_file(path: Path, supervisors: dict[str, Supervisor], show_misses: bool) -> dict[str, int]:
    seeds = load_seeds(path)
    # counts[team][kind] = [rejected, total]
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = []
    start = time.perf_counter()
    for seed in seeds:
        was_rejected, why = await rejected(supervisors[seed["team"]], seed)
        cell = counts[seed["team"]][seed["kind"]]
        cell[0] += was_rejected
        cell[1] += 1
        if was_rejected == (seed["kind"] == "good"):
            misses.append(f"  {seed['kind']:12} {seed['team']}/{seed['agent']}: {seed['output'][:70]!r} ({why})")
    elapsed = time.perf_counter() - start
    ranker = next(iter(supervisors.values())).ranking
    print(f"\n{path.name}: {len(seeds)} seeds, ranker {ranker}, {elapsed / max(len(seeds), 1) * 1000:.1f} ms/seed")
    print(f"{'team':16} {'good':>7} " + " ".join(f"{k:>12}" for k in BAD_KINDS) + f" {'bad':>9}")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for team in TEAMS:
        kinds = counts.get(team, {})
        bad = [sum(kinds[k][0] for k in BAD_KINDS if k in kinds), sum(kinds[k][1] for k in BAD_KINDS if k in kinds)]
        good = kinds.get("good", [0, 0])
        row = f"{team:16} {_cell(*good):>7} "
        row += " ".join(f"{_cell(*kinds[k]) if k in kinds else '-':>12}" for k in BAD_KINDS)
        print(row + f" {_cell(*bad):>9}")
        for kind, (hits, total) in kinds.items():
            totals[kind][0] += hits
            totals[kind][1] += total
    bad_hits = sum(totals[k][0] for k in BAD_KINDS)
    bad_total = sum(totals[k][1] for k in BAD_KINDS)
    row = f"{'all':16} {_cell(*totals['good']):>7} " + " ".join(f"{_cell(*totals[k]):>12}" for k in BAD_KINDS)
    print(row + f" {_cell(bad_hits, bad_total):>9}")
    share = bad_hits / bad_total if bad_total else 0.0
    print(f"bad outputs rejected: {share:.0%}; good outputs wrongly rejected: {_cell(*totals['good'])}")
    if show_misses and misses:
        print("judged wrongly:", *misses, sep="\n")
    return {"bad_rejected": bad_hits, "bad": bad_total, "good_rejected": totals["good"][0], "good": totals["good"][1]}


async def main(judge: str, similarity: str, show_misses: bool) -> None:
    settings: dict[str, Any] = {"checking": {"judge": judge}, "routing": {"similarity": similarity}}
    supervisors = {
        name: Supervisor(build(), config=BatonConfig.model_validate(settings)) for name, build in TEAMS.items()
    }
    asked = "code checks, then the embedded model" if judge == "model" else "code checks alone (judge auto)"
    print(f"judge: {judge} ({asked})")
    try:
        await bench_file(TUNING_SEEDS, supervisors, show_misses)
        await bench_file(HOLDOUT_SEEDS, supervisors, show_misses=False)
    finally:
        for supervisor in supervisors.values():
            await supervisor.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="rejection of seeded bad outputs, per team and kind")
    parser.add_argument("--judge", choices=("auto", "model"), default="auto", help="checking.judge for the run")
    parser.add_argument("--similarity", choices=("auto", "bm25"), default="auto", help="routing.similarity")
    parser.add_argument("--misses", action="store_true", help="list the tuning seeds judged wrongly")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.judge, arguments.similarity, arguments.misses))
