"""Plans: subtasks with ids, acceptance criteria and dependencies, forming a DAG.

``Plan`` validates itself: ids are unique and every dependency names an *earlier* subtask, so a plan that
validates can neither hold a cycle nor a dangling reference. A plan the caller gives has no size limit but
memory; a plan a model writes is bounded by ``limits.max_subtasks`` (``plan_output_type``). Its schema grows
linearly with that bound: one array form whose ids and dependencies are enums of ``s1``..``sN``, strings bounded.
"Only on earlier ids" is checked by validation (and a re-ask), not the grammar: a grammar that enforced it needs
one form per position, and per length, which grows with the cube of the bound.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from supervisor.checks.output import OutputChecks
from supervisor.team import Team

DESCRIPTION_MAX = 200
CRITERIA_MAX = 160
REASON_MAX = 160
FEEDBACK_MAX = 200

Decision = Literal["accept", "retry", "reroute", "replan", "escalate"]


class Subtask(BaseModel):
    """One unit of work: what to do, how to know it is done, and what it needs first."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")  # "." for re-plans: r1.s1
    description: str = Field(min_length=3, max_length=DESCRIPTION_MAX)
    acceptance_criteria: str = Field(min_length=3, max_length=CRITERIA_MAX)
    depends_on: tuple[str, ...] = ()
    agent: str | None = Field(default=None, description="the agent the plan suggests; routing may follow it")
    checks: OutputChecks | None = Field(default=None, description="code checks on top of the agent card's")

    def __repr__(self) -> str:
        deps = f" after {','.join(self.depends_on)}" if self.depends_on else ""
        return f"<Subtask {self.id}{deps}: {self.description[:50]!r}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class Plan(BaseModel):
    """An ordered list of subtasks; each may depend only on subtasks listed before it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    max_subtasks: ClassVar[int | None] = None  # a model-written plan's bound (plan_output_type); None: no bound
    agent_names: ClassVar[tuple[str, ...]] = ()  # when set, every suggested agent must be one of them

    subtasks: tuple[Subtask, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_dag(self) -> Plan:
        limit = type(self).max_subtasks
        if limit is not None and len(self.subtasks) > limit:
            raise ValueError(f"the plan has {len(self.subtasks)} subtasks; at most {limit} are allowed")
        seen: set[str] = set()
        for subtask in self.subtasks:
            if subtask.id in seen:
                raise ValueError(f"subtask id {subtask.id!r} is used twice")
            names = type(self).agent_names
            if subtask.agent is not None and names and subtask.agent not in names:
                raise ValueError(
                    f"subtask {subtask.id!r} names agent {subtask.agent!r}, which is not on the team "
                    f"({', '.join(names)})"
                )
            if len(set(subtask.depends_on)) != len(subtask.depends_on):
                raise ValueError(f"subtask {subtask.id!r} lists a dependency twice")
            for dep in subtask.depends_on:
                if dep == subtask.id:
                    raise ValueError(f"subtask {subtask.id!r} depends on itself")
                if dep not in seen:
                    raise ValueError(f"subtask {subtask.id!r} depends on {dep!r}, which is not an earlier subtask")
            seen.add(subtask.id)
        return self

    def get(self, subtask_id: str) -> Subtask:
        for subtask in self.subtasks:
            if subtask.id == subtask_id:
                return subtask
        raise KeyError(subtask_id)

    def __repr__(self) -> str:
        return f"<Plan {len(self.subtasks)} subtask(s): {', '.join(s.id for s in self.subtasks)}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


EXACT_FORMS_UP_TO = 8
"""Plans of up to this many subtasks get one form per length, in which a subtask can name only earlier ids:
the grammar itself rules out cycles, which a small model needs. Larger bounds get one form for every position
(linear in size), with the order of dependencies checked by validation and re-asks."""


def _position_form(index: int) -> dict[str, Any]:
    earlier = [f"s{j}" for j in range(1, index)]
    # An empty array written as a constant: llama.cpp's grammar ignores maxItems on an array without items.
    depends_on: dict[str, Any] = {"const": []}
    if earlier:
        depends_on = {"type": "array", "items": {"enum": earlier}, "maxItems": len(earlier)}
    return {
        "type": "object",
        "properties": {
            "id": {"const": f"s{index}"},
            "description": {"type": "string", "minLength": 3, "maxLength": DESCRIPTION_MAX},
            "acceptance_criteria": {"type": "string", "minLength": 3, "maxLength": CRITERIA_MAX},
            "depends_on": depends_on,
        },
        "required": ["id", "description", "acceptance_criteria", "depends_on"],
        "additionalProperties": False,
    }


def plan_json_schema(min_subtasks: int, max_subtasks: int) -> dict[str, Any]:
    """The constrained-decoding schema for plans of ``min_subtasks``..``max_subtasks`` subtasks."""
    if max_subtasks <= EXACT_FORMS_UP_TO:
        forms = [
            {"type": "array", "prefixItems": [_position_form(i) for i in range(1, n + 1)], "minItems": n, "maxItems": n}
            for n in range(min_subtasks, max_subtasks + 1)
        ]
        return {
            "title": "Plan",
            "type": "object",
            "properties": {"subtasks": forms[0] if len(forms) == 1 else {"anyOf": forms}},
            "required": ["subtasks"],
            "additionalProperties": False,
        }
    ids = [f"s{i}" for i in range(1, max_subtasks + 1)]
    # An empty array written as a constant: llama.cpp's grammar ignores maxItems on an array without items.
    depends_on: dict[str, Any] = {"const": []}
    if max_subtasks > 1:
        depends_on = {"type": "array", "items": {"enum": ids[:-1]}, "maxItems": max_subtasks - 1}
    subtask = {
        "type": "object",
        "properties": {
            "id": {"enum": ids},
            "description": {"type": "string", "minLength": 3, "maxLength": DESCRIPTION_MAX},
            "acceptance_criteria": {"type": "string", "minLength": 3, "maxLength": CRITERIA_MAX},
            "depends_on": depends_on,
        },
        "required": ["id", "description", "acceptance_criteria", "depends_on"],
        "additionalProperties": False,
    }
    return {
        "title": "Plan",
        "type": "object",
        "properties": {
            "subtasks": {"type": "array", "items": subtask, "minItems": min_subtasks, "maxItems": max_subtasks}
        },
        "required": ["subtasks"],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class SkeletonStep:
    """One step of a plan skeleton built in code: the agent and the wordings a model may choose from."""

    agent: str
    descriptions: tuple[str, ...]
    criteria: tuple[str, ...]
    after: tuple[int, ...] = ()


def skeleton_plan_json_schema(steps: tuple[SkeletonStep, ...], min_subtasks: int) -> dict[str, Any]:
    """A schema where a model adapts a skeleton: it keeps a prefix of the steps and picks each wording.

    Dependencies and agents are fixed by the skeleton; descriptions and criteria are enums of the wordings it
    offers, so even a very small model writes a plan that makes sense.
    """

    def form(index: int, step: SkeletonStep) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "id": {"const": f"s{index}"},
                "description": {"enum": list(step.descriptions)},
                "acceptance_criteria": {"enum": list(step.criteria)},
                "depends_on": {"const": [f"s{dep}" for dep in step.after]},
                "agent": {"const": step.agent},
            },
            "required": ["id", "description", "acceptance_criteria", "depends_on", "agent"],
            "additionalProperties": False,
        }

    lowest = max(1, min(min_subtasks, len(steps)))
    forms = [
        {
            "type": "array",
            "prefixItems": [form(i, step) for i, step in enumerate(steps[:n], start=1)],
            "minItems": n,
            "maxItems": n,
        }
        for n in range(len(steps), lowest - 1, -1)  # the full skeleton first: the likeliest choice
    ]
    return {
        "title": "Plan",
        "type": "object",
        "properties": {"subtasks": forms[0] if len(forms) == 1 else {"anyOf": forms}},
        "required": ["subtasks"],
        "additionalProperties": False,
    }


def skeleton_from_workflow(team: Team) -> tuple[SkeletonStep, ...]:
    """A skeleton from the team's workflow, worded from each step's own description or its agent's card."""
    steps = []
    for step in team.workflow:
        card = team[step.agent].card
        wordings = (step.description,) if step.description else card.examples or (card.description,)
        steps.append(
            SkeletonStep(
                agent=step.agent,
                descriptions=tuple(w[:DESCRIPTION_MAX] for w in wordings),
                criteria=tuple(f"gives {o}"[:CRITERIA_MAX] for o in card.outputs) or ("answers the subtask fully",),
                after=step.after,
            )
        )
    return tuple(steps)


