"""The router: rules first, then the agent the plan names, then card similarity, the model between close calls.

Every decision is a ``RouteDecision`` with its reason and scores, so routing stays explainable in the event
stream and the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supervisor.config import RoutingConfig
from supervisor.decisions import prompts
from supervisor.decisions.schemas import REASON_MAX, Subtask, route_output_type
from supervisor.models import Model
from supervisor.result import RouteDecision
from supervisor.run.context import SUPERVISOR_ROLE, RunContext, StepKey
from supervisor.similarity.card_ranker import CardRanker, card_ranker
from supervisor.team import Team

if TYPE_CHECKING:
    from supervisor.config import RouteRule


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


class Router:
    """Routes subtasks for one team."""

    def __init__(
        self, team: Team, routing: RoutingConfig, code_routes: Sequence[CodeRoute], model: Model, max_reasks: int
    ) -> None:
        self.team = team
        self._routing = routing
        self._code_routes = list(code_routes)
        self._model = model
        self._max_reasks = max_reasks
        self.ranker: CardRanker = card_ranker([s.card for s in team], routing.similarity)

    async def route(self, run: RunContext, subtask: Subtask) -> RouteDecision:
        rule = match_rule(subtask.description, self._routing.rules, self._code_routes)
        if rule is not None:
            return RouteDecision(subtask_id=subtask.id, agent=rule[0], reason=f"matched {rule[1]}", decided_by="rule")
        if subtask.agent is not None:
            return RouteDecision(
                subtask_id=subtask.id, agent=subtask.agent, reason="named by the plan", decided_by="plan"
            )
        if len(self.team) == 1:
            only = self.team.names[0]
            return RouteDecision(
                subtask_id=subtask.id, agent=only, reason="the team has one member", decided_by="only-agent"
            )
        scores = self.ranker.scores(f"{subtask.description} {subtask.acceptance_criteria}")
        routing = self._routing
        gap = routing.decide_gap if routing.decide_gap is not None else self.ranker.default_decide_gap
        names, outright = candidates(scores, routing.candidates, gap)
        if outright or not routing.ask_model:
            runner_up = sorted(scores.values())[-2]
            close = "" if outright else "; a close call, decided by similarity"
            return RouteDecision(
                subtask_id=subtask.id,
                agent=names[0],
                decided_by="similarity",
                scores=scores,
                reason=f"its card matches best ({scores[names[0]]:.2f} against {runner_up:.2f}){close}",
            )
        messages = prompts.render("route", subtask=subtask, cards=[self.team[n].card for n in names])
        completion = await run.ask(
            StepKey(subtask.id, 1, "route"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            output_type=route_output_type(tuple(names)),
            max_tokens=REASON_MAX + 48,
            max_reasks=self._max_reasks,
        )
        return RouteDecision(
            subtask_id=subtask.id,
            agent=getattr(completion.output, "agent"),  # noqa: B009 - field of a model built at run time
            reason=getattr(completion.output, "reason"),  # noqa: B009
            decided_by="model",
            scores=scores,
        )
