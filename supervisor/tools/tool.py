"""A tool a specialist may call: a named function whose result is data, never instructions.

Three ways to make one, one way to call it (``Tool.call`` with a JSON object of arguments, validated first):

- ``Tool(name, description, function)``: a function of one text argument (its schema is one string, ``query``);
- ``Tool.from_function(fn)`` or ``@tool``: typed parameters read from the signature and the docstring;
- ``Tool.from_schema(name, description, input_schema, function)``: a JSON schema and a function of the whole
  arguments object (tools from another process, such as an MCP server).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from supervisor.errors import TeamError, ToolArgumentsError

ToolFunction = Callable[..., Any] | Callable[..., Awaitable[Any]]
SchemaFunction = Callable[[dict[str, Any]], str] | Callable[[dict[str, Any]], Awaitable[str]]
ToolArgument = Literal["model", "goal", "inputs"]
Delivery = Literal["idempotent", "at_most_once"]
Reconcile = Callable[[str, str], str | None]
"""(arguments, idempotency key) -> the result the call produced, or None when it never acted. ``arguments`` is the
text argument of a one-text tool, else the JSON text of the call's arguments."""
ArgumentChoices = Callable[["ChoiceContext"], Mapping[str, list[Any]]]
"""What a step was given -> the values each named argument may take (drawn from that material, never invented)."""
CallStyle = Literal["text", "keywords", "mapping"]
TOOL_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
RESERVED_NAMES = frozenset({"answer", "none"})
"""What a model answers for "no (more) tool calls": the loop's JSON step and the one-text choice."""
TEXT_ARGUMENT = "query"


