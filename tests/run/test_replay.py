"""Replay: a recorded run read back against its recorded answers, with no model and no tool, reproduces every
decision of each example workload; a changed prompt or check shows up as a divergence; nothing is written."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.teams import make_team, plan_answer

from supervisor import BatonConfig, RunScript, ScriptedCall, Supervisor, Team
from supervisor.config import load_config
from supervisor.supervisor import load_team

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOALS = {
    "support_desk": "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge.",
    "content_studio": "Brief #301: Write a short blog post about balcony herb gardens for home gardeners.",
    "research_desk": "Request #12: How fast is wind power growing worldwide? Summarize the evidence with sources.",
    "order_desk": "Order #5531: 2 keyboards and 1 mouse shipping to Austin, TX, paid by credit card.",
}


def first_choice(call: ScriptedCall) -> Any:
    """The first value of every field of the desk's format (as a small model that reads nothing would answer)."""
    assert call.output_type is not None
    chosen: dict[str, Any] = {}
    for name, prop in call.output_type.model_json_schema()["properties"].items():
        if prop.get("type") == "array":
            options = prop["items"].get("enum", [prop["items"].get("const")])
            chosen[name] = options[: max(1, prop.get("minItems", 1))]
        else:
            chosen[name] = prop["enum"][0] if "enum" in prop else prop["const"]
    return chosen


def example_supervisor(name: str, model_name: str) -> Supervisor:
    data = load_config(EXAMPLES / name / "baton.toml", env={}).model_dump()
    data["routing"]["similarity"] = "bm25"
    config = BatonConfig.model_validate(data)
    model = RunScript(answer=first_choice).model(f"smollm2-{model_name}", latency_s=0.01)
    return Supervisor(load_team(config.team.factory), config=config, model=model)


def steps_in_journal(home: Path) -> int:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM steps").fetchone()[0])


@pytest.mark.parametrize("name", sorted(GOALS))
def test_replaying_each_example_run_reproduces_every_decision_and_writes_nothing(name: str, baton_home: Path) -> None:
    result = example_supervisor(name, f"replay-{name}").run_sync(GOALS[name])
    assert result.status == "done", result.error
    recorded = steps_in_journal(baton_home)
    assert recorded > 0
    audit_size = (baton_home / "audit.sqlite3").stat().st_size

    # Another supervisor, whose model would fail any call: replay asks none.
    replayer = example_supervisor(name, f"never-asked-{name}")
    report = asyncio.run(replayer.replay(result.run_id))

    assert report.reproduced, report.divergences
    assert report.replayed_output == result.output and report.replayed_status == "done"
    assert replayer.model.calls == []  # type: ignore[attr-defined]
    assert steps_in_journal(baton_home) == recorded
    assert (baton_home / "audit.sqlite3").stat().st_size == audit_size


def writer_run(instructions: str = "You write.", **script: Any) -> tuple[Supervisor, Any]:
    team = make_team()
    if instructions != "You write.":
        team = Team(
            [dataclasses.replace(s, instructions=instructions) if s.name == "writer" else s for s in team],
            workflow=team.workflow,
        )
    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft", ["s1"]))
    model = RunScript(plan=plan, **script).model("replay-writer")
    return Supervisor(team, model=model), model


def test_a_changed_prompt_shows_up_as_a_divergence() -> None:
    supervisor, _ = writer_run()
    result = supervisor.run_sync("Answer the customer about the refund")
    assert result.status == "done", result.error

    changed, _ = writer_run(instructions="You write, in the tone of a pirate.")
    report = asyncio.run(changed.replay(result.run_id))

    assert not report.reproduced
    assert any("/work:writer" in d and "another prompt" in d for d in report.divergences), report.divergences


def test_a_changed_check_that_decides_otherwise_is_reported_where_it_diverged() -> None:
    supervisor, _ = writer_run()
    result = supervisor.run_sync("Answer the customer about the refund")
    assert result.status == "done", result.error

    def never_enough(context: Any) -> str:
        return "Say more."

    team = make_team()
    stricter = Team(
        [dataclasses.replace(s, predicates=(never_enough,)) if s.name == "writer" else s for s in team],
        workflow=team.workflow,
    )
    replayer = Supervisor(stricter, model=RunScript().model("replay-strict"))
    report = asyncio.run(replayer.replay(result.run_id))

    # The recorded verdict is the run's: the replay reports the stricter check's, then follows the record.
    assert not report.reproduced
    assert report.divergences == (
        "s1.p0.v0/attempt:1/verdict:writer: decided otherwise than the recorded run (a check, card or guard changed)",
    )
    assert report.replayed_output == result.output


def test_replaying_an_unknown_run_names_it() -> None:
    from supervisor import UnknownRunError

    supervisor, _ = writer_run()
    with pytest.raises(UnknownRunError, match="nope"):
        asyncio.run(supervisor.replay("nope"))
