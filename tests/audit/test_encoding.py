"""An entry's data is written in one pass, in exactly the canonical JSON of the event's data."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pytest

from supervisor.audit.chain import canonical_json
from supervisor.audit.encoding import encode_event, event_data
from supervisor.decisions.schemas import Plan, Subtask
from supervisor.events import (
    AttemptStarted,
    Event,
    GuardTripped,
    OutputProduced,
    PlanMade,
    RunFinished,
    RunStarted,
    SubtaskRouted,
    VerdictGiven,
)
from supervisor.result import CheckedVerdict, RouteDecision, RunResult

HOSTILE = 'q"uote \\ \x00\x1f\x7f é 中 \u2028 \U0001f600 \ud800 %s %(x)s {}'


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True, slots=True, kw_only=True)
class OddEvent(Event):
    """An event class the log has never heard of, with every kind of value a field may hold."""

    zeta: float
    alpha: bool
    big: int
    nothing: None
    colour: Colour
    path: PurePosixPath
    tags: frozenset[str]
    pairs: tuple[tuple[str, int], ...]
    nested: dict[str, Any]


PLAN = Plan(subtasks=(Subtask(id="s1", description="Do the thing", acceptance_criteria="It is done"),))
EVENTS: list[Event] = [
    RunStarted(run_id="r", seq=1, goal=HOSTILE, team=("a", HOSTILE), config_fingerprint="f" * 64),
    PlanMade(run_id="r", seq=2, plan=PLAN),
    SubtaskRouted(
        run_id="r",
        seq=3,
        decision=RouteDecision(subtask_id="s1", agent="a", reason=HOSTILE, decided_by="plan", scores={"a": 0.5}),
    ),
    AttemptStarted(run_id="r", seq=4, subtask_id="s1", agent="a", attempt=2**70),
    OutputProduced(run_id="r", seq=5, subtask_id="s1", agent="a", attempt=1, output=HOSTILE),
    VerdictGiven(
        run_id="r",
        seq=6,
        subtask_id="s1",
        agent="a",
        attempt=1,
        verdict=CheckedVerdict(decision="accept", feedback=HOSTILE, decided_by="code"),
    ),
    GuardTripped(
        run_id="r", seq=7, subtask_id="s1", agent="a", channel="output", guard="g", status="blocked", reasons=("x",)
    ),
    OddEvent(
        run_id="r",
        seq=8,
        zeta=-0.0,
        alpha=True,
        big=-(2**65),
        nothing=None,
        colour=Colour.RED,
        path=PurePosixPath("/tmp/x"),
        tags=frozenset({"b", "a", HOSTILE}),
        pairs=(("x", 1),),
        nested={"z": [1.5, None, {"y": HOSTILE}], "a": float("inf")},
    ),
    RunFinished(run_id="r", seq=9, result=RunResult(run_id="r", goal=HOSTILE, status="done", output=HOSTILE)),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_an_event_is_encoded_as_the_canonical_json_of_its_data(event: Event) -> None:
    assert encode_event(event) == canonical_json(event_data(event))


def test_the_run_id_and_sequence_number_are_not_in_the_data() -> None:
    started = EVENTS[0]
    assert set(event_data(started)) == {"goal", "team", "config_fingerprint"}
    assert '"run_id"' not in encode_event(started) and '"seq"' not in encode_event(started)
