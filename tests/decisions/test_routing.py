"""Routing: card similarity first, the model only between close candidates, always a real agent."""

from __future__ import annotations

import asyncio

from support.teams import make_team

from supervisor import BatonConfig, ScriptedModel, Subtask, Supervisor
from supervisor.decisions.routing import candidates


def subtask(description: str) -> Subtask:
    return Subtask(id="s1", description=description, acceptance_criteria="done")


def test_a_clear_card_match_routes_without_a_model_call() -> None:
    model = ScriptedModel(name="route-clear")
    decision = asyncio.run(Supervisor(make_team(), model=model).route(subtask("Review the draft for tone")))
    assert decision.agent == "reviewer"
    assert decision.decided_by == "similarity"
    assert decision.scores["reviewer"] > decision.scores["writer"]
    assert model.calls == []


def test_close_candidates_are_decided_by_the_model_from_an_enum_of_them() -> None:
    model = ScriptedModel(
        [{"agent": "nobody", "reason": "x"}, {"agent": "reviewer", "reason": "it reviews"}],
        name="route-close",
    )
    config = BatonConfig.model_validate({"routing": {"decide_gap": 1.0, "similarity": "bm25"}})
    decision = asyncio.run(Supervisor(make_team(), model=model, config=config).route(subtask("Review the text")))
    assert decision.agent == "reviewer"
    assert decision.decided_by == "model"
    assert decision.reason == "it reviews"
    schema = model.calls[0].output_type.model_json_schema()  # type: ignore[union-attr]
    assert sorted(schema["properties"]["agent"]["enum"]) == ["reviewer", "writer"]
    assert "nobody" in model.calls[1].prompt  # the invalid name was re-asked
    model.assert_complete()


def test_candidates_without_evidence_keep_every_agent() -> None:
    assert candidates({"a": 0.0, "b": 0.0, "c": 0.0}, 2, 0.3) == (["a", "b", "c"], False)
    assert candidates({"a": 3.0, "b": 1.0, "c": 0.0}, 2, 0.3) == (["a"], True)
    assert candidates({"a": 3.0, "b": 2.5, "c": 2.0}, 2, 0.3) == (["a", "b"], False)
    assert candidates({"a": 3.0, "b": 2.5, "c": 2.0}, 3, 0.3) == (["a", "b", "c"], False)


def test_without_model_routing_a_close_call_goes_to_the_best_card_and_says_so() -> None:
    model = ScriptedModel(name="route-never")
    config = BatonConfig.model_validate({"routing": {"decide_gap": 1.0, "similarity": "bm25", "ask_model": False}})
    decision = asyncio.run(Supervisor(make_team(), model=model, config=config).route(subtask("Review the text")))
    assert decision.agent == max(decision.scores, key=lambda name: decision.scores[name]) == "reviewer"
    assert decision.decided_by == "similarity"
    assert "close call" in decision.reason
    assert model.calls == []
