"""Routing: which specialist takes a subtask, and why.

Cards are ranked by similarity to the subtask first; a clear winner is taken as is, and otherwise the model
chooses between the close candidates. The model answers with a ``RouteChoice`` whose ``agent`` field is an
enum of the candidates' names, so a routing answer can only ever name a real agent. ``RouteDecision`` is what
the run records: the agent, the reason, the similarity scores and what decided it.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

REASON_MAX = 160

DecidedBy = Literal["model", "similarity", "rule", "only-agent"]


class RouteDecision(BaseModel):
    """The specialist chosen for a subtask, the reason, and what decided it."""

    model_config = ConfigDict(frozen=True)

    subtask_id: str
    agent: str
    reason: str
    decided_by: DecidedBy
    scores: dict[str, float] = Field(default_factory=dict, description="card similarity by agent")

    def __repr__(self) -> str:
        return f"<RouteDecision {self.subtask_id} -> {self.agent} by {self.decided_by}: {self.reason[:40]!r}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class RouteChoice(BaseModel):
    """What a model answers when asked to route: one agent name and a short reason."""

    agent: str
    reason: str


@functools.cache
def route_output_type(agent_names: tuple[str, ...]) -> type[RouteChoice]:
    """A ``RouteChoice`` whose ``agent`` is an enum of exactly these names."""
    agent_enum = Literal[agent_names]  # type: ignore[valid-type]
    model: type[RouteChoice] = create_model(
        "RouteChoice",
        __base__=RouteChoice,
        agent=(agent_enum, ...),
        reason=(str, Field(min_length=1, max_length=REASON_MAX)),
    )
    return model


def candidates(scores: dict[str, float], limit: int, decide_margin: float) -> tuple[list[str], bool]:
    """The agents worth asking the model about, best first, and whether the best one wins outright.

    The best wins outright when its score is positive and at least ``decide_margin`` times the runner-up's.
    With no lexical evidence at all, every agent stays a candidate.
    """
    ranked = sorted(scores, key=lambda name: -scores[name])
    if not ranked or scores[ranked[0]] <= 0:
        return ranked, False
    if len(ranked) == 1:
        return ranked, True
    best, second = scores[ranked[0]], scores[ranked[1]]
    if best >= decide_margin * second:
        return ranked[:1], True
    return ranked[: max(2, limit)], False
