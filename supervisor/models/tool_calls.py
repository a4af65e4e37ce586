"""Native tool calling: what a model is offered (``ToolSpec``), what it asks for (``ToolTurn``), and the
OpenAI chat-completions shape both take on the wire (``tools=[{"type": "function", ...}]``, ``tool_calls``).

A model that implements ``ToolCaller`` is asked with the provider's own tool calling when its capabilities say so
(``ModelCapabilities.native_tools``); any other model gets constrained JSON under a schema that is the union of
"call tool X with its arguments" and "answer" (``supervisor.tools.loop``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from supervisor.models import Message, Usage


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as a model sees it: its name, what it does and its arguments' JSON schema."""

    name: str
    description: str
    input_schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RequestedCall:
    """One call a model asked for. ``arguments`` is the object it wrote, or its raw text when that was no JSON
    object (the tool loop answers that with feedback, never with a call)."""

    name: str
    arguments: dict[str, Any] | str


@dataclass(slots=True)
class ToolTurn:
    """A model's reply when offered tools: the calls it asks for (none: it is ready to answer) and any text."""

    calls: list[RequestedCall] = field(default_factory=list)
    text: str = ""
    usage: Usage = field(default_factory=Usage)

    def dump(self) -> dict[str, Any]:
        """JSON data for the journal."""
        return {
            "calls": [{"name": c.name, "arguments": c.arguments} for c in self.calls],
            "text": self.text,
            "usage": [self.usage.prompt_tokens, self.usage.completion_tokens, self.usage.calls],
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> ToolTurn:
        prompt, completion, calls = data.get("usage") or (0, 0, 1)
        return cls(
            [RequestedCall(str(c["name"]), c["arguments"]) for c in data.get("calls", [])],
            str(data.get("text", "")),
            Usage(int(prompt), int(completion), int(calls)),
        )


@runtime_checkable
class ToolCaller(Protocol):
    """A model with native tool calling."""

    async def call_tools(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], *, max_tokens: int | None = None
    ) -> ToolTurn:
        """Offer ``tools``; the reply names the calls the model wants made, or none when it is ready to answer."""
        ...


def openai_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """The ``tools`` parameter of an OpenAI-compatible chat completion."""
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": dict(t.input_schema)},
        }
        for t in tools
    ]


def turn_from_response(response: Any) -> ToolTurn:
    """The calls (and text) of an OpenAI-shaped chat completion's first choice."""
    from supervisor.models.structured import completion_usage

    message = response.choices[0].message
    calls = []
    for call in getattr(message, "tool_calls", None) or []:
        function = getattr(call, "function", None)
        if function is None:
            continue  # a kind of call other than a function (none are offered)
        calls.append(RequestedCall(str(function.name), _arguments(function.arguments)))
    return ToolTurn(calls, str(message.content or ""), completion_usage(response))


def _arguments(raw: Any) -> dict[str, Any] | str:
    if isinstance(raw, Mapping):
        return dict(raw)
    text = str(raw or "").strip() or "{}"
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict) else text
