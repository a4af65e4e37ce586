"""Each tool call is a journal step of its own, keyed by tool, attempt and call number: a loop may call one
at-most-once tool twice (an intent per call, an idempotency key per call), and a resumed run replays the calls
that completed and settles the one a crash cut off without running it again."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from supervisor import BatonConfig, Card, RunScript, ScriptedCall, Specialist, Supervisor, Team, Tool, idempotency_key

GOAL = "Book two deliveries for customer 7731: one to Lyon, one to Nantes."
keys_seen: list[str] = []
booked: list[str] = []


class Crash(BaseException):
    """Stands in for the process dying mid-call: nothing in the run catches it."""


@pytest.fixture(autouse=True)
def _clear() -> None:
    keys_seen.clear()
    booked.clear()


def booking_team(book: Tool) -> Team:
    card = Card(name="bookings", description="Books deliveries.", tools=(book.name,), privilege="write")
    return Team([Specialist(name="bookings", card=card, instructions="You book.", tools=(book,))])


def calls(call: ScriptedCall) -> Any:
    cities = {1: "Lyon", 2: "Nantes"}
    return ("book", {"city": cities[call.tool_round]}) if call.tool_round in cities else None


def supervisor(book: Tool) -> Supervisor:
    config = BatonConfig.model_validate(
        {"audit": {"enabled": False}, "routing": {"similarity": "bm25"}, "guards": {"tools": {"book": "allow"}}}
    )
    model = RunScript(plan=[("s1", "Book the deliveries", [])], tool_calls=calls).model("gpt-4o")
    return Supervisor(booking_team(book), config=config, model=model)


def journal_keys(home: Path) -> list[str]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT step_key FROM steps")]


def test_two_calls_of_an_at_most_once_tool_are_two_steps_with_an_intent_and_a_key_each(baton_home: Path) -> None:
    def book(city: str) -> str:
        """Book a delivery.

        Args:
            city: where to
        """
        keys_seen.append(str(idempotency_key()))
        booked.append(city)
        return f"booked to {city}"

    result = supervisor(Tool.from_function(book, side_effects=True, delivery="at_most_once")).run_sync(GOAL)

    assert result.status == "done", result.error
    assert booked == ["Lyon", "Nantes"]
    keys = journal_keys(baton_home)
    for suffix in ("tool:book/1", "tool:book/2", "intent:book/1", "intent:book/2"):
        assert f"s1.p0.v0/attempt:1/{suffix}" in keys
    assert keys_seen == [
        f"{result.run_id}/s1.p0.v0/attempt:1/tool:book/1",
        f"{result.run_id}/s1.p0.v0/attempt:1/tool:book/2",
    ]


def test_a_resume_replays_the_completed_call_and_settles_the_cut_off_one_without_running_it(baton_home: Path) -> None:
    settled: list[tuple[str, str]] = []

    def book(city: str) -> str:
        """Book a delivery.

        Args:
            city: where to
        """
        booked.append(city)
        if city == "Nantes":
            raise Crash  # it acted, then the process died before its result was recorded
        return f"booked to {city}"

    def reconcile(arguments: str, key: str) -> str | None:
        settled.append((arguments, key))
        return "booked to Nantes (found at the carrier)"

    tool = Tool.from_function(book, side_effects=True, delivery="at_most_once", reconcile=reconcile)
    with pytest.raises(Crash):
        supervisor(tool).run_sync(GOAL)
    assert booked == ["Lyon", "Nantes"]

    run_id = the_only_run(baton_home)
    resumed = supervisor(tool).resume_sync(run_id)

    assert resumed.status == "done", resumed.error
    assert booked == ["Lyon", "Nantes"]  # neither call ran again
    assert settled == [('{"city": "Nantes"}', f"{run_id}/s1.p0.v0/attempt:1/tool:book/2")]
    made = resumed.steps[0].attempts[0].tool_calls
    assert [c.output for c in made] == ["booked to Lyon", "booked to Nantes (found at the carrier)"]


def the_only_run(home: Path) -> str:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        rows = list(db.execute("SELECT run_id FROM runs"))
    assert len(rows) == 1
    return str(rows[0][0])
