"""Provenance per argument: where each value of a tool call came from.

A value found verbatim in an earlier tool's result came from that tool (``tool:<name>``); else one found in the
goal came from the goal (``goal``); else one found in a dependency's accepted output came from that step
(``input:<id>``); else the model wrote it (``model``). A list or object is traced leaf by leaf and takes its least
trusted leaf's source. Numbers match by value (``12.5`` is found in "12.50 USD"); text matches whole words, case
aside. The less trusted source is tried first, so a value both the goal and a tool result hold counts as the
tool's: the label never makes a value more trusted than it may be.

A one-text tool keeps the provenance its ``argument`` declares (see ``supervisor.tools.calling``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from supervisor.guards.provenance import Provenance, Tainted

Origin = Literal["goal", "input", "tool", "model", "supervisor"]
"""The kind of an argument's source: the part of ``TracedArgument.source`` before any ``:``."""
ORIGINS: tuple[Origin, ...] = ("goal", "input", "tool", "model", "supervisor")
_PROVENANCE: dict[Origin, Provenance] = {
    "goal": "goal",
    "supervisor": "supervisor",
    "input": "specialist",
    "tool": "tool",
    "model": "specialist",
}
_RANK: dict[Origin, int] = {"goal": 0, "supervisor": 0, "input": 1, "tool": 2, "model": 3}
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
VALUE_SHOWN_MAX = 80


@dataclass(frozen=True)
class Evidence:
    """What a call's values may have come from: the goal, accepted inputs and earlier results, in order."""

    goal: str
    inputs: tuple[tuple[str, str], ...] = ()
    """(subtask id, accepted output) of each dependency."""
    results: tuple[tuple[str, str], ...] = ()
    """(tool name, result) of each earlier call of this attempt, oldest first."""


@dataclass(frozen=True)
class TracedArgument:
    """One argument of a call: its name, its (JSON) value and where that value came from."""

    name: str
    value: Any
    source: str

    @property
    def origin(self) -> Origin:
        head = self.source.partition(":")[0]
        return next((o for o in ORIGINS if o == head), "model")

    @property
    def shown(self) -> str:
        text = self.value if isinstance(self.value, str) else json.dumps(self.value, ensure_ascii=False)
        return text if len(text) <= VALUE_SHOWN_MAX else text[: VALUE_SHOWN_MAX - 3] + "..."

    def __str__(self) -> str:
        return f"{self.name} = {self.shown}  (from {self.source})"


@dataclass(frozen=True)
class CallArguments:
    """A call's validated arguments, each traced to its source."""

    values: dict[str, Any]
    traced: tuple[TracedArgument, ...]

    def tainted(self, text: str) -> Tainted:
        """The call as one tainted text (``text``: how the arguments read), with every argument's source."""
        return Tainted(text, frozenset(_PROVENANCE[a.origin] for a in self.traced) or frozenset({"supervisor"}))

    def lines(self) -> tuple[str, ...]:
        """One line per argument, with its source: what an approval panel shows."""
        return tuple(str(a) for a in self.traced)


def trace(
    values: Mapping[str, Any],
    evidence: Evidence,
    fixed: Mapping[str, str] | None = None,
    fallback: Mapping[str, str] | None = None,
) -> CallArguments:
    """Each argument of ``values`` with its source; ``fixed`` names sources known without looking (a one-text
    tool's declared argument), ``fallback`` the source of an argument no trace finds (instead of ``model``)."""
    traced = []
    for name, value in values.items():
        source = (fixed or {}).get(name) or _source_of(value, evidence)
        if source == "model" and fallback and name in fallback:
            source = fallback[name]
        traced.append(TracedArgument(name, value, source))
    return CallArguments(dict(values), tuple(traced))


def _source_of(value: Any, evidence: Evidence) -> str:
    leaves = list(_leaves(value))
    if not leaves:
        return "supervisor"  # nothing written: a default, an empty list, None
    sources = [_leaf_source(leaf, evidence) for leaf in leaves]
    return max(sources, key=lambda s: _RANK[TracedArgument("", None, s).origin])


def _leaves(value: Any) -> Iterator[str | Decimal]:
    if isinstance(value, bool) or value is None:
        return  # a flag or nothing carries no text worth tracing
    if isinstance(value, int | float | Decimal):
        yield Decimal(str(value))
    elif isinstance(value, str):
        number = _as_number(value)
        if number is not None:
            yield number
        elif value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, Sequence):
        for item in value:
            yield from _leaves(item)
    else:
        yield str(value)


def _leaf_source(leaf: str | Decimal, evidence: Evidence) -> str:
    for name, result in reversed(evidence.results):
        if _found(leaf, result):
            return f"tool:{name}"
    if _found(leaf, evidence.goal):
        return "goal"
    for subtask_id, output in evidence.inputs:
        if _found(leaf, output):
            return f"input:{subtask_id}"
    return "model"


def _found(leaf: str | Decimal, text: str) -> bool:
    if isinstance(leaf, Decimal):
        return any(number == leaf for number in _numbers(text))
    return re.search(rf"(?<!\w){re.escape(leaf)}(?!\w)", text, re.IGNORECASE) is not None


def _numbers(text: str) -> Iterator[Decimal]:
    for match in _NUMBER.findall(text):
        number = _as_number(match.replace(",", ""))
        if number is not None:
            yield number


def _as_number(text: str) -> Decimal | None:
    if not re.fullmatch(r"\s*-?(?:0|[1-9]\d*)(?:\.\d+)?\s*", text):  # "0042" is an id, not 42
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None
