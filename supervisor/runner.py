"""The supervisor loop: plan -> route -> run -> check -> (accept | retry | reroute | replan | escalate) -> answer.

This is the only module with the loop. Subtasks run as a DAG: every subtask whose dependencies are accepted
starts at once (up to ``limits.max_concurrency``), and each receives only its dependencies' outputs and the
goal. Everything nondeterministic passes through the run context's step seam (``supervisor.context``).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Literal

from supervisor import prompts
from supervisor.audit_trail import AuditTrail
from supervisor.cards import Specialist, Team
from supervisor.checking import (
    FEEDBACK_MAX,
    CheckContext,
    CheckedVerdict,
    Verdict,
    code_problems,
    code_verdict,
    verdict_output_type,
)
from supervisor.config import BatonConfig
from supervisor.context import RunContext, StepKey

__all__ = ["StepKey", "Supervisor", "load_team", "pipeline_plan"]
from supervisor.escalation import Escalation, EscalationHandler, EscalationKind, HumanDecision, ask_person
from supervisor.events import (
    AttemptStarted,
    EscalationRaised,
    Event,
    EventSink,
    HumanDecided,
    OutputProduced,
    PlanMade,
    PolicyStopped,
    Replanned,
    Rerouted,
    RunFinished,
    RunStarted,
    SubtaskRouted,
    VerdictGiven,
)
from supervisor.exceptions import (
    ConfigError,
    GoalTimeoutError,
    PolicyStopError,
    PrivilegeEscalationError,
    PromptInjectionError,
    RunError,
    StepTimeoutError,
    SubtaskFailedError,
    UnknownAgentError,
    UserError,
)
from supervisor.guards.builtin import build_pipeline
from supervisor.guards.capabilities import ToolPolicy
from supervisor.guards.pipeline import Guard, GuardedMessage, GuardResult
from supervisor.models import Closeable, Model, known_prefixes, resolve_model
from supervisor.models.local import EMBEDDED_MODEL_NAME as EMBEDDED_MODEL
from supervisor.plan import (
    Plan,
    Subtask,
    plan_json_schema,
    plan_output_type,
    skeleton_from_workflow,
    skeleton_plan_json_schema,
    token_budget,
)
from supervisor.policy import PolicyGuard
from supervisor.pricing import PriceTable
from supervisor.ranking import card_ranker
from supervisor.routing import REASON_MAX, CodeRoute, RouteDecision, candidates, match_rule, route_output_type
from supervisor.state import Attempt, RunResult, StepRecord, ToolCall
from supervisor.work import ApprovalNeeded, AttemptOutput, call_tool_checked, choose_tool, write_answer

SUPERVISOR_ROLE = "supervisor"
Outcome = Literal["accepted", "replan", "waiting"]
QUARANTINE_FEEDBACK = (
    "Your answer was withheld: it contained text addressed to the supervisor or other agents. "
    "Do the task itself and write only the result."
)
Aggregator = Callable[[str, dict[str, str]], str | Awaitable[str]]
"""A user-given aggregation: (goal, accepted outputs by subtask id) -> the final answer."""


def load_team(factory: str) -> Team:
    """Build the team named by ``module:function`` (the ``[team] factory`` setting)."""
    module_name, _, attr = factory.partition(":")
    try:
        build = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError("team.factory", [f"team.factory: cannot load {factory!r}: {exc}"]) from None
    members = build()
    return members if isinstance(members, Team) else Team(members)


def pipeline_plan(agents: Sequence[str], goal: str) -> Plan:
    """A fixed pipeline as a plan: each agent in order, each receiving the previous one's output."""
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


