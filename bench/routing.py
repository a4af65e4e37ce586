"""Routing accuracy on the labelled sets, per team.

    .venv/bin/python bench/routing.py            # every column, the embedded model included (about a minute)
    .venv/bin/python bench/routing.py --no-model # pre-ranking alone (fast)

Two sets: ``tests/data/routing_set.jsonl`` (held out: nothing was tuned on it) and
``tests/data/routing_dev.jsonl`` (the set the ranking weights and card examples were tuned on).
Columns: BM25 alone; embeddings alone (all-MiniLM-L6-v2 cosine, no lexical share); ``ranked``: Baton's card
ranking (embeddings + BM25 share), i.e. rules + pre-ranking alone; ``router``: ``Supervisor.route`` with the
model not asked (``routing.ask_model = false``: the best card wins close calls too); ``model@close``: the
router as a run on the embedded model does it by default, the embedded model choosing between close
candidates, with how many calls it made and how many of those it got right against the ranking's own top
choice on the same items. Random is 1 / team size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from pathlib import Path

from specialists import content_studio_team, order_desk_team, research_desk_team, support_desk_team
from supervisor import BatonConfig, Subtask, Supervisor, Team
from supervisor.similarity.card_ranker import Bm25Ranker, EmbeddingRanker, card_ranker

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = {"held-out": DATA / "routing_set.jsonl", "dev": DATA / "routing_dev.jsonl"}
TEAMS = {
    "support_desk": support_desk_team,
    "content_studio": content_studio_team,
    "research_desk": research_desk_team,
    "order_desk": order_desk_team,
}


def top(scores: dict[str, float]) -> str:
    return max(scores, key=lambda name: scores[name])


def pure_embedding(ranker: object, text: str) -> str:
    """The embedding-only choice (the ranker's scores without their lexical share)."""
    return top(ranker.meaning_scores(text)) if isinstance(ranker, EmbeddingRanker) else ""


async def measure(path: Path, use_model: bool) -> None:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    by_team: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in items:
        by_team[item["team"]].append(item)
    header = f"{'team':16} {'n':>3} {'random':>7} {'BM25':>6} {'embed':>6} {'ranked':>7} {'router':>7}"
    print(
        header
        + (f" {'model@close':>11} {'calls':>5} {'model ok':>8} {'rank ok':>7} {'s/item':>6}" if use_model else "")
    )
    totals: dict[str, int] = defaultdict(int)
    for team_name, rows in by_team.items():
        team: Team = TEAMS[team_name]()
        cards = [s.card for s in team]
        bm25, ranker = Bm25Ranker(cards), card_ranker(cards, "auto")
        hits: dict[str, int] = defaultdict(int)
        start = time.perf_counter()
        router = Supervisor(team, config=BatonConfig.model_validate({"routing": {"ask_model": False}}))
        asking = Supervisor(team, config=BatonConfig())
        for i, row in enumerate(rows):
            subtask = Subtask(id=f"s{i}", description=row["subtask"], acceptance_criteria="done")
            text = f"{subtask.description} {subtask.acceptance_criteria}"
            right = row["agent"]
            hits["bm25"] += top(bm25.scores(text)) == right
            hits["embed"] += pure_embedding(ranker, text) == right
            ranked = top(ranker.scores(text))
            hits["ranked"] += ranked == right
            hits["router"] += (await router.route(subtask)).agent == right
            if use_model:
                decision = await asking.route(subtask)
                hits["model"] += decision.agent == right
                if decision.decided_by == "model":
                    hits["calls"] += 1
                    hits["model_ok"] += decision.agent == right
                    hits["rank_ok"] += ranked == right
        n = len(rows)
        line = (
            f"{team_name:16} {n:3d} {1 / len(team):7.0%} {hits['bm25'] / n:6.0%} {hits['embed'] / n:6.0%} "
            f"{hits['ranked'] / n:7.0%} {hits['router'] / n:7.0%}"
        )
        if use_model:
            line += (
                f" {hits['model'] / n:11.0%} {hits['calls']:5d} {hits['model_ok']:8d} {hits['rank_ok']:7d}"
                f" {(time.perf_counter() - start) / n:6.2f}"
            )
        print(line + ("" if ranker.kind == "embeddings" else "  (embeddings not installed: BM25)"))
        totals["n"] += n
        for key, value in hits.items():
            totals[key] += value
    n = totals["n"]
    summary = (
        f"{'all':16} {n:3d} {'':7} {totals['bm25'] / n:6.1%} {totals['embed'] / n:6.1%} "
        f"{totals['ranked'] / n:7.1%} {totals['router'] / n:7.1%}"
    )
    if use_model:
        summary += f" {totals['model'] / n:11.1%} {totals['calls']:5d} {totals['model_ok']:8d} {totals['rank_ok']:7d}"
    print(summary)


async def main(use_model: bool) -> None:
    for name, path in SETS.items():
        print(f"\n== {name} set: {path.name}")
        await measure(path, use_model)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="routing accuracy per team")
    parser.add_argument("--no-model", action="store_true", help="pre-ranking alone, without the embedded model")
    asyncio.run(main(not parser.parse_args().no_model))
