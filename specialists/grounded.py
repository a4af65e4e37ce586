"""Answer formats whose fields can only hold values taken from what a step was given.

Under constrained decoding a field that is an enum of the inputs' own values (the category a tool returned, the
policies a search found, the sentences of a ticket) makes a small model copy instead of invent, and gives a strong
model the same guard rails. Each format is a pydantic model built per attempt from the ``AnswerContext``; its
``as_text()`` renders the answer the checks and the next step read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def sentences(text: str) -> list[str]:
    """The sentences and lines of ``text``, stripped, without empty ones."""
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 3]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@functools.cache
def _format(
    name: str, fields: tuple[tuple[str, tuple[str, ...], int], ...], render: Callable[[BaseModel], str]
) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for field, options, most in fields:
        choice = Literal[options]  # type: ignore[valid-type]
        if most > 1:
            # At least two where there are two: one sentence is rarely a section, one finding rarely a summary.
            upto = min(most, len(options))
            definitions[field] = (list[choice], Field(min_length=min(2, upto), max_length=upto))
        else:
            definitions[field] = (choice, ...)
    model: type[BaseModel] = create_model(name, **definitions)
    model.as_text = render  # type: ignore[attr-defined]
    return model


def choice_format(
    name: str, fields: dict[str, Sequence[str]], render: Callable[[Any], str], *, many: dict[str, int] | None = None
) -> type[BaseModel]:
    """A format whose every field is one of the given values (or a list of two to ``many[field]`` of them)."""
    spec = tuple((field, _unique(values) or ("",), (many or {}).get(field, 1)) for field, values in fields.items())
    return _format(name, spec, render)