class Supervisor:
    """Runs goals with a team of specialists: plans, routes, runs, checks and answers.

    >>> supervisor = Supervisor(team, config=load_config("baton.toml"))
    >>> result = supervisor.run_sync("Customer was charged twice for order 1042")

    ``model`` replaces the configured default model (for the supervisor and every specialist); per-role
    settings in the config (``models.supervisor``, ``models.agents.<name>``) and a specialist's own ``model``
    still take precedence. ``escalation_handler`` answers escalations (sync or async); without one a run that
    needs a person stops in ``waiting_for_human``. ``aggregate`` replaces the supervisor's final answer.
    """

    def __init__(
        self,
        team: Team | Iterable[Specialist] | None = None,
        *,
        config: BatonConfig | None = None,
        model: str | Model | None = None,
        routes: Sequence[CodeRoute] = (),
        escalation_handler: EscalationHandler | None = None,
        aggregate: Aggregator | None = None,
        guards: Sequence[Guard] = (),
    ) -> None:
        self.config = config or BatonConfig()
        if team is None:
            self.team = load_team(self.config.team.factory)
        else:
            self.team = team if isinstance(team, Team) else Team(team)
        self._check_names(routes)
        # Resolve every model now: an unknown provider or a missing file fails here, before any work.
        default: str | Model = model if model is not None else self.config.models.default
        self._model = self._resolve(self.config.models.supervisor or default)
        self._agent_models = {
            s.name: self._resolve(self.config.models.agents.get(s.name) or s.model or default) for s in self.team
        }
        self._limits = self.config.limits
        self._prices = PriceTable(self.config.prices)
        self._weak_supervisor = self._model.name == EMBEDDED_MODEL
        self._plan_type = self._choose_plan_type()
        judge = self.config.checking.judge
        self._model_judges = judge == "model" or (judge == "auto" and not self._weak_supervisor)
        self._ranker = card_ranker([s.card for s in self.team], self.config.routing.similarity)
        self._routes = list(routes)
        self._handler = escalation_handler
        self._aggregate = aggregate
        self._guards = build_pipeline(self.config.guards, guards)
        self._tool_policy = ToolPolicy(self.config.guards.tools)
        self._audit = AuditTrail(self.config)

    def _check_names(self, routes: Sequence[CodeRoute]) -> None:
        named = [*self.config.models.agents, *(r.agent for r in self.config.routing.rules), *(r.agent for r in routes)]
        for name in named:
            if name not in self.team:
                raise UnknownAgentError(name, self.team.names)
        tools = {t.name for s in self.team for t in s.tools}
        for tool in self.config.guards.tools:
            if tool not in tools:
                raise ConfigError(
                    f"guards.tools.{tool}",
                    [f"guards.tools.{tool}: no specialist has that tool; the team's tools: {', '.join(sorted(tools))}"],
                )
        for prefix in self.config.providers:
            if f"{prefix}/..." not in known_prefixes():
                raise ConfigError(
                    f"providers.{prefix}",
                    [f"providers.{prefix}: no such provider; known: {', '.join(known_prefixes())}"],
                )

    def _choose_plan_type(self) -> type[Plan]:
        limits, mode = self._limits, self.config.planning.mode
        names = tuple(self.team.names)
        if mode == "auto":
            mode = "skeleton" if self._weak_supervisor and self.team.workflow else "free"
        if mode == "skeleton":
            if not self.team.workflow:
                raise ConfigError("planning.mode", ["planning.mode: 'skeleton' needs a team with a workflow"])
            steps = skeleton_from_workflow(self.team)[: limits.max_subtasks]
            schema = skeleton_plan_json_schema(steps, limits.min_subtasks)
            return plan_output_type(schema, limits.max_subtasks, names)
        low = min(limits.min_subtasks, limits.max_subtasks)
        return plan_output_type(plan_json_schema(low, limits.max_subtasks), limits.max_subtasks, names)

    def _resolve(self, model: str | Model) -> Model:
        if isinstance(model, str):
            return resolve_model(model, self.config.providers)
        return model

    @property
    def model(self) -> Model:
        return self._model

    def models_by_role(self) -> dict[str, Model]:
        """The model each role uses: ``supervisor`` and every specialist."""
        return {SUPERVISOR_ROLE: self._model, **self._agent_models}

    def model_for(self, agent: str) -> Model:
        if agent not in self._agent_models:
            raise UnknownAgentError(agent, self.team.names)
        return self._agent_models[agent]

    # -- public entry points ---------------------------------------------------------------------------

    async def run(
        self,
        goal: str,
        *,
        plan: Plan | None = None,
        pipeline: Sequence[str] | None = None,
        on_event: EventSink | None = None,
    ) -> RunResult:
        """Run ``goal`` to the end; or follow a given ``plan``, or a fixed ``pipeline`` of agents in order.

        A run that fails returns ``status="failed"``, a policy stop ``"stopped"``, an escalation without a
        handler ``"waiting_for_human"``; each keeps every accepted output.
        """
        if not goal.strip():
            raise UserError("the goal is empty")
        if plan is not None and pipeline is not None:
            raise UserError("give run() a plan or a pipeline, not both")
        given = pipeline_plan(pipeline, goal) if pipeline is not None else plan
        if given is not None:
            self._check_plan(given)
        run = RunContext(goal, self._sinks(on_event), self._prices, PolicyGuard(self._limits), guards=self._guards)
        run.emit(RunStarted, goal=goal, team=tuple(self.team.names), config_fingerprint=self._audit.fingerprint)
        await self._drive(run, lambda: self._execute(run, given))
        return run.result

    async def resume(
        self, result: RunResult, decision: HumanDecision, *, on_event: EventSink | None = None
    ) -> RunResult:
        """Continue a run that stopped in ``waiting_for_human`` with a person's ``decision``."""
        if result.status != "waiting_for_human" or result.pending is None or result.plan is None:
            raise UserError(f"run {result.run_id} is {result.status}, not waiting for a person")
        restored = result.model_copy(deep=True)
        guard = PolicyGuard.restored(self._limits, restored, self.team.names)
        run = RunContext(result.goal, self._sinks(on_event), self._prices, guard, restored, guards=self._guards)
        run.approved_calls.update(tuple(c) for c in restored.approved_tool_calls)  # type: ignore[misc]
        run.refused_calls.update(tuple(c) for c in restored.refused_tool_calls)  # type: ignore[misc]
        pending, run.result.pending = result.pending, None
        record = next(s for s in restored.steps if s.status == "waiting_for_human")
        current = restored.replans[-1] if restored.replans else result.plan

        async def continue_run() -> None:
            if pending.kind == "tool_approval" and pending.tool is not None:
                # The call is approved (or refused) as asked; the subtask then runs again from its start.
                run.emit(HumanDecided, subtask_id=record.subtask.id, decision=decision)
                approved = decision.action == "approve"
                self._record_approval(run, record.subtask.id, pending.tool, pending.arguments or "", approved)
                record.status = "cancelled"
            else:
                await self._apply_decision(run, record, decision, pending)
            await self._finish(run, current)

        await self._drive(run, continue_run)
        return run.result

    def run_sync(
        self,
        goal: str,
        *,
        plan: Plan | None = None,
        pipeline: Sequence[str] | None = None,
        on_event: EventSink | None = None,
    ) -> RunResult:
        """``run`` for code that is not inside an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._closing(self.run(goal, plan=plan, pipeline=pipeline, on_event=on_event)))
        raise UserError("run_sync() was called inside a running event loop; use 'await supervisor.run(...)'")

    def resume_sync(self, result: RunResult, decision: HumanDecision) -> RunResult:
        """``resume`` for code that is not inside an event loop."""
        return asyncio.run(self._closing(self.resume(result, decision)))

    async def _closing(self, work: Awaitable[RunResult]) -> RunResult:
        try:
            return await work
        finally:
            await self.aclose()  # the loop ends with this call: its connections must not outlive it

    async def aclose(self) -> None:
        """Close the connections the models opened on the running event loop, and the audit log."""
        self._audit.close()
        seen: set[int] = set()
        for model in self.models_by_role().values():
            if id(model) not in seen and isinstance(model, Closeable):
                seen.add(id(model))
                await model.aclose()

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def stream(self, goal: str, *, plan: Plan | None = None) -> AsyncIterator[Event]:
        """Run ``goal`` and yield its events as they happen; the last one is ``RunFinished``."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def runner() -> None:
            try:
                await self.run(goal, plan=plan, on_event=queue.put_nowait)
            finally:
                queue.put_nowait(None)

        task = asyncio.create_task(runner())
        try:
            while (event := await queue.get()) is not None:
                yield event
            await task  # re-raise what ended the run, if anything did
        finally:
            if not task.done():
                task.cancel()

    async def plan(self, goal: str) -> Plan:
        """Plan ``goal`` without running it."""
        return await self._plan(self._context(goal))

    async def route(self, subtask: Subtask) -> RouteDecision:
        """Pick the specialist for ``subtask`` without running it."""
        return await self._route(self._context(subtask.description), subtask)

    def _context(self, goal: str) -> RunContext:
        return RunContext(goal, [], self._prices, PolicyGuard(self._limits), guards=self._guards)

    def _sinks(self, on_event: EventSink | None) -> list[EventSink]:
        """Where a run's events go: the audit log, OpenTelemetry (only when an SDK is configured), the caller."""
        from supervisor.telemetry import span_sink

        return [sink for sink in (self._audit.sink(), span_sink(), on_event) if sink is not None]

    def _check_plan(self, plan: Plan) -> None:
        unknown = [s.agent for s in plan.subtasks if s.agent is not None and s.agent not in self.team]
        if unknown:
            raise UnknownAgentError(unknown[0], self.team.names)

    # -- the loop ----------------------------------------------------------------------------------------

    async def _drive(self, run: RunContext, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` under the goal's timeout and turn how it ends into the result's status."""
        try:
            async with asyncio.timeout(self._limits.goal_timeout_s):
                await work()
        except TimeoutError:
            self._stop(run, GoalTimeoutError(f"the goal ran past {self._limits.goal_timeout_s} s"))
        except PolicyStopError as exc:
            self._stop(run, exc)
        except RunError as exc:
            run.result.status = "failed"
            run.result.error, run.result.error_type = str(exc), type(exc).__name__
        run.result.peak_concurrency = max(run.result.peak_concurrency, run.peak)
        run.emit(RunFinished, result=run.result)

    def _stop(self, run: RunContext, exc: PolicyStopError) -> None:
        run.result.status = "stopped"
        run.result.error, run.result.error_type = str(exc), type(exc).__name__
        run.emit(PolicyStopped, policy=exc.policy, detail=exc.detail)

    async def _execute(self, run: RunContext, given: Plan | None) -> None:
        plan = given or await self._plan(run)
        run.result.plan = plan
        run.emit(PlanMade, plan=plan)
        await self._finish(run, plan)

    async def _finish(self, run: RunContext, plan: Plan) -> None:
        """Run the plan's remaining subtasks, re-planning when a verdict asks for it, then answer."""
        while True:
            signal = await self._run_dag(run, plan)
            if signal == "waiting":
                run.result.status = "waiting_for_human"
                return
            if signal != "replan":
                break
            run.guard.before_replan()
            plan = await self._replan(run, plan)
            run.result.replans.append(plan)
            run.emit(Replanned, plan=plan, reason=run.replan_reason)
        run.result.output = await self._answer(run)
        run.result.status = "done"

    async def _run_dag(self, run: RunContext, plan: Plan) -> Outcome | Literal["done"]:
        pending = [s for s in plan.subtasks if s.id not in run.accepted]
        running: dict[asyncio.Task[Outcome], str] = {}
        signal: Outcome | None = None
        try:
            while True:
                if signal is None:  # after a replan or escalation signal, start nothing new
                    for subtask in [s for s in pending if all(d in run.accepted for d in s.depends_on)]:
                        if len(running) >= self._limits.max_concurrency:
                            break
                        pending.remove(subtask)
                        running[asyncio.create_task(self._subtask(run, subtask))] = subtask.id
                if not running:
                    break
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    running.pop(task)
                    outcome = task.result()  # a failure propagates; the finally below cancels the rest
                    if outcome == "waiting" or (outcome == "replan" and signal is None):
                        signal = outcome
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if signal is not None:
            return signal
        if pending:
            raise RunError(f"subtask(s) {', '.join(s.id for s in pending)} never became ready")
        return "done"

    async def _subtask(self, run: RunContext, subtask: Subtask) -> Outcome:
        decision = await self._route(run, subtask)
        run.emit(SubtaskRouted, decision=decision)
        record = StepRecord(subtask=subtask, route=decision)
        run.result.steps.append(record)
        run.active += 1
        run.peak = max(run.peak, run.active)
        try:
            return await self._work(run, record)
        except asyncio.CancelledError:
            record.status = "cancelled"
            raise
        except BaseException:
            if record.status == "running":
                record.status = "failed"
            raise
        finally:
            run.active -= 1

    async def _plan(self, run: RunContext, note: str = "") -> Plan:
        messages = prompts.render(
            "plan",
            goal=run.goal,
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
            output_type=self._plan_type,
            max_tokens=token_budget(self._limits.max_subtasks),
            max_reasks=self._limits.max_reasks,
        )
        if completion.output is None:
            raise RunError("the planner returned no plan")
        # Re-validate as the plain Plan type so results never carry the schema-carrying subclass.
        return Plan.model_validate(completion.output.model_dump())

    async def _replan(self, run: RunContext, previous: Plan) -> Plan:
        done = ", ".join(f"{sid} ({previous.get(sid).description})" for sid in run.accepted if _has(previous, sid))
        note = f"Already done: {done or 'nothing'}. Plan only the remaining work. Reason: {run.replan_reason}"
        fresh = await self._plan(run, note)
        # New ids must not collide with finished ones; dependencies are renamed with them.
        prefix = f"r{len(run.result.replans) + 1}."
        return Plan(
            subtasks=tuple(
                s.model_copy(update={"id": prefix + s.id, "depends_on": tuple(prefix + d for d in s.depends_on)})
                for s in fresh.subtasks
            )
        )

    async def _route(self, run: RunContext, subtask: Subtask) -> RouteDecision:
        text = f"{subtask.description} {subtask.acceptance_criteria}"
        rule = match_rule(subtask.description, self.config.routing.rules, self._routes)
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
        scores = self._ranker.scores(text)
        routing = self.config.routing
        gap = routing.decide_gap if routing.decide_gap is not None else self._ranker.default_decide_gap
        names, outright = candidates(scores, routing.candidates, gap)
        if outright or not self.config.routing.ask_model:
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
            max_reasks=self._limits.max_reasks,
        )
        return RouteDecision(
            subtask_id=subtask.id,
            agent=getattr(completion.output, "agent"),  # noqa: B009 - field of a model built at run time
            reason=getattr(completion.output, "reason"),  # noqa: B009
            decided_by="model",
            scores=scores,
        )

    async def _work(self, run: RunContext, record: StepRecord) -> Outcome:
        subtask = record.subtask
        inputs = [{"id": dep, "output": run.accepted[dep]} for dep in subtask.depends_on if dep in run.accepted]
        feedback, tried, reroutes = "", 0, 0
        tool_calls: dict[str, ToolCall | None] = {}
        while True:
            agent = record.route.agent
            specialist = self.team[agent]
            if tried >= self._limits.max_attempts:
                last = record.attempts[-1] if record.attempts else None
                if last is not None and last.quarantined:
                    # Guards held every attempt: a person decides, rather than the run failing or trusting it.
                    reason = f"a guard withheld all {tried} attempt(s) of {agent}: {feedback}"
                    return await self._escalate(run, record, last.output, reason, kind="guard")
                record.status = "rejected"
                raise SubtaskFailedError(subtask.id, len(record.attempts), feedback)
            tried += 1
            number = len(record.attempts) + 1
            run.guard.before_agent_run(agent)
            run.emit(AttemptStarted, subtask_id=subtask.id, agent=agent, attempt=number)
            self._screen_task(run, record, agent)
            answer = await self._attempt(
                run, record, number=number, inputs=inputs, tool_calls=tool_calls, feedback=feedback
            )
            if answer == "waiting":
                return "waiting"
            made_now = tool_calls[agent]
            calls = [made_now] if made_now is not None and tried == 1 else []
            screened = run.screen(GuardedMessage("output", answer.text, "specialist", agent, subtask.id))
            run.emit(OutputProduced, subtask_id=subtask.id, agent=agent, attempt=number, output=screened.text)
            if screened.blocked:
                attempt = Attempt(number=number, agent=agent, output=answer.text, tool_calls=calls)
                if self._quarantine(run, record, attempt, screened):
                    why = f"a guard held the output: {'; '.join(screened.reasons)}"
                    return await self._escalate(run, record, answer.text, why, kind="guard")
                feedback = QUARANTINE_FEEDBACK
                continue
            answer = AttemptOutput(screened.text, answer.truncated)
            verdict = await self._verdict(run, specialist, subtask, answer, number)
            record.attempts.append(
                Attempt(number=number, agent=agent, output=answer.text, verdict=verdict, tool_calls=calls)
            )
            run.emit(VerdictGiven, subtask_id=subtask.id, agent=agent, attempt=number, verdict=verdict)
            if verdict.decision == "accept":
                self._accept(run, record, answer.text)
                return "accepted"
            if verdict.decision == "replan":
                record.status = "replanned"
                run.replan_reason = verdict.feedback or f"subtask {subtask.id} cannot be done as planned"
                return "replan"
            if verdict.decision == "escalate":
                return await self._escalate(run, record, answer.text, verdict.feedback)
            target = verdict.agent or ""
            if (
                verdict.decision == "reroute"
                and target in self.team
                and target != agent
                and reroutes < self._limits.max_reroutes
            ):
                if self.team[target].card.rank > specialist.card.rank:
                    return await self._refuse_privilege(run, record, agent, target, answer.text)
                reroutes, tried, feedback = reroutes + 1, 0, ""
                reason = verdict.feedback or f"{target} fits this subtask better"
                record.route = RouteDecision(
                    subtask_id=subtask.id, agent=target, reason=reason, decided_by="supervisor"
                )
                run.emit(Rerouted, subtask_id=subtask.id, from_agent=agent, to_agent=target, reason=reason)
                continue
            feedback = verdict.feedback or "The answer did not meet the acceptance criteria."

    async def _attempt(
        self,
        run: RunContext,
        record: StepRecord,
        *,
        number: int,
        inputs: list[dict[str, str]],
        tool_calls: dict[str, ToolCall | None],
        feedback: str,
    ) -> AttemptOutput | Literal["waiting"]:
        """One specialist attempt under the step timeout: its tool (once per agent), then its answer."""
        agent, subtask = record.route.agent, record.subtask
        specialist, model = self.team[agent], self.model_for(agent)
        try:
            async with asyncio.timeout(self._limits.step_timeout_s):
                if agent not in tool_calls:  # a tool runs once per agent: retries must not repeat side effects
                    made = await self._tool_step(run, record, specialist, model)
                    if made == "waiting":
                        return "waiting"
                    tool_calls[agent] = made
                return await write_answer(
                    run,
                    specialist=specialist,
                    model=model,
                    subtask=subtask,
                    number=number,
                    inputs=inputs,
                    tool_call=tool_calls[agent],
                    feedback=feedback,
                    max_tokens=self._limits.specialist_max_tokens,
                )
        except TimeoutError:
            record.status = "failed"
            raise StepTimeoutError(
                f"subtask {subtask.id} attempt {number} ({agent}) ran past {self._limits.step_timeout_s} s",
                self._limits.step_timeout_s,
            ) from None

    def _quarantine(self, run: RunContext, record: StepRecord, attempt: Attempt, screened: GuardResult) -> bool:
        """Record a held output, kept for the record but never shown to a model; True when a person decides now."""
        escalate_now = self.config.guards.action == "escalate"
        verdict = CheckedVerdict(
            decision="escalate" if escalate_now else "retry",
            feedback=f"withheld by {screened.guard}: {'; '.join(screened.reasons)}"[:FEEDBACK_MAX],
            decided_by="guard",
        )
        record.attempts.append(attempt.model_copy(update={"verdict": verdict, "quarantined": True}))
        run.emit(
            VerdictGiven, subtask_id=record.subtask.id, agent=attempt.agent, attempt=attempt.number, verdict=verdict
        )
        return escalate_now

    def _screen_task(self, run: RunContext, record: StepRecord, agent: str) -> None:
        """The supervisor -> specialist message passes the pipeline too (user guards may hold it)."""
        task = run.screen(GuardedMessage("task", record.subtask.description, "supervisor", agent, record.subtask.id))
        if task.blocked:
            record.status = "failed"
            raise PromptInjectionError(
                f"a guard held the task for {agent}: {'; '.join(task.reasons)}",
                task.findings,
                channel="task",
                agent=agent,
            )

    async def _refuse_privilege(
        self, run: RunContext, record: StepRecord, agent: str, target: str, output: str
    ) -> Outcome:
        """Work may not move to a more privileged agent after an agent's output: a person decides instead."""
        exc = PrivilegeEscalationError(
            f"the verdict on {agent}'s output asked to move {record.subtask.id} to {target} "
            f"({self.team[target].card.privilege}, above {self.team[agent].card.privilege})",
            channel="output",
            agent=agent,
        )
        run.tripped(exc, record.subtask.id)
        return await self._escalate(run, record, output, exc.detail, kind="privilege")

    async def _tool_step(
        self, run: RunContext, record: StepRecord, specialist: Specialist, model: Model
    ) -> ToolCall | Literal["waiting"] | None:
        """Choose and call the attempt's tool under a capability token; side effects may need a person."""
        subtask = record.subtask
        allowed = frozenset(t.name for t in specialist.allowed_tools())
        if not allowed:
            return None
        capability = run.gate.issue(run.run_id, subtask.id, specialist.name, allowed)
        try:
            choice = await choose_tool(
                run, specialist, model, subtask, capability=capability, max_reasks=self._limits.max_reasks
            )
            if choice is None:
                return None
            while True:
                try:
                    return await call_tool_checked(
                        run, specialist, subtask, capability=capability, policy=self._tool_policy, choice=choice
                    )
                except ApprovalNeeded as need:
                    escalation = self._approval_escalation(run, record, need)
                    run.emit(EscalationRaised, escalation=escalation)
                    if self._handler is None:
                        record.status = "waiting_for_human"
                        run.result.pending = escalation
                        return "waiting"
                    decision = await run.step(
                        StepKey(subtask.id, len(record.attempts) + 1, f"approval:{need.tool}"),
                        functools.partial(ask_person, self._handler, escalation),
                    )
                    run.emit(HumanDecided, subtask_id=subtask.id, decision=decision)
                    self._record_approval(run, subtask.id, need.tool, need.arguments, decision.action == "approve")
        finally:
            run.gate.revoke(capability)

    def _approval_escalation(self, run: RunContext, record: StepRecord, need: ApprovalNeeded) -> Escalation:
        return Escalation(
            run_id=run.run_id,
            subtask_id=record.subtask.id,
            agent=record.agent,
            task=record.subtask.description,
            output="",
            reason=f"{need.tool} has side effects and {record.agent} wrote its arguments; approve or reject the call",
            kind="tool_approval",
            tool=need.tool,
            arguments=need.arguments,
        )

    def _record_approval(self, run: RunContext, subtask_id: str, tool: str, arguments: str, approved: bool) -> None:
        call = (subtask_id, tool, arguments)
        if approved:
            run.approved_calls.add(call)
            run.result.approved_tool_calls.append(call)
        else:
            run.refused_calls.add(call)
            run.result.refused_tool_calls.append(call)

    def _accept(self, run: RunContext, record: StepRecord, output: str) -> None:
        record.status = "accepted"
        run.accepted[record.subtask.id] = output

    async def _verdict(
        self, run: RunContext, specialist: Specialist, subtask: Subtask, answer: AttemptOutput, attempt: int
    ) -> CheckedVerdict:
        output, truncated = answer.text, answer.truncated
        context = CheckContext(
            goal=run.goal, task=subtask.description, output=output, agent=specialist.name, truncated=truncated
        )
        checks = specialist.card.checks.merged(subtask.checks)
        floor = self.config.checking.min_relevance
        floor = self._ranker.default_min_relevance if floor is None else floor
        problems = code_problems(context, checks, specialist.predicates, self._ranker.relevance, floor)
        if problems or not self._model_judges:
            return code_verdict(problems)
        messages = prompts.render("check", subtask=subtask, output=output, agents=self.team.names)
        completion = await run.ask(
            StepKey(subtask.id, attempt, "check"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            output_type=verdict_output_type(tuple(self.team.names)),
            max_tokens=FEEDBACK_MAX + 64,
            max_reasks=self._limits.max_reasks,
        )
        verdict = completion.output
        if not isinstance(verdict, Verdict):
            raise RunError(f"the checker returned {type(verdict).__name__}, not a Verdict")
        return CheckedVerdict(
            decision=verdict.decision, feedback=verdict.feedback, decided_by="model", agent=verdict.agent or None
        )

    async def _escalate(
        self, run: RunContext, record: StepRecord, output: str, reason: str, *, kind: EscalationKind = "output"
    ) -> Outcome:
        escalation = Escalation(
            run_id=run.run_id,
            subtask_id=record.subtask.id,
            agent=record.agent,
            task=record.subtask.description,
            output=output,
            reason=reason or "the supervisor asked for a person's decision",
            kind=kind,
        )
        run.emit(EscalationRaised, escalation=escalation)
        if self._handler is None:
            record.status = "waiting_for_human"
            run.result.pending = escalation
            return "waiting"
        handler = self._handler
        decision = await run.step(
            StepKey(record.subtask.id, len(record.attempts), "person"), lambda: ask_person(handler, escalation)
        )
        await self._apply_decision(run, record, decision, escalation)
        return "accepted"

    async def _apply_decision(
        self, run: RunContext, record: StepRecord, decision: HumanDecision, escalation: Escalation
    ) -> None:
        run.emit(HumanDecided, subtask_id=record.subtask.id, decision=decision)
        if decision.action == "reject":
            record.status = "rejected"
            raise SubtaskFailedError(record.subtask.id, len(record.attempts), f"rejected by {decision.by}")
        output = escalation.output if decision.action == "approve" else decision.text
        verdict = CheckedVerdict(decision="accept", feedback=f"{decision.action} by {decision.by}", decided_by="person")
        if decision.action == "approve":
            record.attempts[-1] = record.attempts[-1].model_copy(update={"verdict": verdict})
        else:
            record.attempts.append(
                Attempt(number=len(record.attempts) + 1, agent=decision.by, output=output, verdict=verdict)
            )
        self._accept(run, record, output)

    async def _answer(self, run: RunContext) -> str:
        """The final answer, through the guard pipeline on its way out (links to unlisted hosts stripped)."""
        text = await self._compose(run)
        screened = run.screen(GuardedMessage("final", text, "supervisor", SUPERVISOR_ROLE, "answer"))
        if screened.blocked:
            raise PromptInjectionError(
                f"a guard held the final answer: {'; '.join(screened.reasons)}", screened.findings, channel="final"
            )
        return screened.text

    async def _compose(self, run: RunContext) -> str:
        accepted = {s.subtask.id: s for s in run.result.steps if s.output is not None}
        if self._aggregate is not None:
            answer = self._aggregate(run.goal, {sid: s.output or "" for sid, s in accepted.items()})
            return str(await answer) if inspect.isawaitable(answer) else str(answer)
        results = [{"id": sid, "agent": s.agent, "output": s.output} for sid, s in accepted.items()]
        messages = prompts.render("answer", goal=run.goal, results=results)
        completion = await run.ask(
            StepKey("answer", 1, "answer"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            max_tokens=self._limits.answer_max_tokens,
        )
        return prompts.strip_data_markers(completion.text)


def _has(plan: Plan, subtask_id: str) -> bool:
    return any(s.id == subtask_id for s in plan.subtasks)
