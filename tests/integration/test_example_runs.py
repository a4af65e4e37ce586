"""Each example (examples/<name>/baton.toml) end to end through the real CLI on the embedded model.

Structure, not wording: the run is done, every subtask accepted, the plan is the team's whole workflow with its
dependencies, each subtask went to its workflow's agent, and the steps ran as concurrently as the workflow allows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from supervisor.config import load_config
from supervisor.supervisor import load_team

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUNS = {
    "support_desk": ("Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge.", 1),
    "content_studio": (
        "Brief #301: Write a short blog post for a home-gardening site on starting a balcony herb garden.",
        2,
    ),
    "research_desk": (
        "Request #12: How fast are solar and wind power growing worldwide? Summarize the evidence with sources.",
        1,
    ),
    "order_desk": ("Order #5531: 2 keyboards and 1 mouse shipping to Austin, TX, paid by credit card.", 3),
}


def baton_run(name: str, goal: str, cwd: Path) -> dict[str, Any]:
    baton = Path(sys.executable).with_name("baton")
    config = EXAMPLES / name / "baton.toml"
    done = subprocess.run(
        [str(baton), "run", "--config", str(config), goal, "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", list(RUNS))
def test_the_example_runs_its_whole_workflow_on_the_embedded_model(name: str, tmp_path: Path) -> None:
    goal, concurrency = RUNS[name]
    team = load_team(load_config(EXAMPLES / name / "baton.toml", env={}).team.factory)
    result = baton_run(name, goal, tmp_path)

    assert result["status"] == "done", result["error"]
    assert result["output"].strip()
    planned = result["plan"]["subtasks"]
    assert [s["agent"] for s in planned] == [step.agent for step in team.workflow]
    assert [s["depends_on"] for s in planned] == [[f"s{d}" for d in step.after] for step in team.workflow]
    steps = {s["subtask"]["id"]: s for s in result["steps"]}
    assert set(steps) == {s["id"] for s in planned}
    for subtask in planned:
        step = steps[subtask["id"]]
        assert step["status"] == "accepted"
        assert step["route"]["agent"] == subtask["agent"]
        assert step["attempts"][-1]["verdict"]["decision"] == "accept"
        allowed = set(team[subtask["agent"]].card.tools)
        assert {call["tool"] for a in step["attempts"] for call in a["tool_calls"]} <= allowed
    assert result["peak_concurrency"] == concurrency
