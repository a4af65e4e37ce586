"""How each kind of step outcome is written as JSON and read back (pydantic and plain data, never pickle)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from supervisor.errors import StructuredOutputError
from supervisor.models import Completion, Message, Usage

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Codec(Generic[T]):
    """A step outcome to JSON data (``dump``) and back (``load``)."""

    dump: Callable[[T], Any]
    load: Callable[[Any], T]


def _same(value: Any) -> Any:
    return value


PLAIN: Codec[Any] = Codec(_same, _same)
"""For outcomes that already are JSON data (strings, numbers, lists, dicts)."""


def model_codec(kind: type[M]) -> Codec[M]:
    """A pydantic model, validated again when read back."""
    return Codec(lambda value: value.model_dump(mode="json"), kind.model_validate)


def text_and_cut() -> Codec[tuple[str, int]]:
    """A tool's bounded output and how many characters were cut."""
    return Codec(lambda value: [value[0], value[1]], lambda data: (str(data[0]), int(data[1])))


AskOutcome = Completion | StructuredOutputError


def prompt_digest(messages: Sequence[Message], output_type: type[BaseModel] | None) -> str:
    """A short digest of what a model was asked (messages and schema): a replay compares it."""
    digest = hashlib.sha256(_schema_text(output_type).encode())
    for message in messages:
        digest.update(b"\0" + message["role"].encode() + b"\0" + message["content"].encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


@functools.cache
def _schema_text(output_type: type[BaseModel] | None) -> str:
    return json.dumps(output_type.model_json_schema(), sort_keys=True) if output_type is not None else ""


def completion_codec(output_type: type[BaseModel] | None, prompt: str | None = None) -> Codec[AskOutcome]:
    """A model's answer, or the structured-output failure it ended in (both are outcomes the run acted on), with
    the digest of the prompt it answered."""

    def dump(value: AskOutcome) -> Any:
        if isinstance(value, StructuredOutputError):
            usage = dataclasses.asdict(value.usage) if isinstance(value.usage, Usage) else None
            return {
                "prompt": prompt,
                "failed": {
                    "schema": value.schema_name,
                    "attempts": value.attempts,
                    "last_output": value.last_output,
                    "errors": value.errors,
                    "usage": usage,
                },
            }
        return {
            "prompt": prompt,
            "text": value.text,
            "output": value.output.model_dump(mode="json") if value.output is not None else None,
            "usage": dataclasses.asdict(value.usage),
            "attempts": value.attempts,
            "finish_reason": value.finish_reason,
        }

    def load(data: Any) -> AskOutcome:
        failed = data.get("failed")
        if failed is not None:
            error = StructuredOutputError(failed["schema"], failed["attempts"], failed["last_output"], failed["errors"])
            error.usage = Usage(**failed["usage"]) if failed["usage"] is not None else None
            return error
        given = data["output"]
        output = output_type.model_validate(given) if output_type is not None and given is not None else None
        return Completion(
            text=data["text"],
            output=output,
            usage=Usage(**data["usage"]),
            attempts=data["attempts"],
            finish_reason=data["finish_reason"],
        )

    return Codec(dump, load)
