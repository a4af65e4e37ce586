"""The router: rules first, then the agent the plan names, then card similarity, the model between close calls.

Every decision is a ``RouteDecision`` with its reason and scores, so routing stays explainable in the event
stream and the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

from supervisor import prompts
from supervisor.cards import Team
from supervisor.config import RoutingConfig
from supervisor.context import SUPERVISOR_ROLE, RunContext, StepKey
from supervisor.models import Model
from supervisor.plan import Subtask
from supervisor.ranking import CardRanker, card_ranker
from supervisor.routing import REASON_MAX, CodeRoute, RouteDecision, candidates, match_rule, route_output_type


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
