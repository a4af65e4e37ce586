"""What a model is offered in the tool loop: each tool's spec (its schema narrowed to the values its ``choices``
allow), the arguments that need no model at all, and, for a model without native tool calling, one JSON schema
that is the union of "call tool X with its arguments" and "answer".
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from supervisor.models.tool_calls import RequestedCall, ToolSpec
from supervisor.tools.tool import ChoiceContext, Tool

ANSWER = "answer"
"""The union's "no more calls" member; no tool may take this name."""


@dataclass(frozen=True)
class Offer:
    """One tool as offered this round: its spec, and why it is withheld (no grounded value), if it is."""

    tool: Tool
    spec: ToolSpec
    withheld: str = ""
    settled: dict[str, Any] | None = None
    """The whole arguments object when every argument has exactly one allowed value (no model needed)."""
    allowed: dict[str, list[Any]] = field(default_factory=dict)
    """The values each argument named by the tool's ``choices`` may take this round."""

    def outside_choices(self, arguments: Mapping[str, Any]) -> list[str]:
        """What a call's arguments hold beyond the values its choices allow (a native call is not constrained)."""
        problems = []
        for name, values in self.allowed.items():
            if name in arguments and _canonical(arguments[name]) not in {_canonical(v) for v in values}:
                shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in values[:10])
                problems.append(f"{name}: must be one of {shown}")
        return problems


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def offer(tool: Tool, context: ChoiceContext) -> Offer:
    """``tool`` as a model sees it this round, narrowed by its ``choices``."""
    schema = copy.deepcopy(tool.schema)
    if tool.choices is None:
        return Offer(tool, ToolSpec(tool.name, tool.description, schema))
    allowed = {name: list(values) for name, values in tool.choices(context).items()}
    properties: dict[str, Any] = schema.setdefault("properties", {})
    empty = sorted(name for name, values in allowed.items() if not values)
    if empty:
        why = f"nothing the step was given holds a value for {', '.join(empty)}"
        return Offer(tool, ToolSpec(tool.name, tool.description, schema), withheld=why)
    for name, values in allowed.items():
        if name in properties:
            described = properties[name].get("description")
            properties[name] = {"enum": values, **({"description": described} if described else {})}
    required = set(schema.get("required", []))
    settled = None
    if required <= set(allowed) and all(len(values) == 1 for values in allowed.values()):
        settled = {name: values[0] for name, values in allowed.items()}
    return Offer(tool, ToolSpec(tool.name, tool.description, schema), settled=settled, allowed=allowed)


def step_type(specs: Sequence[ToolSpec]) -> type[BaseModel]:
    """The JSON answer of a model without native tool calling: ``{"step": {"tool": ..., "arguments": {...}}}``,
    one member per tool (its arguments under the tool's own schema) and ``{"step": {"tool": "answer"}}``."""
    return _step_type(tuple((s.name, json.dumps(dict(s.input_schema), sort_keys=True)) for s in specs))


@functools.cache
def _step_type(specs: tuple[tuple[str, str], ...]) -> type[BaseModel]:
    # Types built at run time from the tools' names and schemas: beyond what a static checker can follow.
    answer: Any = Literal[ANSWER]
    members: list[Any] = [create_model("Answer", __config__=ConfigDict(extra="forbid"), tool=(answer, ...))]
    for name, schema in specs:
        named: Any = Literal[name]
        arguments: Any = Annotated[dict[str, Any], WithJsonSchema(json.loads(schema))]
        title = "Call" + "".join(part.capitalize() for part in name.split("_"))
        members.append(
            create_model(title, __config__=ConfigDict(extra="forbid"), tool=(named, ...), arguments=(arguments, ...))
        )
    union: Any = Annotated[Union[tuple(members)], Field(discriminator="tool")]  # noqa: UP007
    model: type[BaseModel] = create_model("ToolStep", step=(union, ...))
    return model


def requested(step: BaseModel | None) -> list[RequestedCall]:
    """The call a union answer asks for (none when it answers)."""
    chosen = getattr(step, "step", None)
    name = str(getattr(chosen, "tool", ANSWER))
    if chosen is None or name == ANSWER:
        return []
    arguments = getattr(chosen, "arguments", {})
    return [RequestedCall(name, dict(arguments) if isinstance(arguments, Mapping) else arguments)]
