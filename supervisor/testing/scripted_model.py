"""``ScriptedModel``: the public test double.

Queue answers (text, dicts, pydantic objects, exceptions, or functions of the call) or give one function that
answers every call; every call is recorded; ``assert_complete()`` checks that every queued answer was used.
Structured answers go through the same validation and re-ask path as a real provider, so a scripted invalid
answer is re-asked exactly as a real one would be. Offered tools, it calls them natively (``call_tools``): the
script answers a call ``(name, {arguments})``, a list of calls, or text (no call).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

from pydantic import BaseModel

from supervisor.errors import ScriptError, ScriptExhaustedError, UnknownProviderError
from supervisor.models import Completion, Message, Model, Usage
from supervisor.models.capabilities import ModelCapabilities, infer_capabilities
from supervisor.models.tool_calls import RequestedCall, ToolSpec, ToolTurn
from supervisor.run.context import StepKey, current_step

CallKind = Literal["plan", "route", "tool_choice", "tool_call", "answer", "verdict", "final_answer", "other"]
"""The kinds of model call a run makes: the supervisor's plan, route, verdict and final answer; a specialist's
tool choice (one text tool), tool calls (the tool loop) and answer. ``other`` is a call made outside a run."""

_KIND_OF_STEP: dict[str, CallKind] = {
    "plan": "plan",
    "route": "route",
    "check": "verdict",
    "answer": "final_answer",
    "tool-choice": "tool_choice",
    "tool-call": "tool_call",
    "work": "answer",
}


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """One recorded call: what the model was asked, and which step of a run asked it."""

    messages: tuple[Message, ...]
    output_type: type[BaseModel] | None
    max_tokens: int | None
    step: StepKey | None = None
    tools: tuple[ToolSpec, ...] = ()
    """The tools offered, for a native tool call (``kind == "tool_call"`` with no ``output_type``)."""

    @property
    def kind(self) -> CallKind:
        """What the run asked for; see ``CallKind``."""
        if self.step is None:
            return "other"
        return _KIND_OF_STEP.get(self.step.call.partition(":")[0], "other")

    @property
    def agent(self) -> str | None:
        """The specialist a tool choice or answer is for (``None`` for the supervisor's calls)."""
        if self.step is None or ":" not in self.step.call:
            return None
        return self.step.call.partition(":")[2].partition("/")[0]  # "tool-call:<agent>/<round>"

    @property
    def tool_round(self) -> int:
        """The round of the tool loop a ``tool_call`` is for (1 for the first; 0 for other kinds)."""
        if self.step is None or not self.step.call.startswith("tool-call:"):
            return 0
        _, _, number = self.step.call.rpartition("/")
        return int(number) if number.isdigit() else 1

    @property
    def subtask_id(self) -> str | None:
        return self.step.node if self.step is not None and self.step.node not in ("plan", "answer") else None

    @property
    def prompt(self) -> str:
        """All message contents joined: handy for ``"..." in call.prompt`` checks."""
        return "\n".join(m["content"] for m in self.messages)

    @property
    def last_user(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")


ScriptedAnswer = str | Mapping[str, Any] | list[Any] | BaseModel | BaseException | Callable[[ScriptedCall], Any]

# The latest ScriptedModel created under each name, so config files can say "scripted/<name>".
_named_models: dict[str, ScriptedModel] = {}


def _as_text(answer: Any) -> str:
    if isinstance(answer, BaseModel):
        return answer.model_dump_json()
    if isinstance(answer, Mapping | list):
        return json.dumps(answer)
    return str(answer)


def _word_count(text: str) -> int:
    # Scripted usage counts words: deterministic, provider-free, close enough to exercise budgets.
    return len(text.split())


class ScriptedModel:
    """A model that answers from a script. Use it to test teams without a real provider.

    >>> model = ScriptedModel(["first answer", {"decision": "accept", "feedback": ""}])
    """

    def __init__(
        self,
        answers: Iterable[ScriptedAnswer] = (),
        *,
        respond: Callable[[ScriptedCall], Any] | None = None,
        name: str = "test",
        latency_s: float = 0.0,
        capabilities: ModelCapabilities | None = None,
    ) -> None:
        """``latency_s`` makes every call take that long (awaited), so concurrency can be observed.

        ``capabilities`` default to what the name says (``ScriptedModel(name="smollm2")`` plays a small model)."""
        self.capabilities = capabilities or infer_capabilities(name)
        self._queue: deque[ScriptedAnswer] = deque(answers)
        self._latency_s = latency_s
        self.in_flight = 0
        self.peak_in_flight = 0
        self._respond = respond
        self._name = name
        self.calls: list[ScriptedCall] = []
        _named_models[name] = self

    @property
    def name(self) -> str:
        return f"scripted/{self._name}"

    def enqueue(self, *answers: ScriptedAnswer) -> Self:
        """Queue more answers, used in order before ``respond``."""
        self._queue.extend(answers)
        return self

    @property
    def remaining(self) -> int:
        return len(self._queue)

    def assert_complete(self) -> None:
        """Fail if any queued answer was never asked for."""
        if self._queue:
            raise AssertionError(f"{self.name}: {len(self._queue)} scripted answer(s) never used")

    def _next_answer(self, call: ScriptedCall) -> str:
        return _as_text(self._next_raw(call))

    def _next_raw(self, call: ScriptedCall) -> Any:
        self.calls.append(call)
        if self._queue:
            answer: Any = self._queue.popleft()
        elif self._respond is not None:
            answer = self._respond
        else:
            raise ScriptExhaustedError(
                f"{self.name} was called {len(self.calls)} time(s) but only "
                f"{len(self.calls) - 1} answer(s) were scripted; last prompt: {call.last_user[:200]!r}"
            )
        if callable(answer) and not isinstance(answer, BaseModel | BaseException):
            try:
                answer = answer(call)
            except Exception as exc:
                # A bug in the test's own responder: say so, rather than let it pass for an invalid answer.
                raise ScriptError(
                    f"{self.name}: the script raised {type(exc).__name__} while answering the {call.kind} call: {exc}"
                ) from exc
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def _create(self, **kwargs: Any) -> Any:
        from openai.types.chat import ChatCompletion

        messages: tuple[Message, ...] = tuple(kwargs["messages"])
        call = ScriptedCall(messages, kwargs.get("_output_type"), kwargs.get("max_tokens"), current_step.get())
        text = self._next_answer(call)
        prompt_tokens = sum(_word_count(m["content"]) for m in messages)
        return ChatCompletion.model_validate(
            {
                "id": f"scripted-{len(self.calls)}",
                "object": "chat.completion",
                "created": 0,
                "model": self.name,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": text},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": _word_count(text),
                    "total_tokens": prompt_tokens + _word_count(text),
                },
            }
        )

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self._latency_s:
                await asyncio.sleep(self._latency_s)
            return await self._complete(messages, output_type, max_tokens, max_reasks)
        finally:
            self.in_flight -= 1

    async def _complete(
        self,
        messages: Sequence[Message],
        output_type: type[BaseModel] | None,
        max_tokens: int | None,
        max_reasks: int,
    ) -> Completion:
        if output_type is None:
            call = ScriptedCall(tuple(messages), None, max_tokens, current_step.get())
            text = self._next_answer(call)
            usage = Usage(sum(_word_count(m["content"]) for m in messages), _word_count(text), 1)
            return Completion(text=text, usage=usage, finish_reason="stop")

        from supervisor.models.structured import ask_validated

        async def create(**kwargs: Any) -> Any:
            return await self._create(_output_type=output_type, **kwargs)

        # Validated as a real provider's answer is, re-asks included, without instructor's per-call inspection
        # of the response type (a script has no provider format to adapt).
        return await ask_validated(create, messages, output_type, max_reasks=max_reasks, max_tokens=max_tokens)

    async def call_tools(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], *, max_tokens: int | None = None
    ) -> ToolTurn:
        """Native tool calling, scripted: the answer is a call ``(name, arguments)``, a list of calls (made at
        once), or text (no call: ready to answer)."""
        call = ScriptedCall(tuple(messages), None, max_tokens, current_step.get(), tuple(tools))
        answer = self._next_raw(call)
        calls = scripted_calls(answer)
        text = "" if calls or answer is None else _as_text(answer)
        usage = Usage(sum(_word_count(m["content"]) for m in messages), _word_count(text) + 4 * len(calls), 1)
        return ToolTurn(calls, text, usage)

    def __repr__(self) -> str:
        return f"<ScriptedModel {self.name!r} calls={len(self.calls)} queued={len(self._queue)}>"


def scripted_calls(answer: Any) -> list[RequestedCall]:
    """The calls a scripted answer asks for: ``(name, arguments)``, ``{"tool": ..., "arguments": ...}``, a
    ``RequestedCall`` or a list of them; anything else (text, ``None``) asks for none."""
    if isinstance(answer, RequestedCall):
        return [answer]
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], str):
        return [RequestedCall(answer[0], dict(answer[1]) if isinstance(answer[1], Mapping) else answer[1])]
    if isinstance(answer, Mapping) and "tool" in answer:
        arguments = answer.get("arguments", {})
        return [RequestedCall(str(answer["tool"]), dict(arguments) if isinstance(arguments, Mapping) else arguments)]
    if isinstance(answer, list):
        return [call for item in answer for call in scripted_calls(item)]
    return []


def create_scripted_model(rest: str, settings: Mapping[str, Any]) -> Model:
    """``scripted/<name>`` finds a live ``ScriptedModel`` created with that name."""
    model = _named_models.get(rest)
    if model is None:
        raise UnknownProviderError(
            f"scripted/{rest}",
            [f"scripted/{n}" for n in sorted(_named_models)] or ["(none: create a ScriptedModel first)"],
            what="scripted models",
        )
    return model
