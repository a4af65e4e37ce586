"""Provenance (taint): every value carries where its text came from.

The goal, a person's answer and the supervisor's own schema-constrained decisions are trusted to steer the run;
text written by a specialist or returned by a tool is data. "Was any of this written by an agent or a tool?" is
one set test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Provenance = Literal["goal", "person", "supervisor", "specialist", "tool"]
UNTRUSTED: frozenset[Provenance] = frozenset({"specialist", "tool"})


def is_untrusted(source: Provenance) -> bool:
    return source in UNTRUSTED


@dataclass(frozen=True, slots=True)
class Tainted:
    """A text and every source it was derived from."""

    value: str
    sources: frozenset[Provenance]

    @classmethod
    def of(cls, value: str, *sources: Provenance) -> Tainted:
        return cls(value, frozenset(sources))

    @property
    def untrusted(self) -> bool:
        return bool(self.sources & UNTRUSTED)

    def __repr__(self) -> str:
        shown = self.value if len(self.value) <= 30 else self.value[:27] + "..."
        return f"<Tainted {shown!r} from {', '.join(sorted(self.sources)) or 'nothing'}>"
