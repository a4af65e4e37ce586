"""The supervisor loop: plan -> route -> guard -> run -> check -> (accept | retry | reroute | replan | escalate).

This is the only module with the loop. Subtasks run as a DAG: every subtask whose dependencies are accepted
starts at once (up to ``limits.max_concurrency``), and each receives only its dependencies' outputs and the
goal. Everything nondeterministic passes through the run context's step seam (``supervisor.context``); every
message between agents passes the guard pipeline; planning, routing, judging and asking people live in their
own modules.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Literal

from supervisor import prompts
from supervisor.audit_trail import AuditTrail
from supervisor.cards import Specialist, Team
from supervisor.checking import FEEDBACK_MAX, CheckedVerdict
from supervisor.config import BatonConfig
from supervisor.context import SUPERVISOR_ROLE, Outcome, RunContext, StepKey
from supervisor.escalation import EscalationHandler, HumanDecision
from supervisor.events import (
    AttemptStarted,
    Event,
    EventSink,
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
from supervisor.judge import Judge
from supervisor.models import Closeable, Model, known_prefixes, resolve_model
from supervisor.models.local import EMBEDDED_MODEL_NAME as EMBEDDED_MODEL
from supervisor.people import PersonDesk
from supervisor.plan import Plan, Subtask
from supervisor.planner import Planner, pipeline_plan
from supervisor.policy import PolicyGuard
from supervisor.pricing import PriceTable
from supervisor.router import Router
from supervisor.routing import CodeRoute, RouteDecision
from supervisor.state import Attempt, RunResult, StepRecord, ToolCall
from supervisor.work import AttemptOutput, tool_step, write_answer

__all__ = ["StepKey", "Supervisor", "load_team", "pipeline_plan"]

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
        weak = self._model.name == EMBEDDED_MODEL  # a 135M model cannot plan or judge freely
        self._planner = Planner(self.team, self.config, self._model, weak_model=weak)
        self._router = Router(self.team, self.config.routing, routes, self._model, self._limits.max_reasks)
        self._judge = Judge(self.team, self.config, self._model, self._router.ranker, weak_model=weak)
        self._desk = PersonDesk(escalation_handler)
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
            self._planner.check(given)
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
            self._desk.resume(run, record, decision, pending)
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
        return await self._planner.plan(self._context(goal))

    async def route(self, subtask: Subtask) -> RouteDecision:
        """Pick the specialist for ``subtask`` without running it."""
        return await self._router.route(self._context(subtask.description), subtask)

    async def check(
        self, subtask: Subtask, output: str, *, agent: str, goal: str | None = None, truncated: bool = False
    ) -> CheckedVerdict:
        """Judge ``output`` as a run would judge ``agent``'s first attempt at ``subtask``, without running anything."""
        run = self._context(goal or subtask.description)
        return await self._judge.verdict(run, self.team[agent], subtask, AttemptOutput(output, truncated), 1)

    @property
    def ranking(self) -> str:
        """How cards are ranked for routing and relevance: ``embeddings`` or ``bm25``."""
        return self._router.ranker.kind

    def _context(self, goal: str) -> RunContext:
        return RunContext(goal, [], self._prices, PolicyGuard(self._limits), guards=self._guards)

    def _sinks(self, on_event: EventSink | None) -> list[EventSink]:
        """Where a run's events go: the audit log, OpenTelemetry (only when an SDK is configured), the caller."""
        from supervisor.telemetry import span_sink

        return [sink for sink in (self._audit.sink(), span_sink(), on_event) if sink is not None]

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
        except asyncio.CancelledError:
            # Cancelled from outside: record how far it got (every running step is marked cancelled by now), then
            # let the cancellation go on.
            run.result.status = "cancelled"
            run.result.error, run.result.error_type = "the run was cancelled", "CancelledError"
            self._finished(run)
            raise
        self._finished(run)

    def _finished(self, run: RunContext) -> None:
        run.result.peak_concurrency = max(run.result.peak_concurrency, run.peak)
        run.emit(RunFinished, result=run.result)

    def _stop(self, run: RunContext, exc: PolicyStopError) -> None:
        run.result.status = "stopped"
        run.result.error, run.result.error_type = str(exc), type(exc).__name__
        run.emit(PolicyStopped, policy=exc.policy, detail=exc.detail)

    async def _execute(self, run: RunContext, given: Plan | None) -> None:
        plan = given or await self._planner.plan(run)
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
            plan = await self._planner.replan(run, plan)
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
        decision = await self._router.route(run, subtask)
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
                    return await self._desk.escalate(run, record, last.output, reason, kind="guard")
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
                    return await self._desk.escalate(run, record, answer.text, why, kind="guard")
                feedback = QUARANTINE_FEEDBACK
                continue
            answer = AttemptOutput(screened.text, answer.truncated)
            verdict = await self._judge.verdict(run, specialist, subtask, answer, number)
            record.attempts.append(
                Attempt(number=number, agent=agent, output=answer.text, verdict=verdict, tool_calls=calls)
            )
            run.emit(VerdictGiven, subtask_id=subtask.id, agent=agent, attempt=number, verdict=verdict)
            if verdict.decision == "accept":
                run.accept(record, answer.text)
                return "accepted"
            if verdict.decision == "replan":
                record.status = "replanned"
                run.replan_reason = verdict.feedback or f"subtask {subtask.id} cannot be done as planned"
                return "replan"
            if verdict.decision == "escalate":
                return await self._desk.escalate(run, record, answer.text, verdict.feedback)
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
                    made = await tool_step(
                        run,
                        record,
                        specialist,
                        model,
                        policy=self._tool_policy,
                        desk=self._desk,
                        max_reasks=self._limits.max_reasks,
                    )
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
                    max_reasks=self._limits.max_reasks,
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
        return await self._desk.escalate(run, record, output, exc.detail, kind="privilege")

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
