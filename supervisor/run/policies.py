"""Policies that bound the work of one goal, enforced by the orchestrator, never by the agents.

Every limit is checked where the work is about to happen (before a specialist runs, after every model call), so
a stop leaves the run consistent: what was accepted stays accepted, and the typed error says which limit held.
"""

from __future__ import annotations

from collections import Counter

from supervisor.config import LimitsConfig
from supervisor.errors import (
    AgentRunLimitError,
    CostBudgetError,
    ReplanLimitError,
    StepLimitError,
    TokenBudgetError,
)
from supervisor.models import Usage


class Policies:
    """Counts what a run has done and raises the typed stop when a limit would be crossed."""

    def __init__(self, limits: LimitsConfig) -> None:
        self.limits = limits
        self.agent_runs: Counter[str] = Counter()
        self.steps = 0
        self.replans = 0
        self.tool_calls = 0

    def before_agent_run(self, agent: str) -> None:
        limit = self.limits.agent_runs.get(agent, self.limits.max_agent_runs)
        if self.agent_runs[agent] >= limit:
            raise AgentRunLimitError(f"agent {agent!r} already ran {self.agent_runs[agent]} time(s)", limit)
        if self.steps >= self.limits.max_steps:
            raise StepLimitError(f"{self.steps} specialist step(s) already ran", self.limits.max_steps)
        self.agent_runs[agent] += 1
        self.steps += 1

    def tool_calls_left(self) -> int:
        """How many more tool calls the goal's budget allows (the tool loop stops asking at 0)."""
        return max(0, self.limits.max_tool_calls_per_goal - self.tool_calls)

    def count_tool_call(self) -> None:
        self.tool_calls += 1

    def before_replan(self) -> None:
        if self.replans >= self.limits.max_replans:
            raise ReplanLimitError(f"{self.replans} re-plan(s) already made", self.limits.max_replans)
        self.replans += 1

    def after_usage(self, total: Usage) -> None:
        budget = self.limits.token_budget
        if budget is not None and total.total_tokens > budget:
            raise TokenBudgetError(f"{total.total_tokens} tokens used of {budget}", budget)
        money = self.limits.cost_budget_usd
        if money is not None and total.cost_usd > money:
            raise CostBudgetError(f"${total.cost_usd:.6f} spent of ${money:.6f}", money)
