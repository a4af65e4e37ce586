"""A tool's arguments from a Python signature: parameters, annotations, defaults and the docstring become a
pydantic model (validation) and its JSON schema (what a model is shown and constrained by).

Annotations are whatever pydantic validates: ``str``, ``int``, ``float``, ``bool``, ``Decimal``, ``date``,
``Literal``, ``Enum``, ``list[...]``, pydantic models, ``Optional``. A parameter without an annotation is ``str``.
The docstring's summary is the tool's description; its per-parameter lines (Google, NumPy or reST style, read by
``docstring_parser``) describe the parameters.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from supervisor.errors import TeamError


class _Arguments(BaseModel):
    # Unknown arguments are refused, not dropped: a model that invents a parameter hears about it.
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class FunctionSignature:
    """What a function says about itself as a tool: its summary and the model of its arguments."""

    description: str
    parameters: type[BaseModel]


def signature_of(function: Callable[..., Any], tool_name: str) -> FunctionSignature:
    """The arguments' model and the description of ``function``; a signature no model can call is a ``TeamError``."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise TeamError(f"tool {tool_name!r}: its function has no signature to read", [tool_name]) from None
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:  # an annotation naming something that is not importable here
        raise TeamError(f"tool {tool_name!r}: its annotations cannot be resolved: {exc}", [tool_name]) from None
    summary, documented = _docstring(function)
    fields: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise TeamError(
                f"tool {tool_name!r}: *{name} cannot be described to a model; name each parameter", [tool_name]
            )
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TeamError(f"tool {tool_name!r}: parameter {name!r} is positional-only", [tool_name])
        if name.startswith("_"):
            raise TeamError(f"tool {tool_name!r}: parameter {name!r} starts with '_'", [tool_name])
        annotation = hints.get(name, str)
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (annotation, Field(default=default, description=documented.get(name)))
    model_name = "".join(part.capitalize() for part in tool_name.split("_")) + "Arguments"
    try:
        model: type[BaseModel] = create_model(model_name, __base__=_Arguments, **fields)
        model.model_json_schema()  # a type with no JSON schema fails here, when the team is built
    except Exception as exc:
        raise TeamError(f"tool {tool_name!r}: its parameters cannot be described: {exc}", [tool_name]) from None
    return FunctionSignature(summary, model)


def _docstring(function: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The docstring's summary (short and long description) and each documented parameter's description."""
    text = inspect.getdoc(function) or ""
    if not text:
        return "", {}
    import docstring_parser

    parsed = docstring_parser.parse(text)
    summary = "\n\n".join(part for part in (parsed.short_description, parsed.long_description) if part)
    return summary.strip(), {p.arg_name: p.description.strip() for p in parsed.params if p.description}