@functools.cache
def _plan_type(schema_json: str, max_subtasks: int, agent_names: tuple[str, ...]) -> type[Plan]:
    schema = json.loads(schema_json)

    def replace_schema(generated: dict[str, Any]) -> None:
        generated.clear()
        generated.update(schema)

    return type(
        "Plan",
        (Plan,),
        {
            "model_config": ConfigDict(extra="forbid", frozen=True, json_schema_extra=replace_schema),
            "max_subtasks": max_subtasks,
            "agent_names": agent_names,
            "__module__": __name__,
        },
    )


def plan_output_type(schema: dict[str, Any], max_subtasks: int, agent_names: tuple[str, ...] = ()) -> type[Plan]:
    """A ``Plan`` subclass whose JSON schema is ``schema``: what a model fills in under constrained decoding."""
    return _plan_type(json.dumps(schema, sort_keys=True), max_subtasks, agent_names)


class _Open:
    """Marks a schema that admits more than one value."""


OPEN = _Open()


def only_value(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """The single value a JSON schema admits (a const, a one-item enum, objects and fixed arrays of those), or
    ``OPEN`` when it admits several: where there is nothing to choose, no model needs to be asked."""
    defs = schema.get("$defs", defs) or {}
    if "$ref" in schema:
        return only_value(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0] if len(schema["enum"]) == 1 else OPEN
    if "anyOf" in schema:
        return only_value(schema["anyOf"][0], defs) if len(schema["anyOf"]) == 1 else OPEN
    if schema.get("type") == "object" and "properties" in schema:
        value = {}
        for name, prop in schema["properties"].items():
            value[name] = only_value(prop, defs)
            if value[name] is OPEN:
                return OPEN
        return value
    if schema.get("type") == "array":
        fixed = schema.get("prefixItems")
        count = schema.get("minItems", 0)
        if fixed is not None and count == schema.get("maxItems") == len(fixed):
            items = [only_value(item, defs) for item in fixed]
        elif "items" in schema and count >= 1 and count == schema.get("maxItems", count):
            items = [only_value(schema["items"], defs)] * count
        elif ("items" in schema and schema.get("maxItems") == 1) or (
            "items" in schema and "enum" in schema["items"] and len(schema["items"]["enum"]) == 1
        ):
            items = [only_value(schema["items"], defs)]
        else:
            return OPEN
        return OPEN if any(item is OPEN for item in items) else items
    return OPEN


def token_budget(max_subtasks: int) -> int:
    """``max_tokens`` for a plan call: above the schema's worst case, since a grammar cannot stop truncation."""
    # Worst case is one token per character of every bounded string, plus keys, ids and punctuation.
    per_subtask = DESCRIPTION_MAX + CRITERIA_MAX + 40 + 6 * max_subtasks
    return 32 + max_subtasks * per_subtask


# -- routing -------------------------------------------------------------------------------------------


class RouteChoice(BaseModel):
    """What a model answers when asked to route: one agent name and a short reason."""

    model_config = ConfigDict(defer_build=True)

    agent: str
    reason: str


@functools.cache
def route_output_type(agent_names: tuple[str, ...]) -> type[RouteChoice]:
    """A ``RouteChoice`` whose ``agent`` is an enum of exactly these names."""
    agent_enum = Literal[agent_names]  # type: ignore[valid-type]
    model: type[RouteChoice] = create_model(
        "RouteChoice",
        __base__=RouteChoice,
        agent=(agent_enum, ...),
        reason=(str, Field(min_length=1, max_length=REASON_MAX)),
    )
    return model


# -- judging -------------------------------------------------------------------------------------------


class Verdict(BaseModel):
    """The supervisor model's decision on one output.

    ``feedback`` goes back to the specialist on a retry; ``agent`` names the other agent on a reroute.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    decision: Decision
    feedback: str = Field(default="", max_length=FEEDBACK_MAX)
    agent: str | None = None

    def __repr__(self) -> str:
        note = f": {self.feedback[:50]!r}" if self.feedback else ""
        return f"<Verdict {self.decision}{note}>"

    __str__ = __repr__


@functools.cache
def verdict_output_type(agent_names: tuple[str, ...]) -> type[Verdict]:
    """A ``Verdict`` whose ``agent`` can only name a member of the team (or nobody)."""
    agent_enum = Literal[(*agent_names, "")]  # type: ignore[valid-type]
    model: type[Verdict] = create_model(
        "Verdict", __base__=Verdict, agent=(agent_enum, Field(default="", description="the agent for a reroute"))
    )
    return model
