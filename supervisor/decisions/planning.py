"""Planning: the supervisor model turns a goal into a validated DAG of subtasks, and re-plans what remains.

Which schema the model writes under is chosen once per team: a free plan (up to ``limits.max_subtasks``
subtasks, each depending only on earlier ids), or the team's declared workflow as a skeleton whose wordings are
enums taken from the cards. A team built with a ``pipeline`` always runs it, whole; a ``workflow`` is adapted as
a skeleton by a small model and planned freely by a capable one (``supervisor.models.capabilities``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from supervisor.config import BatonConfig
from supervisor.decisions import prompts
from supervisor.decisions.schemas import (
    OPEN,
    Plan,
    Subtask,
    only_value,
    plan_json_schema,
    plan_output_type,
    skeleton_from_workflow,
    skeleton_plan_json_schema,
    token_budget,
)
from supervisor.errors import ConfigError, ReplanScopeError, RunError, UnknownAgentError, UserError
from supervisor.models import Model
from supervisor.models.capabilities import ModelCapabilities
from supervisor.run.context import SUPERVISOR_ROLE, RunContext, StepKey
from supervisor.team import Team

# Where work can be sent: links, e-mail addresses, host names. A re-plan may only use those the goal or plan named.
_TARGET = re.compile(
    r"https?://[^\s)\]>\"']+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:[\w-]+\.)+(?:com|net|org|io|co|ru|cn|info|xyz)\b"
)


def targets_in(texts: Iterable[str]) -> set[str]:
    """The links, addresses and host names in ``texts``, lower-cased."""
    return {match.lower().rstrip(".,;:") for text in texts for match in _TARGET.findall(text)}


def pipeline_plan(agents: Sequence[str], goal: str) -> Plan:
    """A fixed pipeline as a plan: each agent in order, each receiving the previous one's output.

    The caller's pipeline is the work asked for: any length memory allows (limits bound what runs, not this).
    """
    if not agents:
        raise UserError("a pipeline needs at least 1 agent")
    return Plan(
        subtasks=tuple(
            Subtask(
                id=f"s{i}",
                description=f"Do your part of the goal as {agent}: {goal}"[:200],
                acceptance_criteria="a complete answer for this stage of the work",
                depends_on=(f"s{i - 1}",) if i > 1 else (),
                agent=agent,
            )
            for i, agent in enumerate(agents, start=1)
        )
    )


class Planner:
    """Plans and re-plans goals for one team with the supervisor's model."""

    def __init__(self, team: Team, config: BatonConfig, model: Model, *, capabilities: ModelCapabilities) -> None:
        self.team = team
        self._limits = config.limits
        self._model = model
        self.mode = self._choose_mode(config.planning.mode, capabilities)
        self.plan_type = self._choose_plan_type(self.mode)
        # Whether the schema leaves anything to decide is worked out once per team, not per goal.
        self._settled = only_value(self.plan_type.model_json_schema())

    def _choose_mode(self, mode: str, capabilities: ModelCapabilities) -> str:
        if mode != "auto":
            return mode
        if self.team.pipeline:
            return "skeleton"  # the team's pipeline is what the user asked for, whatever the model
        return "skeleton" if self.team.workflow and not capabilities.plans_freely else "free"

    def _choose_plan_type(self, mode: str) -> type[Plan]:
        limits, names = self._limits, tuple(self.team.names)
        if mode == "skeleton":
            if not self.team.workflow:
                raise ConfigError("planning.mode", ["planning.mode: 'skeleton' needs a team with a workflow"])
            steps = skeleton_from_workflow(self.team)
            if self.team.pipeline:
                return plan_output_type(skeleton_plan_json_schema(steps, len(steps)), len(steps), names)
            steps = steps[: limits.max_subtasks]
            schema = skeleton_plan_json_schema(steps, max(limits.min_subtasks, self._steps_needed()))
            return plan_output_type(schema, limits.max_subtasks, names)
        low = min(limits.min_subtasks, limits.max_subtasks)
        return plan_output_type(plan_json_schema(low, limits.max_subtasks), limits.max_subtasks, names)

    def _steps_needed(self) -> int:
        """How much of the workflow a skeleton must keep: through the deliverable's step and any review of it."""
        needed = {*self.team.deliverable[:1]}
        needed |= {s.agent for s in self.team.workflow if s.reviews in needed}
        return max((n for n, s in enumerate(self.team.workflow, start=1) if s.agent in needed), default=0)

    def check(self, plan: Plan) -> None:
        """A plan given by the caller may only name agents on the team."""
        unknown = [s.agent for s in plan.subtasks if s.agent is not None and s.agent not in self.team]
        if unknown:
            raise UnknownAgentError(unknown[0], self.team.names)

    async def plan(self, run: RunContext, note: str = "", reason: str = "") -> Plan:
        if self._settled is not OPEN and not note:
            # The team's pipeline admits exactly one plan: nothing for a model to decide.
            return Plan.model_validate(self._settled)
        messages = prompts.render(
            "plan",
            goal=run.goal,
            reason=prompts.strip_data_markers(reason),
            cards=[s.card for s in self.team],
            min_subtasks=self._limits.min_subtasks,
            max_subtasks=self._limits.max_subtasks,
            note=note,
        )
        completion = await run.ask(
            StepKey("plan", len(run.result.replans) + 1, "plan"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            output_type=self.plan_type,
            max_tokens=token_budget(self.plan_type.max_subtasks or self._limits.max_subtasks),
            max_reasks=self._limits.max_reasks,
        )
        if completion.output is None:
            raise RunError("the planner returned no plan")
        # Re-validate as the plain Plan type so results never carry the schema-carrying subclass.
        return Plan.model_validate(completion.output.model_dump())

    async def replan(self, run: RunContext, previous: Plan) -> Plan:
        """A plan for the remaining work; its ids are renamed so they never collide with finished ones.

        The reason for the re-plan was written by a model from untrusted work: it reaches the planner only as data,
        and the new plan may not bring in an agent, link or address that neither the goal nor the previous plan
        named (``ReplanScopeError`` stops the run, keeping what was accepted).
        """
        known = {s.id for s in previous.subtasks}
        done = ", ".join(f"{sid} ({previous.get(sid).description})" for sid in run.accepted if sid in known)
        note = f"Already done: {done or 'nothing'}. Plan only the remaining work."
        fresh = await self.plan(run, note, reason=run.replan_reason)
        self.check_scope(run.goal, previous, fresh)
        prefix = f"r{len(run.result.replans) + 1}."
        return Plan(
            subtasks=tuple(
                s.model_copy(update={"id": prefix + s.id, "depends_on": tuple(prefix + d for d in s.depends_on)})
                for s in fresh.subtasks
            )
        )

    def check_scope(self, goal: str, previous: Plan, fresh: Plan) -> None:
        """Raise ``ReplanScopeError`` if ``fresh`` names an agent or a target that ``goal`` and ``previous`` did not.

        Agents: those the previous plan assigned, and those the goal names; a subtask left for routing
        (``agent=None``) is routed under the usual privilege rules. Targets: links, e-mail addresses and host names.
        """
        allowed = {s.agent for s in previous.subtasks if s.agent} | {
            name for name in self.team.names if re.search(rf"\b{re.escape(name)}\b", goal, re.IGNORECASE)
        }
        added = sorted({s.agent for s in fresh.subtasks if s.agent and s.agent not in allowed})
        if added:
            raise ReplanScopeError(f"the re-plan adds agent(s) the goal and plan did not name: {', '.join(added)}")
        known = targets_in([goal, *(f"{s.description} {s.acceptance_criteria}" for s in previous.subtasks)])
        new = sorted(targets_in(f"{s.description} {s.acceptance_criteria}" for s in fresh.subtasks) - known)
        if new:
            raise ReplanScopeError(f"the re-plan sends work to target(s) the goal did not name: {', '.join(new[:3])}")
