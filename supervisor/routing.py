"""Routing: which specialist takes a subtask, and why.

Rules from the config come first (a regex or keywords -> agent), then code predicates, then the agent the
plan names (a skeleton, a pipeline or a user's plan). Otherwise cards are ranked by similarity to the
subtask; a clear winner is taken as is, and otherwise the model chooses between the close candidates. The
model answers with a ``RouteChoice`` whose ``agent`` field is an enum of the candidates' names, so a routing
answer can only ever name a real agent. ``RouteDecision`` is what the run records: the agent, the reason, the
similarity scores and what decided it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

if TYPE_CHECKING:
    from supervisor.config import RouteRule

REASON_MAX = 160

DecidedBy = Literal["model", "similarity", "rule", "plan", "supervisor", "only-agent"]


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


def candidates(scores: dict[str, float], limit: int, decide_gap: float) -> tuple[list[str], bool]:
    """The agents worth asking the model about, best first, and whether the best one wins outright.

    The best wins outright when its score is positive and leads the runner-up by ``decide_gap`` of its own
    value. With no evidence at all, every agent stays a candidate.
    """
    ranked = sorted(scores, key=lambda name: -scores[name])
    if not ranked or scores[ranked[0]] <= 0:
        return ranked, False
    if len(ranked) == 1:
        return ranked, True
    best, second = scores[ranked[0]], max(scores[ranked[1]], 0.0)
    if (best - second) / best >= decide_gap:
        return ranked[:1], True
    return ranked[: max(2, limit)], False


RulePredicate = Callable[[str], bool]
"""A routing rule in code: given the subtask's text, does it belong to the rule's agent?"""


@dataclass(frozen=True)
class CodeRoute:
    """Route subtasks for which ``when(text)`` is true to ``agent``."""

    agent: str
    when: RulePredicate
    name: str = "predicate"


def match_rule(text: str, rules: Sequence[RouteRule], code_routes: Sequence[CodeRoute]) -> tuple[str, str] | None:
    """The first rule that matches: (agent, which rule), or ``None``."""
    lowered = text.lower()
    for number, rule in enumerate(rules, start=1):
        if rule.pattern is not None and re.search(rule.pattern, text, flags=re.IGNORECASE):
            return rule.agent, f"rule {number} (pattern {rule.pattern!r})"
        hit = next((k for k in rule.keywords if k.lower() in lowered), None)
        if hit is not None:
            return rule.agent, f"rule {number} (keyword {hit!r})"
    for route in code_routes:
        if route.when(text):
            return route.agent, f"code route {route.name!r}"
    return None
