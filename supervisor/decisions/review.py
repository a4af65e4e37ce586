"""The answer of a reviewing step: approved, or the changes needed, each one short sentence.

A review is a decision under a schema, so "the draft says approved somewhere" can never pass for an approval;
"changes needed" sends the reviewed step back with the changes as its feedback.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Bounds in the pattern itself: a grammar built from a pattern ignores maxLength.
Change = Annotated[str, Field(pattern=r'^[A-Z][^"\\\n]{8,150}$')]


class Review(BaseModel):
    """A reviewer's decision on another step's work."""

    # Built on first use: compiling the bounded pattern above is most of what importing this module costs.
    model_config = ConfigDict(defer_build=True)

    decision: Literal["approved", "changes needed"]
    changes: list[Change] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _changes_when_needed(self) -> Review:
        if self.decision == "changes needed" and not self.changes:
            raise ValueError("a review asking for changes must say which")
        return self

    @property
    def approved(self) -> bool:
        return self.decision == "approved"

    def as_text(self) -> str:
        if self.approved:
            return "Approved: no changes needed."
        return "Changes needed: " + " ".join(c if c.endswith((".", "!", "?")) else c + "." for c in self.changes)
