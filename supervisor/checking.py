"""Checking a specialist's output: code checks first, then the supervisor's verdict.

Checks that code can make (an empty answer, an answer far too short) run before any model is asked, so a weak
judge is only consulted on what code cannot decide.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FEEDBACK_MAX = 200
MIN_OUTPUT_CHARS = 20

Decision = Literal["accept", "retry"]
DecidedBy = Literal["code", "model"]


class Verdict(BaseModel):
    """The supervisor's decision on one output; ``feedback`` goes back to the specialist on a retry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Decision
    feedback: str = Field(default="", max_length=FEEDBACK_MAX)

    def __repr__(self) -> str:
        note = f": {self.feedback[:50]!r}" if self.feedback else ""
        return f"<Verdict {self.decision}{note}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class CheckedVerdict(BaseModel):
    """A verdict with what decided it, as recorded in the run."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    feedback: str
    decided_by: DecidedBy

    def __repr__(self) -> str:
        note = f": {self.feedback[:50]!r}" if self.feedback else ""
        return f"<Verdict {self.decision} by {self.decided_by}{note}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


def code_check(output: str) -> CheckedVerdict | None:
    """A verdict code can give on its own, or ``None`` when the model must judge."""
    text = output.strip()
    if not text:
        return CheckedVerdict(decision="retry", feedback="The answer was empty. Write the answer.", decided_by="code")
    if len(text) < MIN_OUTPUT_CHARS:
        return CheckedVerdict(
            decision="retry",
            feedback=f"The answer was only {len(text)} characters. Give a complete answer.",
            decided_by="code",
        )
    return None


def code_accepts() -> CheckedVerdict:
    """The verdict when code alone judges: passing the code checks is acceptance."""
    return CheckedVerdict(decision="accept", feedback="", decided_by="code")
