"""Shared builders for unit tests: a small team and a scripted responder for every kind of call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from supervisor import Card, ScriptedCall, Specialist, Team, Tool, WorkflowStep


def make_team(with_tool: bool = False) -> Team:
    """A two-member team: a writer and a reviewer."""
    tools = (Tool("lookup", "look up facts", lambda q: f"facts about {q}"),) if with_tool else ()
    writer = Specialist(
        name="writer",
        card=Card(
            name="writer",
            description="Writes text: emails, answers and articles.",
            skills=("write emails", "draft answers"),
            examples=("Write the reply email",),
            outputs=("a written text",),
            tools=("lookup",) if with_tool else (),
        ),
        instructions="You write.",
        tools=tools,
    )
    reviewer = Specialist(
        name="reviewer",
        card=Card(
            name="reviewer",
            description="Reviews written text for mistakes and tone.",
            skills=("review text", "check tone"),
            examples=("Review the draft",),
            outputs=("a review",),
        ),
        instructions="You review.",
    )
    # A workflow, not a pipeline: a capable model plans freely from it, which these tests script.
    return Team([writer, reviewer], workflow=(WorkflowStep("writer"), WorkflowStep("reviewer", after=(1,))))


def plan_answer(*subtasks: tuple[str, str, list[str]]) -> dict[str, Any]:
    """A plan as a model would write it: (id, description, depends_on) triples."""
    return {
        "subtasks": [
            {"id": i, "description": d, "acceptance_criteria": "it is complete", "depends_on": deps}
            for i, d, deps in subtasks
        ]
    }


def task_of(call: ScriptedCall) -> str:
    """The task line of a specialist prompt."""
    line = next((x for x in call.last_user.splitlines() if x.startswith("Your task:")), "the goal")
    return line.removeprefix("Your task:").strip()


def on_topic_answer(call: ScriptedCall) -> str:
    """A complete answer about the call's own task, so code checks pass."""
    return f"Output for: {task_of(call)}. It deals with the task in full, as asked."


Responder = Callable[[ScriptedCall], Any]


def responder(
    plan: dict[str, Any],
    *,
    verdicts: list[str] | None = None,
    route: str | None = None,
    text: Callable[[ScriptedCall], str] | None = None,
) -> Responder:
    """Answer each kind of supervisor/specialist call; verdicts are consumed in order (default accept)."""
    pending = list(verdicts or [])

    def respond(call: ScriptedCall) -> Any:
        kind = call.output_type.__name__ if call.output_type else None
        if kind == "Plan":
            return json.dumps(plan)
        if kind == "RouteChoice":
            return {"agent": route or "writer", "reason": "fits best"}
        if kind == "Verdict":
            decision = pending.pop(0) if pending else "accept"
            feedback = "" if decision == "accept" else "Mention the refund amount."
            return {"decision": decision, "feedback": feedback}
        if kind == "ToolChoice":
            offered = call.output_type.model_json_schema()["properties"]["tool"]["enum"]  # type: ignore[union-attr]
            return {"tool": "lookup" if "lookup" in offered else offered[0], "query": "refund policy"}
        return text(call) if text else on_topic_answer(call)

    return respond
