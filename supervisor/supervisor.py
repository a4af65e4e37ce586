"""The facade: ``Supervisor`` runs goals with a team (``run`` / ``run_sync`` / ``stream`` / ``resume``) and
offers each decision on its own (``plan`` / ``route`` / ``check``, each with a ``_sync`` twin).

It resolves the models, builds the planner, router, judge, person desk and guard pipeline once, and hands each
run to ``supervisor.run.loop``, the only place with the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from supervisor.audit.trail import AuditTrail
from supervisor.config import BatonConfig, load_callable
from supervisor.decisions.judging import Judge
from supervisor.decisions.planning import Planner, pipeline_plan
from supervisor.decisions.routing import CodeRoute, Router
from supervisor.decisions.schemas import Plan, Subtask
from supervisor.errors import (
    BatonError,
    ConfigError,
    GoalTimeoutError,
    JournalError,
    RunFencedError,
    TeamError,
    UnknownAgentError,
    UnknownRunError,
    UserError,
)
from supervisor.events import Event, EventSink, RunStarted
from supervisor.guards.builtin import build_pipeline
from supervisor.guards.capabilities import ToolPolicy
from supervisor.guards.pipeline import Guard
from supervisor.journal.base import RunRow
from supervisor.models import Closeable, Model, check_provider_settings, known_prefixes, resolve_model
from supervisor.models.capabilities import capabilities_of
from supervisor.models.pricing import PriceTable
from supervisor.result import CheckedVerdict, HumanDecision, RouteDecision, RunResult
from supervisor.run.attempt import AttemptOutput
from supervisor.run.context import SUPERVISOR_ROLE, RunContext
from supervisor.run.durable import DurableRuns, ReplayReport, replay_report
from supervisor.run.escalation import EscalationHandler, PersonDesk
from supervisor.run.loop import Aggregator, RunLoop
from supervisor.run.policies import Policies
from supervisor.safe_text import without_surrogates
from supervisor.team import Specialist, Team
from supervisor.tools.mcp import MCPTools, server_prefix
from supervisor.tools.sources import OpenTools, ToolSources

__all__ = ["Supervisor", "load_team"]

T = TypeVar("T")


def load_team(factory: str) -> Team:
    """Build the team named by ``module:function`` (the ``[team] factory`` setting)."""
    build = load_callable(factory, "team.factory", takes=0)
    try:
        members = build()
    except (TeamError, UserError):
        raise
    except Exception as exc:
        raise ConfigError("team.factory", [f"team.factory: {factory} raised {type(exc).__name__}: {exc}"]) from None
    if isinstance(members, Team):
        return members
    if isinstance(members, Iterable) and not isinstance(members, str | bytes):
        listed = list(members)
        if listed and all(isinstance(m, Specialist) for m in listed):
            return Team(listed)
    raise ConfigError(
        "team.factory", [f"team.factory: {factory} must return a Team or specialists, not {type(members).__name__}"]
    )


class Supervisor:
    """Runs goals with a team of specialists: plans, routes, runs, checks and answers.

    >>> supervisor = Supervisor(team, config=load_config("baton.toml"))
    >>> result = supervisor.run_sync("Customer was charged twice for order 1042")

    ``model`` replaces the configured default model (for the supervisor and every specialist); per-role
    settings in the config (``models.supervisor``, ``models.agents.<name>``) and a specialist's own ``model``
    still take precedence. ``escalation_handler`` answers escalations (sync or async); without one a run that
    needs a person stops in ``waiting_for_human``. ``aggregate`` replaces the supervisor's final answer.

    ``mcp`` adds MCP servers to those of ``[[tools.mcp]]``: their tools go to the specialists each names. They
    are started when a run starts and stopped when it ends; ``async with Supervisor(...)`` (or ``await
    supervisor.start()``) starts them once for every run until ``aclose()``.
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
        mcp: Sequence[MCPTools] = (),
    ) -> None:
        self.config = config or BatonConfig()
        if team is None:
            self.team = load_team(self.config.team.factory)
        else:
            self.team = team if isinstance(team, Team) else Team(team)
        self._check_servers(mcp)
        self._check_names(routes, mcp)
        # Resolve every model now: an unknown provider or a missing file fails here, before any work.
        self._model = self._resolve(self.config.models.supervisor or model or self.config.models.default)
        self._agent_models = {s.name: self._resolve(self._model_choice(s, model)) for s in self.team}
        self._limits = self.config.limits
        self._prices = PriceTable(self.config.prices)
        self.capabilities = capabilities_of(self._model, self.config.models.capabilities)
        planner = Planner(self.team, self.config, self._model, capabilities=self.capabilities)
        router = Router(self.team, self.config.routing, routes, self._model, self._limits.max_reasks)
        judge = Judge(self.team, self.config, self._model, router.ranker, capabilities=self.capabilities)
        self._guards = build_pipeline(self.config.guards, guards)
        self._tool_sources = ToolSources((*self.config.tools.mcp, *mcp), self._guards)
        self._held_tools: OpenTools | None = None
        self._reopening: asyncio.Lock | None = None
        self._loop = RunLoop(
            team=self.team,
            limits=self._limits,
            model=self._model,
            agent_models=self._agent_models,
            planner=planner,
            router=router,
            judge=judge,
            desk=PersonDesk(escalation_handler),
            tool_policy=ToolPolicy(self.config.guards.tools),
            guard_action=self.config.guards.action,
            aggregate=aggregate,
            compose_freely=self.capabilities.plans_freely,
            capability_overrides=self.config.models.capabilities,
        )
        self._audit = AuditTrail(self.config)
        self._in_progress: dict[str, RunResult] = {}
        self._durable = DurableRuns(self.config.journal)

    def _model_choice(self, specialist: Specialist, model: str | Model | None) -> str | Model:
        """Config per agent, else the specialist's own model, else the model given here, else the default."""
        return self.config.model_for(specialist.name, specialist.model or model)

    def _check_names(self, routes: Sequence[CodeRoute], servers: Sequence[MCPTools]) -> None:
        named = [*self.config.models.agents, *(r.agent for r in self.config.routing.rules), *(r.agent for r in routes)]
        for name in named:
            if name not in self.team:
                raise UnknownAgentError(name, self.team.names)
        for name in self.config.limits.agent_runs:
            if name not in self.team:
                raise ConfigError(
                    f"limits.agent_runs.{name}",
                    [f"limits.agent_runs.{name}: no such agent; the team has: {', '.join(self.team.names)}"],
                )
        tools = {t.name for s in self.team for t in s.tools}
        # A server's tools are known once it runs; a policy for one of them names it by the server's prefix.
        prefixes = tuple(server_prefix(server.name) for server in (*self.config.tools.mcp, *servers))
        for tool in self.config.guards.tools:
            if tool not in tools and not any(tool.startswith(prefix) for prefix in prefixes):
                raise ConfigError(
                    f"guards.tools.{tool}",
                    [f"guards.tools.{tool}: no specialist has that tool; the team's tools: {', '.join(sorted(tools))}"],
                )
        for prefix, settings in self.config.providers.items():
            if f"{prefix}/..." not in known_prefixes():
                raise ConfigError(
                    f"providers.{prefix}",
                    [f"providers.{prefix}: no such provider; known: {', '.join(known_prefixes())}"],
                )
            check_provider_settings(prefix, settings)

    def _check_servers(self, given: Sequence[MCPTools]) -> None:
        """Each MCP server has a name of its own and gives its tools to agents on the team."""
        configured = self.config.tools.mcp
        names = [server.name for server in (*configured, *given)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ConfigError("tools.mcp", [f"tools.mcp: two MCP servers are named {', '.join(twice)}"])
        for server in configured:
            unknown = [agent for agent in server.agents if agent not in self.team]
            if unknown:
                raise ConfigError(
                    f"tools.mcp ({server.name}).agents",
                    [
                        f"tools.mcp ({server.name}).agents: no agent {', '.join(map(repr, unknown))} on the team; "
                        f"it has: {', '.join(self.team.names)}"
                    ],
                )
        for server in given:
            for agent in server.agents:
                if agent not in self.team:
                    raise UnknownAgentError(agent, self.team.names)

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

    @property
    def planning_mode(self) -> str:
        """How this supervisor plans: ``free`` or ``skeleton`` (adapting the team's workflow)."""
        return self._loop.planner.mode

    @property
    def judged_by_model(self) -> bool:
        """Whether the supervisor's model judges outputs after the code checks (else code alone decides)."""
        return self._loop.judge.model_judges

    @property
    def ranking(self) -> str:
        """How cards are ranked for routing and relevance: ``embeddings`` or ``bm25``."""
        return self._loop.router.ranker.kind

    # -- running goals ---------------------------------------------------------------------------------

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
        goal = without_surrogates(goal)  # untrusted text, made encodable once (see supervisor.safe_text)
        if not goal.strip():
            raise UserError("the goal is empty")
        if plan is not None and pipeline is not None:
            raise UserError("give run() a plan or a pipeline, not both")
        given = pipeline_plan(pipeline, goal) if pipeline is not None else plan
        if given is not None:
            self._loop.planner.check(given)
        run = RunContext(goal, self._sinks(on_event), self._prices, Policies(self._limits), guards=self._guards)
        run.deadline = self._new_deadline()
        await self._durable.start(run, fingerprint=self._audit.fingerprint, team=self.team.names, given=given)

        async def start_and_execute() -> None:
            # Inside the run: a sink that fails on the first event ends the run failed (and sealed), not escaping.
            run.emit(RunStarted, goal=goal, team=tuple(self.team.names), config_fingerprint=self._audit.fingerprint)
            async with self._with_tools(run) as loop:
                await loop.execute(run, given)

        await self._drive_and_settle(run, start_and_execute)
        return run.result

    async def resume(
        self,
        result: RunResult | str,
        decision: HumanDecision | None = None,
        *,
        on_event: EventSink | None = None,
    ) -> RunResult:
        """Continue a stopped run, by its id (or its ``RunResult``, which names it), from the journal.

        A run stopped by a crash, a policy, Ctrl-C or a question for a person (with their ``decision``, recorded
        first) resumes the same way: every recorded step replays and only what was never recorded runs. The
        resume claims the run, so an earlier owner still running it is fenced out (``RunFencedError``); answering
        a question twice is refused (``AnswerRefusedError``); a run that is done has nothing to resume.
        """
        run_id = result if isinstance(result, str) else result.run_id
        if not self.config.journal.enabled:
            raise UserError(f"run {run_id} cannot be resumed: resuming needs the journal ([journal] enabled = true)")
        return await self._resume_recorded(run_id, decision, on_event)

    async def _drive(self, run: RunContext, work: Callable[[], Awaitable[None]]) -> None:
        self._in_progress[run.run_id] = run.result
        try:
            await self._loop.drive(run, work)
        finally:
            del self._in_progress[run.run_id]

    async def _drive_and_settle(self, run: RunContext, work: Callable[[], Awaitable[None]]) -> None:
        """Drive the run, then record where it stopped: a cancelled run as cancelled (resumable), a run whose
        event sink raised at its end as it ended; a run the journal refused is left for resume to finish."""
        try:
            await self._drive(run, work)
        except JournalError as exc:
            exc.run_id = exc.run_id or run.run_id  # recorded up to the fault: it resumes by this id once fixed
            raise
        except RunFencedError:
            raise
        except BaseException:
            with contextlib.suppress(BatonError):  # what ended the run goes on whatever the journal says
                await self._durable.settle(run)
            raise
        await self._durable.settle(run)

    def progress(self, run_id: str) -> RunResult | None:
        """The live state of a run still going (usage so far, steps), or None once it has ended. Read it, do
        not change it: the run owns it."""
        return self._in_progress.get(run_id)

    async def _resume_recorded(
        self, run_id: str, decision: HumanDecision | None, on_event: EventSink | None
    ) -> RunResult:
        # A run submitted to workers starts its clock when first claimed; any other keeps its recorded deadline.
        try:
            row, journal = await self._durable.reopen(run_id, decision, deadline=self._new_deadline())
        except JournalError as exc:
            exc.run_id = exc.run_id or run_id
            raise
        given = Plan.model_validate(row.given_plan) if row.given_plan is not None else None
        start = RunResult(run_id=run_id, goal=row.goal, status="failed")
        run = RunContext(
            row.goal, self._sinks(on_event), self._prices, Policies(self._limits), start, guards=self._guards
        )
        await self._bring_audit_level([run_id])  # what a crash kept from the audit log, before it goes on
        run.attach(journal)  # every step recorded so far replays; the policies count them again as they do
        if row.deadline is not None and row.deadline <= time.time():
            # Passed while the run was stopped: its recorded steps replay (it stops with what it had), the
            # first new step stops it with the deadline's reason; no timer, so where it stops is exact.
            passed = datetime.fromtimestamp(row.deadline, UTC).isoformat(timespec="seconds")
            journal.closed = GoalTimeoutError(f"the goal's deadline ({passed}) passed while the run was stopped")
        elif row.deadline is not None:
            run.deadline = row.deadline
            ends = datetime.fromtimestamp(row.deadline, UTC).isoformat(timespec="seconds")
            run.deadline_reason = f"the goal ran past its deadline ({ends}, fixed when the run first started)"

        async def execute() -> None:
            async with self._with_tools(run) as loop:
                await loop.execute(run, given)

        await self._drive_and_settle(run, execute)
        return run.result

    def _new_deadline(self) -> float | None:
        """The deadline of a run starting now (seconds since the epoch), or None without ``goal_timeout_s``."""
        limit = self._limits.goal_timeout_s
        return time.time() + limit if limit is not None else None

    async def _bring_audit_level(self, run_ids: Sequence[str] | None = None) -> None:
        """Append to the audit log what the journal committed for ``run_ids`` (all) and the log lacks."""
        from supervisor.audit.leveling import bring_level

        sink = self._audit.sink()
        journal = await self._durable.journal()
        if sink is not None and journal is not None:
            await bring_level(journal, sink.log, run_ids)

    async def submit(self, goal: str) -> str:
        """Record ``goal`` as a run in the Postgres journal and queue it for ``baton worker``; returns the run id."""
        from supervisor.workers import submit

        return await submit(self, goal)

    async def record_submitted(self, goal: str) -> str:
        """Record ``goal`` as a new run, not started (a worker claims and runs it); returns the run id."""
        goal = without_surrogates(goal)
        if not goal.strip():
            raise UserError("the goal is empty")
        run_id = uuid.uuid4().hex[:12]
        await self._durable.record_submitted(
            run_id, goal, fingerprint=self._audit.fingerprint, team=list(self.team.names)
        )
        return run_id

    async def replay(self, run_id: str) -> ReplayReport:
        """Run a recorded run again against its recorded answers, calling no model and no tool and writing
        nothing; the report says where a decision diverged (a changed prompt, card or check shows up here)."""
        row, journal = await self._durable.for_replay(run_id)
        await self._bring_audit_level([run_id])
        given = Plan.model_validate(row.given_plan) if row.given_plan is not None else None
        start = RunResult(run_id=run_id, goal=row.goal, status="failed")
        run = RunContext(row.goal, [], self._prices, Policies(self._limits), start, guards=self._guards)
        run.journal = journal

        async def execute() -> None:
            # The servers are started to list their tools (the specialists' tools decide the steps); no tool is
            # called: every call replays from the journal.
            async with self._with_tools(run) as loop:
                await loop.execute(run, given)

        await self._loop.drive(run, execute)
        return replay_report(row, run.result, journal)

    async def recorded_run(self, run_id: str) -> RunRow:
        """What the journal holds about ``run_id``: its state, the question it waits for, its result as of its
        last stop (``UnknownRunError`` when it holds no such run)."""
        journal = await self._durable.journal()
        if journal is None:
            raise UserError(f"run {run_id} cannot be looked up: the journal is off ([journal] enabled = false)")
        row = await journal.get_run(run_id)
        if row is None:
            raise UnknownRunError(run_id)
        return row

    async def runs(self, limit: int = 100) -> list[RunRow]:
        """The journal's runs, most recently updated first (empty when the journal is disabled); the audit log
        is brought level with the journal first."""
        await self._bring_audit_level()
        return await self._durable.runs(limit)

    def run_sync(
        self,
        goal: str,
        *,
        plan: Plan | None = None,
        pipeline: Sequence[str] | None = None,
        on_event: EventSink | None = None,
    ) -> RunResult:
        """``run`` for code that is not inside an event loop."""
        return self._sync(self.run(goal, plan=plan, pipeline=pipeline, on_event=on_event), "run")

    def resume_sync(self, result: RunResult | str, decision: HumanDecision | None = None) -> RunResult:
        """``resume`` for code that is not inside an event loop."""
        return self._sync(self.resume(result, decision), "resume")

    def _sync(self, work: Coroutine[Any, Any, T], name: str) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._closing(work))
        work.close()
        raise UserError(f"{name}_sync() was called inside a running event loop; use 'await supervisor.{name}(...)'")

    async def _closing(self, work: Awaitable[T]) -> T:
        try:
            return await work
        finally:
            await self.aclose()  # the loop ends with this call: its connections must not outlive it

    @asynccontextmanager
    async def _with_tools(self, run: RunContext) -> AsyncIterator[RunLoop]:
        """The loop that runs with the MCP servers' tools: the held servers, or servers started for this run and
        stopped when it ends, however it ends (an error, a cancellation)."""
        if not self._tool_sources:
            yield self._loop
            return
        if self._held_tools is not None:
            held = await self._revived()
            held.report(run)
            yield dataclasses.replace(self._loop, team=held.team(self.team))
            return
        opened = await self._tool_sources.open()
        try:
            opened.report(run)
            yield dataclasses.replace(self._loop, team=opened.team(self.team))
        finally:
            await opened.close()

    async def _revived(self) -> OpenTools:
        """The held servers; one that died since is started again (with the others) for this and later runs."""
        self._reopening = self._reopening or asyncio.Lock()
        async with self._reopening:
            held = self._held_tools
            assert held is not None  # _with_tools reads it before it calls here
            if not await held.responsive():
                await held.close()
                self._held_tools = None
                self._held_tools = held = await self._tool_sources.open()
            return held

    async def start(self) -> Supervisor:
        """Start the MCP servers now and hold them for every run until ``aclose()`` (``async with`` does this).

        Their tools are listed and screened once, here: a tool the guards hold is reported in each run's audit.
        """
        if self._tool_sources and self._held_tools is None:
            opened = await self._tool_sources.open()
            try:
                opened.team(self.team)  # a side-effecting tool on a read-only card fails here, not in a run
            except BaseException:
                await opened.close()
                raise
            self._held_tools = opened
        return self

    async def aclose(self) -> None:
        """Stop the held MCP servers; close the connections the models opened on the running event loop, the audit
        log and the journal."""
        held, self._held_tools = self._held_tools, None
        if held is not None:
            await held.close()
        self._audit.close()
        await self._durable.close()
        seen: set[int] = set()
        for model in self.models_by_role().values():
            if id(model) not in seen and isinstance(model, Closeable):
                seen.add(id(model))
                await model.aclose()

    async def __aenter__(self) -> Supervisor:
        return await self.start()

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

    # -- one decision at a time ------------------------------------------------------------------------

    async def plan(self, goal: str) -> Plan:
        """Plan ``goal`` without running it."""
        return await self._loop.planner.plan(self._context(goal))

    async def route(self, subtask: Subtask) -> RouteDecision:
        """Pick the specialist for ``subtask`` without running it."""
        return await self._loop.router.route(self._context(subtask.description), subtask)

    async def check(
        self,
        subtask: Subtask,
        output: str,
        *,
        agent: str,
        goal: str | None = None,
        truncated: bool = False,
        inputs: Sequence[str] = (),
    ) -> CheckedVerdict:
        """Judge ``output`` as a run would judge ``agent``'s first attempt at ``subtask``, without running anything.

        ``inputs`` is what the step was given besides the goal (earlier results, tool results): figures and ids
        in the output must come from the goal, the subtask or these.
        """
        goal = goal or subtask.description
        run = self._context(goal)
        specialist = self.team[agent]
        answer = AttemptOutput(
            output,
            truncated,
            sources=(goal, subtask.description, subtask.acceptance_criteria, *inputs),
            scaffolding=(specialist.instructions, subtask.description, subtask.acceptance_criteria),
        )
        return await self._loop.judge.verdict(run, specialist, subtask, answer, 1)

    def plan_sync(self, goal: str) -> Plan:
        """``plan`` for code that is not inside an event loop."""
        return self._sync(self.plan(goal), "plan")

    def route_sync(self, subtask: Subtask) -> RouteDecision:
        """``route`` for code that is not inside an event loop."""
        return self._sync(self.route(subtask), "route")

    def check_sync(
        self,
        subtask: Subtask,
        output: str,
        *,
        agent: str,
        goal: str | None = None,
        truncated: bool = False,
        inputs: Sequence[str] = (),
    ) -> CheckedVerdict:
        """``check`` for code that is not inside an event loop."""
        work = self.check(subtask, output, agent=agent, goal=goal, truncated=truncated, inputs=inputs)
        return self._sync(work, "check")

    def _context(self, goal: str) -> RunContext:
        return RunContext(goal, [], self._prices, Policies(self._limits), guards=self._guards)

    def _sinks(self, on_event: EventSink | None) -> list[EventSink]:
        """Where a run's events go: the audit log, OpenTelemetry (only when an SDK is configured), the caller."""
        from supervisor.telemetry import span_sink

        return [sink for sink in (self._audit.sink(), span_sink(), on_event) if sink is not None]