class TextArgument(BaseModel):
    """The one parameter of a one-text tool."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use, not at import

    query: str = Field(default="", description="what to look up or do, in words")


@dataclass(frozen=True)
class ChoiceContext:
    """What a step was given, for a tool's ``choices``: the goal, the accepted inputs, earlier tool results."""

    goal: str
    inputs: tuple[str, ...] = ()
    tool_results: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    """A function a specialist may call; its result is data, never instructions.

    The function is checked when the tool is made: a one-text tool's function must take exactly one argument
    without a default; a typed tool's signature must describe every parameter.
    """

    name: str
    description: str
    function: ToolFunction
    side_effects: bool = False
    argument: ToolArgument = "model"
    """For a one-text tool, where its argument comes from: ``"model"`` (the specialist writes it: tainted),
    ``"goal"`` (the goal as the user gave it) or ``"inputs"`` (the step's accepted inputs). A desk that looks up
    the ticket or the order itself passes the text it was given, not a paraphrase. Typed tools trace each argument
    (see ``supervisor.tools.arguments``); for them this names where the values their ``choices`` draw come from,
    for a value held to the choices that no verbatim trace finds (an item the goal names in the plural)."""
    delivery: Delivery | None = None
    """How a side effect survives a crash and a resume: ``"idempotent"`` (the tool receives a stable key,
    ``idempotency_key()``, and the system it calls de-duplicates on it) or ``"at_most_once"`` (an intent is
    committed before the call; an intent without a result goes to ``reconcile`` or a person, never re-run
    silently). A side-effecting tool that declares neither is treated as ``"at_most_once"``."""
    reconcile: Reconcile | None = None
    """For an at-most-once tool: asks the system it calls whether the call acted, after a crash."""
    parameters: type[BaseModel] | None = None
    """The model the arguments validate against (``from_function``); a one-text tool's is ``TextArgument``; a
    ``from_schema`` tool has none (its ``input_schema`` validates)."""
    input_schema: Mapping[str, Any] | None = None
    """The arguments' JSON schema: given for ``from_schema``, derived from ``parameters`` otherwise."""
    choices: ArgumentChoices | None = None
    """Optional: the values each named argument may take, drawn from what the step was given (the goal, the
    inputs, earlier tool results). The model then picks among them under a constrained schema, and an argument
    with a single value is filled in without asking: a small model cannot invent an order id it was not given."""
    style: CallStyle = field(default="text", init=False, compare=False)
    """How ``function`` is called: with the text (``text``), by keyword (``keywords``), or with the arguments
    object (``mapping``). Derived from how the tool was made."""

    def __post_init__(self) -> None:
        if self.delivery is not None and not self.side_effects:
            raise TeamError(
                f"tool {self.name!r} declares delivery={self.delivery!r}: set side_effects=True", [self.name]
            )
        if not re.fullmatch(TOOL_NAME_PATTERN, self.name):
            raise TeamError(f"tool name {self.name!r} must be lowercase letters, digits or _ (1-40)", [self.name])
        if self.name in RESERVED_NAMES:
            raise TeamError(f"tool name {self.name!r} is reserved: it means 'no tool' to a model", [self.name])
        if not callable(self.function):
            raise TeamError(f"tool {self.name!r}: its function is a {type(self.function).__name__}", [self.name])
        if self.parameters is not None and self.parameters is not TextArgument:
            self._set("style", "keywords")
            self._set("input_schema", self.parameters.model_json_schema())
        elif self.input_schema is not None and self.parameters is None:
            self._set("style", "mapping")
            self._set("input_schema", _checked_schema(self.name, self.input_schema))
        else:
            self._set("style", "text")
            self._set("parameters", TextArgument)
            self._set("input_schema", TextArgument.model_json_schema())
            self._check_text_function()

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)  # derived once, in __post_init__, on a frozen dataclass

    def _check_text_function(self) -> None:
        try:
            signature = inspect.signature(self.function)
        except (TypeError, ValueError):
            return  # a builtin without a signature: nothing to check before the call
        try:
            signature.bind("text")
        except TypeError:
            raise TeamError(
                f"tool {self.name!r}: {getattr(self.function, '__name__', 'its function')}{signature} must accept "
                "one text argument",
                [self.name],
            ) from None

    @classmethod
    def from_function(
        cls,
        function: ToolFunction,
        *,
        name: str | None = None,
        description: str | None = None,
        side_effects: bool = False,
        delivery: Delivery | None = None,
        reconcile: Reconcile | None = None,
        choices: ArgumentChoices | None = None,
        argument: ToolArgument = "model",
    ) -> Tool:
        """A typed tool from a function's signature: parameters, annotations, defaults and docstring.

        The name defaults to the function's, the description to its docstring's summary.
        """
        from supervisor.tools.signature import signature_of

        tool_name: str = name or str(getattr(function, "__name__", ""))
        signature = signature_of(function, tool_name)
        text = description if description is not None else signature.description
        if not text:
            raise TeamError(f"tool {tool_name!r}: give it a description or a docstring", [tool_name])
        return cls(
            tool_name,
            text,
            function,
            side_effects=side_effects,
            delivery=delivery,
            reconcile=reconcile,
            parameters=signature.parameters,
            choices=choices,
            argument=argument,
        )

    @classmethod
    def from_schema(
        cls,
        name: str,
        description: str,
        input_schema: dict[str, Any],
        function: SchemaFunction,
        *,
        side_effects: bool = False,
        delivery: Delivery | None = None,
        reconcile: Reconcile | None = None,
    ) -> Tool:
        """A tool described by a JSON schema (an object schema); ``function`` receives the validated arguments
        object (async or sync) and returns text."""
        return cls(
            name,
            description,
            function,
            side_effects=side_effects,
            delivery=delivery,
            reconcile=reconcile,
            input_schema=input_schema,
        )

    @property
    def schema(self) -> dict[str, Any]:
        """The arguments' JSON schema as a plain dict."""
        return dict(self.input_schema or {})

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments as JSON data once they fit the parameters; else ``ToolArgumentsError`` saying why."""
        if not isinstance(arguments, Mapping):
            raise ToolArgumentsError(self.name, f"the arguments must be a JSON object, not {type(arguments).__name__}")
        if self.style == "mapping":
            return _validated_by_schema(self.name, self.schema, arguments)
        model = self.parameters or TextArgument
        try:
            return model.model_validate(dict(arguments)).model_dump(mode="json")
        except ValidationError as exc:
            raise ToolArgumentsError(self.name, _errors_text(exc)) from None

    def text_of(self, arguments: Mapping[str, Any]) -> str:
        """How a call's arguments read in one line: a one-text tool's text, else their JSON."""
        if self.style == "text":
            return str(arguments.get(TEXT_ARGUMENT, ""))
        return json.dumps(arguments, ensure_ascii=False, sort_keys=True)

    def bound_call(self, arguments: Mapping[str, Any]) -> Callable[[], Any]:
        """A call of ``function`` with validated ``arguments`` (``ToolArgumentsError`` when they do not fit)."""
        checked = self.validate(arguments)
        function: Callable[..., Any] = self.function
        if self.style == "text":
            text = checked[TEXT_ARGUMENT]
            return lambda: function(text)
        if self.style == "mapping":
            return lambda: function(checked)
        model = (self.parameters or TextArgument).model_validate(checked)
        # The function gets the validated Python values (Decimal, date, models), not their JSON forms.
        values = {name: getattr(model, name) for name in type(model).model_fields}
        return lambda: function(**values)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The function itself, called directly (no validation): a ``@tool`` function stays usable as one."""
        return self.function(*args, **kwargs)

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.function) or inspect.iscoroutinefunction(
            getattr(self.function, "__call__", None)  # noqa: B004 - an object with an async __call__
        )

    @property
    def guarantee(self) -> Delivery | None:
        """The delivery a resume honours: the declared one, at most once for an undeclared side effect."""
        if self.delivery is not None:
            return self.delivery
        return "at_most_once" if self.side_effects else None


