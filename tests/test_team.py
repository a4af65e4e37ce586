"""Cards and teams are validated when they are built."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from supervisor import Card, Specialist, Team, TeamError, Tool, UnknownAgentError


def specialist(name: str, tools: tuple[str, ...] = (), provided: tuple[Tool, ...] = ()) -> Specialist:
    card = Card(name=name, description=f"{name} does things", tools=tools)
    return Specialist(name=name, card=card, instructions="Do it.", tools=provided)


def test_duplicate_names_are_rejected_with_the_names() -> None:
    with pytest.raises(TeamError, match=r"duplicate specialist name.*alpha") as info:
        Team([specialist("alpha"), specialist("beta"), specialist("alpha")])
    assert info.value.names == ["alpha"]


def test_a_card_naming_a_missing_tool_is_rejected_with_the_tool() -> None:
    with pytest.raises(TeamError, match=r"'alpha' names tool.*refund") as info:
        Team([specialist("alpha", tools=("refund", "search"), provided=(Tool("search", "search", lambda q: q),))])
    assert info.value.names == ["refund"]


def test_cards_forbid_unknown_fields_and_bad_names() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Card(name="alpha", description="x", privileges="admin")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Card(name="Alpha Agent!", description="x")


def test_pipeline_must_name_members() -> None:
    with pytest.raises(TeamError, match="gamma"):
        Team([specialist("alpha")], pipeline=("alpha", "gamma"))


def test_unknown_agent_lookup_names_the_team() -> None:
    team = Team([specialist("alpha"), specialist("beta")])
    with pytest.raises(UnknownAgentError, match="alpha, beta"):
        team["gamma"]


def test_a_tool_the_card_does_not_allow_is_an_error_at_construction() -> None:
    extra = Tool("delete_everything", "dangerous", lambda q: q)
    search = Tool("search", "search", lambda q: q)
    with pytest.raises(TeamError, match="delete_everything"):
        specialist("alpha", tools=("search",), provided=(search, extra))
    member = specialist("alpha", tools=("search",), provided=(search,))
    assert [t.name for t in member.allowed_tools()] == ["search"]


def test_a_tool_whose_function_cannot_take_one_text_argument_is_refused() -> None:
    with pytest.raises(TeamError, match="one text argument"):
        Tool("lookup", "look up", lambda: "nothing")
    with pytest.raises(TeamError, match="one text argument"):
        Tool("lookup", "look up", lambda a, b: a + b)
    Tool("lookup", "look up", lambda query, limit=3: query)  # a default is fine


def test_the_name_is_written_once_and_a_differing_card_name_is_refused() -> None:
    member = Specialist(name="alpha", card=Card(description="does things"), instructions="Do it.")
    assert member.card.name == "alpha"
    with pytest.raises(TeamError, match="leave the card's name out"):
        Specialist(name="alpha", card=Card(name="beta", description="does things"), instructions="Do it.")
