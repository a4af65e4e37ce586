"""Routing accuracy on the labelled set (tests/data/routing_set.jsonl), per team.

    .venv/bin/python bench/routing.py            # pre-ranking alone, and with the embedded model deciding close calls
    .venv/bin/python bench/routing.py --no-model # pre-ranking alone (fast)

Columns: BM25 alone; embeddings alone (all-MiniLM-L6-v2, when installed); Baton's router as configured by
default (rules + pre-ranking, the embedded model choosing between close candidates), which is what a run uses.
Random choice is 1 / team size.
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
from supervisor.ranking import Bm25Ranker, card_ranker

SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "routing_set.jsonl"
TEAMS = {
    "support_desk": support_desk_team,
    "content_studio": content_studio_team,
    "research_desk": research_desk_team,
    "order_desk": order_desk_team,
}


def top(scores: dict[str, float]) -> str:
    return max(scores, key=lambda name: scores[name])


async def main(use_model: bool) -> None:
    items = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
    by_team: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in items:
        by_team[item["team"]].append(item)
    header = f"{'team':16} {'n':>3} {'random':>7} {'BM25':>7} {'embed':>7}"
    print(header + (f" {'router+model':>13} {'model calls':>11} {'s/item':>7}" if use_model else ""))
    totals: dict[str, int] = defaultdict(int)
    for team_name, rows in by_team.items():
        team: Team = TEAMS[team_name]()
        cards = [s.card for s in team]
        bm25, embed = Bm25Ranker(cards), card_ranker(cards, "auto")
        hits = {"bm25": 0, "embed": 0, "router": 0}
        calls, start = 0, time.perf_counter()
        supervisor = Supervisor(team, config=BatonConfig()) if use_model else None
        for i, row in enumerate(rows):
            hits["bm25"] += top(bm25.scores(row["subtask"])) == row["agent"]
            hits["embed"] += top(embed.scores(row["subtask"])) == row["agent"]
            if supervisor is not None:
                subtask = Subtask(id=f"s{i}", description=row["subtask"], acceptance_criteria="done")
                decision = await supervisor.route(subtask)
                hits["router"] += decision.agent == row["agent"]
                calls += decision.decided_by == "model"
        n = len(rows)
        line = f"{team_name:16} {n:3d} {1 / len(team):7.0%} {hits['bm25'] / n:7.0%} {hits['embed'] / n:7.0%}"
        if use_model:
            line += f" {hits['router'] / n:13.0%} {calls:11d} {(time.perf_counter() - start) / n:7.2f}"
        print(line + ("" if embed.kind == "embeddings" else "  (embeddings not installed: BM25)"))
        totals["n"] += n
        for key, value in hits.items():
            totals[key] += value
    n = totals["n"]
    summary = f"{'all':16} {n:3d} {'':7} {totals['bm25'] / n:7.0%} {totals['embed'] / n:7.0%}"
    print(summary + (f" {totals['router'] / n:13.0%}" if use_model else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="routing accuracy per team")
    parser.add_argument("--no-model", action="store_true", help="pre-ranking alone, without the embedded model")
    asyncio.run(main(not parser.parse_args().no_model))
