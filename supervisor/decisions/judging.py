"""The verdict on one output: code checks first, then (where configured) the supervisor model's judgement.

The model judges only what code cannot, and only through a schema whose ``agent`` field is an enum of the team:
no text in an output can set a verdict or name the next agent.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from supervisor.checks.output import CheckContext, OutputChecks, code_problems
from supervisor.config import BatonConfig
from supervisor.decisions import prompts
from supervisor.decisions.schemas import FEEDBACK_MAX, Subtask, Verdict, verdict_output_type
from supervisor.errors import RunError
from supervisor.models import Model
from supervisor.models.capabilities import ModelCapabilities
from supervisor.result import CheckedVerdict
from supervisor.run.attempt import AttemptOutput
from supervisor.run.context import SUPERVISOR_ROLE, RunContext, StepKey
from supervisor.similarity.card_ranker import CardRanker
from supervisor.team import Specialist, Team


class Judge:
    """Checks outputs for one team."""

    def __init__(
        self, team: Team, config: BatonConfig, model: Model, ranker: CardRanker, *, capabilities: ModelCapabilities
    ) -> None:
        self.team = team
        self._model = model
        self._ranker = ranker
        self._max_reasks = config.limits.max_reasks
        judge = config.checking.judge
        self.model_judges = judge == "model" or (judge == "auto" and capabilities.judges)
        floor = config.checking.min_relevance
        self._min_relevance = ranker.default_min_relevance if floor is None else floor

    async def verdict(
        self, run: RunContext, specialist: Specialist, subtask: Subtask, answer: AttemptOutput, attempt: int
    ) -> CheckedVerdict:
        context = CheckContext(
            goal=run.goal,
            task=subtask.description,
            output=answer.text,
            agent=specialist.name,
            truncated=answer.truncated,
            sources=answer.sources,
            scaffolding=answer.scaffolding,
            refusals=answer.refusals,
            structured=answer.structured is not None,
        )
        checks = specialist.card.checks.merged(subtask.checks)
        threshold = checks.min_relevance if checks.min_relevance is not None else self._min_relevance
        # A threshold no score can fall below rejects nothing: the output is not scored at all.
        relevance = self._ranker.relevance if threshold > self._ranker.lowest_relevance else None
        problems = code_problems(
            context, checks, specialist.predicates, relevance, threshold, grounding=specialist.card.grounding
        )
        if problems or not self.model_judges:
            return code_verdict(problems)
        messages = prompts.render(
            "check", subtask=subtask, output=answer.text, agents=self.team.names, refusals=answer.refusals
        )
        completion = await run.ask(
            StepKey(subtask.id, attempt, "check"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            output_type=verdict_output_type(tuple(self.team.names)),
            max_tokens=FEEDBACK_MAX + 64,
            max_reasks=self._max_reasks,
        )
        verdict = completion.output
        if not isinstance(verdict, Verdict):
            raise RunError(f"the checker returned {type(verdict).__name__}, not a Verdict")
        return CheckedVerdict(
            decision=verdict.decision, feedback=verdict.feedback, decided_by="model", agent=verdict.agent or None
        )

    def final_answer_problems(self, goal: str, text: str, accepted: Sequence[str]) -> list[str]:
        """What code finds wrong with a composed final answer: the same built-in checks as any output."""
        context = CheckContext(
            goal=goal, task="the final answer", output=text, agent="supervisor", sources=(goal, *accepted)
        )
        return code_problems(context, _final_answer_checks(), grounding="strict")


@functools.cache
def _final_answer_checks() -> OutputChecks:
    # The same for every answer: validated once, not at every run's end.
    return OutputChecks(min_chars=1, complete_sentences=False)


def code_verdict(problems: Sequence[str]) -> CheckedVerdict:
    """Retry with every problem as feedback, or accept when there is none."""
    if problems:
        return CheckedVerdict(decision="retry", feedback=" ".join(problems)[: FEEDBACK_MAX * 2], decided_by="code")
    return CheckedVerdict(decision="accept", feedback="", decided_by="code")
