"""Plans are DAGs by construction: dependencies only on earlier subtasks."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import ValidationError

from supervisor import Card, LimitsConfig, Plan, ScriptedModel, Specialist, Team
from supervisor.decisions.planning import pipeline_plan
from supervisor.decisions.schemas import (
    plan_json_schema,
    plan_output_type,
    skeleton_from_workflow,
    skeleton_plan_json_schema,
    token_budget,
)


def subtask(i: str, deps: list[str]) -> dict[str, object]:
    return {"id": i, "description": f"do {i}", "acceptance_criteria": "done", "depends_on": deps}


def test_a_valid_dag_validates() -> None:
    plan = Plan.model_validate({"subtasks": [subtask("s1", []), subtask("s2", ["s1"]), subtask("s3", ["s1", "s2"])]})
    assert [s.id for s in plan.subtasks] == ["s1", "s2", "s3"]


@pytest.mark.parametrize(
    ("subtasks", "problem"),
    [
        ([subtask("s1", ["s2"]), subtask("s2", ["s1"])], "not an earlier subtask"),  # cycle
        ([subtask("s1", ["s9"])], "not an earlier subtask"),  # dangling
        ([subtask("s1", ["s1"])], "depends on itself"),
        ([subtask("s1", []), subtask("s1", [])], "used twice"),
        ([subtask("s1", []), subtask("s2", ["s1", "s1"])], "twice"),
        ([], "at least 1"),
    ],
)
def test_invalid_plans_say_what_is_wrong(subtasks: list[dict[str, object]], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Plan.model_validate({"subtasks": subtasks})


def test_plan_type_bounds_the_number_of_subtasks() -> None:
    bounded = plan_output_type(plan_json_schema(1, 2), 2)
    with pytest.raises(ValidationError, match="at most 2"):
        bounded.model_validate({"subtasks": [subtask("s1", []), subtask("s2", []), subtask("s3", [])]})


def test_a_large_free_schema_is_one_form_whose_ids_and_dependencies_are_enums() -> None:
    schema = plan_output_type(plan_json_schema(2, 12), 12).model_json_schema()
    form = schema["properties"]["subtasks"]
    assert (form["minItems"], form["maxItems"]) == (2, 12)
    subtask = form["items"]["properties"]
    assert subtask["id"] == {"enum": [f"s{i}" for i in range(1, 13)]}
    assert subtask["depends_on"]["items"]["enum"] == [f"s{i}" for i in range(1, 12)]
    assert subtask["description"]["maxLength"] > 0


def test_a_small_free_schema_lets_a_subtask_name_only_earlier_ids() -> None:
    # Up to EXACT_FORMS_UP_TO subtasks the grammar itself rules out a cycle: what a small model needs.
    forms = plan_json_schema(2, 3)["properties"]["subtasks"]["anyOf"]
    assert [f["minItems"] for f in forms] == [2, 3]
    third = forms[1]["prefixItems"][2]["properties"]
    assert third["id"] == {"const": "s3"} and third["depends_on"]["items"]["enum"] == ["s1", "s2"]
    assert plan_json_schema(1, 1)["properties"]["subtasks"]["prefixItems"][0]["properties"]["depends_on"] == {
        "const": []
    }


def test_free_schema_grows_linearly_with_the_bound() -> None:
    # A 16-way fan-out is an ordinary plan for a strong model: its schema must stay small.
    sizes = {n: len(json.dumps(plan_json_schema(1, n))) for n in (16, 32, 64)}
    assert sizes[64] - sizes[32] <= 2.2 * (sizes[32] - sizes[16])
    assert sizes[16] < 4_000


def test_a_model_written_plan_depending_on_a_later_id_is_re_asked() -> None:
    typed = plan_output_type(plan_json_schema(1, 3), 3)
    backwards = {"subtasks": [subtask("s2", ["s1"]), subtask("s1", [])]}
    fixed = {"subtasks": [subtask("s1", []), subtask("s2", ["s1"])]}
    model = ScriptedModel([backwards, fixed])
    completion = asyncio.run(model.complete([{"role": "user", "content": "plan"}], output_type=typed, max_reasks=1))
    assert completion.output is not None
    assert [s.id for s in completion.output.subtasks] == ["s1", "s2"]
    assert len(model.calls) == 2  # the schema admitted the backwards plan; validation caught it and re-asked


def test_a_plan_the_caller_gives_has_no_size_limit() -> None:
    chain = [subtask("s1", [])] + [subtask(f"s{i}", [f"s{i - 1}"]) for i in range(2, 501)]
    assert len(Plan.model_validate({"subtasks": chain}).subtasks) == 500
    assert len(pipeline_plan(["writer"] * 500, "a long goal").subtasks) == 500


def test_limits_bound_a_model_written_plan_by_policy_not_a_constant() -> None:
    limits = LimitsConfig(min_subtasks=16, max_subtasks=40)
    bounded = plan_output_type(plan_json_schema(limits.min_subtasks, limits.max_subtasks), limits.max_subtasks)
    fan_out = [subtask(f"s{i}", []) for i in range(1, 17)]
    assert len(bounded.model_validate({"subtasks": fan_out}).subtasks) == 16
    with pytest.raises(ValidationError, match="at most 40"):
        bounded.model_validate({"subtasks": [subtask(f"s{i}", []) for i in range(1, 42)]})


def member(name: str, example: str) -> Specialist:
    card = Card(name=name, description=name, examples=(example,), outputs=("a note",))
    return Specialist(name=name, card=card, instructions="x")


def test_skeleton_schema_offers_the_cards_wordings_as_enums() -> None:
    team = Team(
        [member("intake", "Triage the ticket"), member("drafting", "Write the reply")], pipeline=("intake", "drafting")
    )
    schema = skeleton_plan_json_schema(skeleton_from_workflow(team), min_subtasks=1)
    forms = schema["properties"]["subtasks"]["anyOf"]
    assert forms[0]["maxItems"] == 2  # the whole skeleton is offered first
    second = forms[0]["prefixItems"][1]["properties"]
    assert second["description"] == {"enum": ["Write the reply"]}
    assert second["depends_on"] == {"const": ["s1"]}
    assert second["agent"] == {"const": "drafting"}


def test_a_workflow_skeleton_keeps_parallel_steps_parallel() -> None:
    from supervisor import WorkflowStep

    team = Team(
        [member("a", "Do a"), member("b", "Do b"), member("c", "Do c")],
        workflow=[WorkflowStep("a"), WorkflowStep("b"), WorkflowStep("c", after=(1, 2), description="Join them")],
    )
    form = skeleton_plan_json_schema(skeleton_from_workflow(team), min_subtasks=3)["properties"]["subtasks"]
    third = form["prefixItems"][2]["properties"]
    assert third["depends_on"] == {"const": ["s1", "s2"]}
    assert third["description"] == {"enum": ["Join them"]}


def test_a_plan_naming_an_agent_off_the_team_is_invalid() -> None:
    typed = plan_output_type(plan_json_schema(1, 2), 2, ("writer",))
    with pytest.raises(ValidationError, match="not on the team"):
        typed.model_validate({"subtasks": [{**subtask("s1", []), "agent": "hacker"}]})


def test_token_budget_exceeds_the_worst_case_of_the_schema() -> None:
    # every bounded string at one token per character, for the largest plan
    assert token_budget(4) > 4 * (200 + 160)