@overload
def tool(function: ToolFunction, /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    side_effects: bool = False,
    delivery: Delivery | None = None,
    reconcile: Reconcile | None = None,
    choices: ArgumentChoices | None = None,
    argument: ToolArgument = "model",
) -> Callable[[ToolFunction], Tool]: ...


def tool(
    function: ToolFunction | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    side_effects: bool = False,
    delivery: Delivery | None = None,
    reconcile: Reconcile | None = None,
    choices: ArgumentChoices | None = None,
    argument: ToolArgument = "model",
) -> Tool | Callable[[ToolFunction], Tool]:
    """Make a typed tool of a function: ``@tool`` or ``@tool(side_effects=True, delivery="idempotent")``."""

    def make(fn: ToolFunction) -> Tool:
        return Tool.from_function(
            fn,
            name=name,
            description=description,
            side_effects=side_effects,
            delivery=delivery,
            reconcile=reconcile,
            choices=choices,
            argument=argument,
        )

    return make(function) if function is not None else make


def _checked_schema(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    import jsonschema

    checked = dict(schema)
    if checked.get("type", "object") != "object":
        raise TeamError(f"tool {name!r}: its input schema must describe an object, not {checked['type']!r}", [name])
    checked.setdefault("type", "object")
    checked.setdefault("properties", {})
    try:
        jsonschema.Draft202012Validator.check_schema(checked)
    except jsonschema.SchemaError as exc:
        raise TeamError(f"tool {name!r}: its input schema is not a valid JSON schema: {exc.message}", [name]) from None
    return checked


def _validated_by_schema(name: str, schema: dict[str, Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    import jsonschema

    data = dict(arguments)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'.'.join(str(p) for p in e.absolute_path) or 'arguments'}: {e.message}" for e in errors[:5]]
        raise ToolArgumentsError(name, "; ".join(lines))
    return data


def _errors_text(exc: ValidationError) -> str:
    """pydantic's errors as short lines a model can act on: where, and what is wrong."""
    lines = []
    for error in exc.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)
