"""Structured output through ``instructor``: the only module that imports it.

Every provider exposes a raw, OpenAI-shaped chat-completion function; this module wraps it with instructor so
that plans, routing decisions and verdicts come back as validated pydantic objects, and an answer that fails
validation is re-asked with the validation error. Re-asking is bounded; when it runs out, the caller gets a
``StructuredOutputError`` carrying the number of attempts and the last raw output.

``ask_validated`` is the same contract without instructor, for a model whose answer is JSON text with nothing
provider-specific to adapt (the scripted test double): pydantic validates it and the re-ask says what
instructor's JSON-schema mode says. instructor inspects the response type on every call (hundreds of
microseconds, more than the rest of a scripted step), which is noise beside a real provider's latency and not
beside a script's.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from supervisor.errors import StructuredOutputError
from supervisor.models import Completion, Message, Usage

RawCreate = Callable[..., Awaitable[Any]]
"""An async function with the keyword arguments of ``chat.completions.create`` returning a ChatCompletion."""


@dataclass
class _AttemptLog:
    """What every attempt of one structured call produced (re-asks included)."""

    texts: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    fault: Exception | None = None
    """What the last call raised, if it raised: a fault of the call, not of the answer."""


def completion_text(response: Any) -> str:
    """The text of the first choice of an OpenAI-shaped completion (tool-call arguments included)."""
    message = response.choices[0].message
    if message.content:
        return str(message.content)
    tool_calls = getattr(message, "tool_calls", None) or []
    return "".join(str(call.function.arguments) for call in tool_calls)


def completion_usage(response: Any) -> Usage:
    usage = getattr(response, "usage", None)
    if usage is None:
        return Usage(calls=1)
    return Usage(
        prompt_tokens=int(usage.prompt_tokens or 0),
        completion_tokens=int(usage.completion_tokens or 0),
        calls=1,
    )


@functools.cache
def _instructor_ready(output_type: type[BaseModel]) -> type[BaseModel]:
    # instructor wraps a plain model in a fresh subclass on every call unless it already is a ResponseSchema;
    # doing that once per type keeps the per-call cost flat.
    from instructor.v2.core.function_calls import response_schema

    wrapped: type[BaseModel] = response_schema(output_type)
    # instructor asks for the JSON schema on every call and pydantic builds it anew each time (about half of a
    # structured call's own cost); a response type is immutable, so its schema is computed once.
    schema = wrapped.model_json_schema()

    def cached_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return BaseModel.model_json_schema.__func__(cls, *args, **kwargs)  # type: ignore[attr-defined,no-any-return]
        return copy.deepcopy(schema)  # callers may edit what they get

    wrapped.model_json_schema = classmethod(cached_schema)  # type: ignore[method-assign,assignment]
    return wrapped


def _mode(name: str) -> Any:
    import instructor

    return instructor.Mode(name)


async def ask_structured(
    create: RawCreate,
    messages: Sequence[Message],
    output_type: type[BaseModel],
    *,
    mode: str = "json_schema_mode",
    max_reasks: int = 2,
    **request: Any,
) -> Completion:
    """Call ``create`` until it returns an answer that validates as ``output_type`` (at most 1 + max_reasks)."""
    import instructor
    from instructor.core import IncompleteOutputException, InstructorRetryException

    log = _AttemptLog()

    async def logged_create(*args: Any, **kwargs: Any) -> Any:
        try:
            response = await create(*args, **kwargs)
        except Exception as exc:
            log.fault = exc  # a provider's or a script's own error, which instructor would wrap as a retry
            raise
        log.fault = None
        log.texts.append(completion_text(response))
        log.usage.add(completion_usage(response))
        return response

    # instructor's overloads type the patched function as sync; given an async create it is async.
    patched = cast(RawCreate, instructor.patch(create=logged_create, mode=_mode(mode)))
    try:
        output = await patched(
            response_model=_instructor_ready(output_type),
            messages=list(messages),
            max_retries=max_reasks,
            **request,
        )
    except InstructorRetryException as exc:
        if log.fault is not None:
            raise log.fault from None  # the call itself failed: keep its type (ProviderServerError, ...)
        raise _failure(output_type, log, _short(exc)) from exc
    except IncompleteOutputException as exc:
        raise _failure(output_type, log, "the answer was cut off at max_tokens before the JSON was complete") from exc
    return Completion(text=log.texts[-1], output=output, usage=log.usage, attempts=len(log.texts))


REASK = "Correct your JSON ONLY RESPONSE, based on the following errors:\n"
"""What a re-ask says before the validation error (instructor's words in its JSON-schema mode)."""


async def ask_validated(
    create: RawCreate,
    messages: Sequence[Message],
    output_type: type[BaseModel],
    *,
    max_reasks: int = 2,
    **request: Any,
) -> Completion:
    """``ask_structured`` validated by pydantic alone: ``create``'s answer must be the JSON of ``output_type``; an
    invalid one is re-asked with its errors (at most 1 + max_reasks calls). A fault of ``create`` propagates."""
    log = _AttemptLog()
    asked = list(messages)
    for _ in range(1 + max(max_reasks, 0)):
        response = await create(messages=asked, **request)
        text = completion_text(response)
        log.texts.append(text)
        log.usage.add(completion_usage(response))
        if response.choices[0].finish_reason == "length":
            raise _failure(output_type, log, "the answer was cut off at max_tokens before the JSON was complete")
        try:
            output = output_type.model_validate_json(text)
        except ValidationError as exc:
            errors = exc
            asked = [*asked, {"role": "assistant", "content": text}, {"role": "user", "content": REASK + str(exc)}]
            continue
        return Completion(text=text, output=output, usage=log.usage, attempts=len(log.texts))
    raise _failure(output_type, log, _short(errors))


def _failure(output_type: type[BaseModel], log: _AttemptLog, errors: str) -> StructuredOutputError:
    error = StructuredOutputError(output_type.__name__, len(log.texts), log.texts[-1] if log.texts else "", errors)
    error.usage = log.usage
    return error


def _short(exc: BaseException) -> str:
    # instructor's message lists every failed attempt; the last attempt's own error is the useful part.
    attempts = getattr(exc, "failed_attempts", None) or []
    cause: BaseException = attempts[-1].exception if attempts else exc
    lines = [line.strip() for line in str(cause).strip().splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("For further information"))[:600]
