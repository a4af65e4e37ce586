"""Sync tools run in a worker bounded by the step's deadline: a tool past it is abandoned and the step fails with
``StepTimeoutError``, a hung tool never holds up the run (or the event loop's shutdown), and a cooperative tool
can read the time it has left."""

from __future__ import annotations

import threading

import pytest
from support.teams import make_team

from supervisor import BatonConfig, Card, RunScript, Specialist, StepTimeoutError, Supervisor, Team, Tool
from supervisor.tools.worker import tool_time_left

GOAL = "Write a reply email to a customer about order 1042"


def team_with(function: object) -> Team:
    writer = make_team()["writer"]
    card: Card = writer.card.model_copy(update={"tools": ("lookup",)})
    tool = Tool("lookup", "look up the order", function)  # type: ignore[arg-type]
    return Team([Specialist(name="writer", card=card, instructions="You write.", tools=(tool,))])


def supervisor(function: object, step_timeout_s: float) -> Supervisor:
    config = BatonConfig.model_validate(
        {"audit": {"enabled": False}, "routing": {"similarity": "bm25"}, "limits": {"step_timeout_s": step_timeout_s}}
    )
    model = RunScript(plan=[("s1", "Write the reply email", [])], tool_choice=("lookup", "order 1042")).model("gpt-4o")
    return Supervisor(team_with(function), config=config, model=model)


@pytest.mark.timeout(60)
def test_a_hung_sync_tool_is_abandoned_at_the_step_deadline() -> None:
    release, started = threading.Event(), threading.Event()

    def hung_lookup(query: str) -> str:
        started.set()
        release.wait(120)  # hangs until the test lets it go: the run must not wait for it
        return "too late"

    result = supervisor(hung_lookup, step_timeout_s=0.5).run_sync(GOAL)
    try:
        assert started.is_set() and not release.is_set()  # the run ended while the tool was still blocked
        assert (result.status, result.error_type) == ("stopped", "StepTimeoutError")
        assert "ran past 0.5 s" in (result.error or "")
        with pytest.raises(StepTimeoutError):
            result.raise_for_status()
        assert result.steps[0].status == "failed"
    finally:
        release.set()


def test_a_tool_reads_the_time_its_step_has_left() -> None:
    seen: list[float | None] = []

    def patient_lookup(query: str) -> str:
        seen.append(tool_time_left())
        return f"order {query}: shipped"

    result = supervisor(patient_lookup, step_timeout_s=30).run_sync(GOAL)
    assert result.status == "done", result.error
    assert len(seen) == 1 and seen[0] is not None and 0 < seen[0] <= 30
    assert result.steps[0].attempts[0].tool_calls[0].output == "order order 1042: shipped"


def test_outside_a_step_without_a_limit_no_deadline_is_given() -> None:
    assert tool_time_left() is None
