"""Answer formats that make a small model write the shape a job needs, by constrained decoding.

A 135M model handed an outline copies the outline; under a schema whose strings must be single sentences that
start with a capital letter and end with a full stop, it has to write sentences. Each format renders back to
plain text with ``as_text()``; the card's code checks then judge that text as they judge any answer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

# One line of prose: starts like a sentence (not a list marker or a heading mark), ends like one. The bounds are
# in the pattern itself because a grammar built from a pattern ignores minLength and maxLength, and quotes and
# backslashes are excluded so the model cannot close the JSON string early and ramble on. Prose has no digits:
# a small model given an outline otherwise numbers its way through it ("1. ... 2. ...") inside a paragraph.
Sentence = Annotated[str, Field(pattern=r'^[A-Z][^"\\\n0-9#*]{58,358}[.!?]$')]
Line = Annotated[str, Field(pattern=r'^[A-Za-z0-9][^"\\\n]{6,158}$')]


class Section(BaseModel):
    """One section of an article: a heading and two or three paragraphs of prose."""

    heading: Annotated[str, Field(pattern=r'^[A-Z][^"\\\n0-9#*:]{2,69}$')]
    paragraphs: list[Sentence] = Field(min_length=2, max_length=3)

    def as_text(self) -> str:
        return "\n\n".join([self.heading, *self.paragraphs])


class ClaimCheck(BaseModel):
    claim: Line
    verdict: Literal["verified", "flagged"]
    reason: Line


class FactCheck(BaseModel):
    """Two to four claims from the text, each verified or flagged, with the reason."""

    claims: list[ClaimCheck] = Field(min_length=2, max_length=4)

    def as_text(self) -> str:
        lines = [
            f"{n}. {c.claim.rstrip('.')}: {c.verdict}, {c.reason.rstrip('.')}." for n, c in enumerate(self.claims, 1)
        ]
        return "\n".join(lines)


SECTION_MAX_TOKENS = 420  # 70 + 3 x 360 characters at ~3 characters a token, plus the JSON around them
FACT_CHECK_MAX_TOKENS = 400  # 4 x (2 x 160 characters + the verdict) at ~3 characters a token, plus JSON
