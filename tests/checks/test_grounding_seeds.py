"""Echoes and invented figures are rejected, good outputs kept: on the tuning seeds and on a held-out family.

``check_seeds_grounding.jsonl`` was used while the echo and grounding checks were written; the held-out file
uses other wordings (prompt read back without its labels, other invented figures, other tickets, orders and
topics) and was never tuned against. Each seed carries the inputs its step saw.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from specialists import order_desk_team, research_desk_team, support_desk_team
from supervisor import BatonConfig, ScriptedModel, Subtask, Supervisor

DATA = Path(__file__).resolve().parents[1] / "data"
TEAMS = {"support_desk": support_desk_team, "order_desk": order_desk_team, "research_desk": research_desk_team}


def verdicts(name: str) -> list[tuple[dict[str, object], bool]]:
    seeds = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    config = BatonConfig.model_validate({"checking": {"judge": "code"}, "routing": {"similarity": "bm25"}})
    never_asked = ScriptedModel(name="grounding-seed-judge")
    supervisors = {team: Supervisor(build(), config=config, model=never_asked) for team, build in TEAMS.items()}

    async def judge() -> list[bool]:
        rejected = []
        for seed in seeds:
            subtask = Subtask(id="s1", description=str(seed["task"]), acceptance_criteria="the work is complete")
            verdict = await supervisors[str(seed["team"])].check(
                subtask,
                str(seed["output"]),
                agent=str(seed["agent"]),
                goal=str(seed["goal"]),
                inputs=tuple(seed["inputs"]),  # type: ignore[arg-type]
            )
            rejected.append(verdict.decision != "accept")
        return rejected

    outcome = asyncio.run(judge())
    assert not never_asked.calls
    return list(zip(seeds, outcome, strict=True))


@pytest.mark.parametrize("name", ["check_seeds_grounding.jsonl", "check_seeds_grounding_holdout.jsonl"])
def test_echoes_and_invented_figures_are_rejected_and_good_outputs_kept(name: str) -> None:
    outcome = verdicts(name)
    bad = [rejected for seed, rejected in outcome if seed["kind"] in ("echo", "ungrounded")]
    good = [rejected for seed, rejected in outcome if seed["kind"] == "good"]
    assert len(bad) >= 16 and len(good) >= 8
    assert sum(bad) >= 0.95 * len(bad), [s["output"] for s, r in outcome if s["kind"] != "good" and not r]
    assert sum(good) <= 0.02 * len(good), [s["output"] for s, r in outcome if s["kind"] == "good" and r]
