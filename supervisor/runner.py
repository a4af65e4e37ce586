"""The supervisor loop: plan -> route -> run -> check -> (retry | continue) -> answer.

This is the only module with the loop. Every nondeterministic action (a model call, a tool call, later a
person's answer) goes through ``_Run.step``, keyed by what it is (subtask, attempt, call). Today a step simply
awaits; the durable journal turns each step into a checkpoint without touching the loop.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, create_model

from supervisor import prompts
from supervisor.cards import Specialist, Team, Tool
from supervisor.checking import FEEDBACK_MAX, CheckedVerdict, Verdict, code_accepts, code_check
from supervisor.config import BatonConfig
from supervisor.events import (
    AttemptStarted,
    Event,
    EventSink,
    OutputProduced,
    PlanMade,
    RunFinished,
    RunStarted,
    SubtaskRouted,
    ToolCalled,
    VerdictGiven,
)
from supervisor.exceptions import (
    ConfigError,
    RunError,
    StructuredOutputError,
    SubtaskFailedError,
    ToolError,
    UnknownAgentError,
    UserError,
)
from supervisor.models import Closeable, Completion, Message, Model, Usage, known_prefixes, resolve_model
from supervisor.models.local import EMBEDDED_MODEL_NAME as EMBEDDED_MODEL
from supervisor.plan import (
    Plan,
    Subtask,
    plan_json_schema,
    plan_output_type,
    skeleton_from_cards,
    skeleton_plan_json_schema,
    token_budget,
)
from supervisor.pricing import PriceTable
from supervisor.routing import REASON_MAX, RouteDecision, candidates, route_output_type
from supervisor.similarity import CardIndex
from supervisor.state import Attempt, RunResult, StepRecord, ToolCall

T = TypeVar("T")
SUPERVISOR_ROLE = "supervisor"
TOOL_QUERY_MAX = 120
NO_TOOL = "none"


@dataclass(frozen=True, slots=True)
class StepKey:
    """What a step is: the node (subtask id or ``plan``/``answer``), the attempt, and the call within it."""

    node: str
    attempt: int
    call: str


def load_team(factory: str) -> Team:
    """Build the team named by ``module:function`` (the ``[team] factory`` setting)."""
    module_name, _, attr = factory.partition(":")
    try:
        build = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError("team.factory", [f"team.factory: cannot load {factory!r}: {exc}"]) from None
    members = build()
    return members if isinstance(members, Team) else Team(members)


class _Run:
    """The state of one run in progress: the step seam, usage and the event fan-out."""

    def __init__(self, goal: str, sinks: Sequence[EventSink], prices: PriceTable) -> None:
        self.run_id = uuid.uuid4().hex[:12]
        self._prices = prices
        self.goal = goal
        self._sinks = list(sinks)
        self._seq = 0
        self.result = RunResult(run_id=self.run_id, goal=goal, status="failed")

    def emit(self, make: Callable[..., Event], **fields: Any) -> None:
        if not self._sinks:
            return  # nobody listens: build no event
        self._seq += 1
        event = make(run_id=self.run_id, seq=self._seq, **fields)
        for sink in self._sinks:
            sink(event)

    async def step(self, key: StepKey, action: Callable[[], Awaitable[T]]) -> T:
        """The one seam every nondeterministic action passes through."""
        del key  # the journal will record and replay by this key
        return await action()

    async def ask(
        self,
        key: StepKey,
        role: str,
        model: Model,
        messages: list[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        try:
            completion = await self.step(
                key,
                lambda: model.complete(messages, output_type=output_type, max_tokens=max_tokens, max_reasks=max_reasks),
            )
        except StructuredOutputError as exc:
            if isinstance(exc.usage, Usage):  # failed attempts still cost tokens
                self._count(role, model, exc.usage)
            raise
        self._count(role, model, completion.usage)
        return completion

    def _count(self, role: str, model: Model, usage: Usage) -> None:
        usage.cost_usd = self._prices.cost(model.name, usage)
        self.result.usage.add(usage)
        self.result.usage_by_agent.setdefault(role, Usage()).add(usage)


def _tool_choice_type(tool_names: tuple[str, ...]) -> type[BaseModel]:
    choice = Literal[(*tool_names, NO_TOOL)]  # type: ignore[valid-type]
    model: type[BaseModel] = create_model(
        "ToolChoice",
        tool=(choice, ...),
        query=(str, Field(default="", max_length=TOOL_QUERY_MAX)),
    )
    return model


async def _call_tool(tool: Tool, query: str) -> str:
    try:
        if inspect.iscoroutinefunction(tool.function):
            result = await tool.function(query)
        else:
            # A plain function may block (I/O); keep it off the event loop.
            result = await asyncio.to_thread(tool.function, query)
    except Exception as exc:
        raise ToolError(tool.name, exc) from exc
    return str(result)


class Supervisor:
    """Runs goals with a team of specialists: plans, routes, runs, checks and answers.

    >>> supervisor = Supervisor(team, config=load_config("baton.toml"))
    >>> result = supervisor.run_sync("Customer was charged twice for order 1042")

    ``model`` replaces the configured default model (for the supervisor and every specialist); per-role
    settings in the config (``models.supervisor``, ``models.agents.<name>``) and a specialist's own ``model``
    still take precedence.
    """

    def __init__(
        self,
        team: Team | Iterable[Specialist] | None = None,
        *,
        config: BatonConfig | None = None,
        model: str | Model | None = None,
    ) -> None:
        self.config = config or BatonConfig()
        if team is None:
            self.team = load_team(self.config.team.factory)
        else:
            self.team = team if isinstance(team, Team) else Team(team)
        for name in self.config.models.agents:
            if name not in self.team:
                raise UnknownAgentError(name, self.team.names)
        for prefix in self.config.providers:
            if f"{prefix}/..." not in known_prefixes():
                raise ConfigError(
                    f"providers.{prefix}",
                    [f"providers.{prefix}: no such provider; known: {', '.join(known_prefixes())}"],
                )
        # Resolve every model now: an unknown provider or a missing file fails here, before any work.
        default: str | Model = model if model is not None else self.config.models.default
        self._model = self._resolve(self.config.models.supervisor or default)
        self._agent_models = {
            s.name: self._resolve(self.config.models.agents.get(s.name) or s.model or default) for s in self.team
        }
        self._limits = self.config.limits
        self._prices = PriceTable(self.config.prices)
        self._plan_type = self._choose_plan_type()
        judge = self.config.checking.judge
        self._model_judges = judge == "model" or (judge == "auto" and self._model.name != EMBEDDED_MODEL)
        self._card_index = CardIndex([s.card for s in self.team])
        self._tool_types = {
            s.name: _tool_choice_type(tuple(t.name for t in s.allowed_tools())) for s in self.team if s.allowed_tools()
        }

    def _choose_plan_type(self) -> type[Plan]:
        limits, mode = self._limits, self.config.planning.mode
        if mode == "auto":
            weak = self._model.name == EMBEDDED_MODEL
            mode = "skeleton" if weak and self.team.pipeline else "free"
        if mode == "skeleton":
            if not self.team.pipeline:
                raise ConfigError("planning.mode", ["planning.mode: 'skeleton' needs a team with a pipeline"])
            steps = skeleton_from_cards([self.team[name].card for name in self.team.pipeline])
            steps = steps[: limits.max_subtasks]
            return plan_output_type(skeleton_plan_json_schema(steps, limits.min_subtasks), limits.max_subtasks)
        low = min(limits.min_subtasks, limits.max_subtasks)
        return plan_output_type(plan_json_schema(low, limits.max_subtasks), limits.max_subtasks)

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

    async def run(self, goal: str, *, on_event: EventSink | None = None) -> RunResult:
        """Run ``goal`` to the end. A failed run returns a result with ``status="failed"`` and the work done."""
        if not goal.strip():
            raise UserError("the goal is empty")
        run = _Run(goal, [on_event] if on_event else [], self._prices)
        run.emit(RunStarted, goal=goal)
        try:
            await self._execute(run)
            run.result.status = "done"
        except RunError as exc:
            run.result.status = "failed"
            run.result.error = str(exc)
            run.result.error_type = type(exc).__name__
        run.emit(RunFinished, result=run.result)
        return run.result

    def run_sync(self, goal: str, *, on_event: EventSink | None = None) -> RunResult:
        """``run`` for code that is not inside an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._run_then_close(goal, on_event))
        raise UserError("run_sync() was called inside a running event loop; use 'await supervisor.run(...)'")

    async def _run_then_close(self, goal: str, on_event: EventSink | None) -> RunResult:
        try:
            return await self.run(goal, on_event=on_event)
        finally:
            await self.aclose()  # the loop ends with this call: its connections must not outlive it

    async def aclose(self) -> None:
        """Close the connections the models opened on the running event loop."""
        seen: set[int] = set()
        for model in self.models_by_role().values():
            if id(model) not in seen and isinstance(model, Closeable):
                seen.add(id(model))
                await model.aclose()

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def stream(self, goal: str) -> AsyncIterator[Event]:
        """Run ``goal`` and yield its events as they happen; the last one is ``RunFinished``."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def runner() -> None:
            try:
                await self.run(goal, on_event=queue.put_nowait)
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
        return await self._plan(_Run(goal, [], self._prices))

    async def route(self, subtask: Subtask) -> RouteDecision:
        """Pick the specialist for ``subtask`` without running it."""
        return await self._route(_Run(subtask.description, [], self._prices), subtask)

    # -- the loop ----------------------------------------------------------------------------------------

    async def _execute(self, run: _Run) -> None:
        plan = await self._plan(run)
        run.result.plan = plan
        run.emit(PlanMade, plan=plan)
        for subtask in plan.subtasks:  # dependencies always come earlier, so list order is a valid order
            decision = await self._route(run, subtask)
            run.emit(SubtaskRouted, decision=decision)
            record = StepRecord(subtask=subtask, route=decision)
            run.result.steps.append(record)
            await self._work(run, record)
        run.result.output = await self._answer(run)

    async def _plan(self, run: _Run) -> Plan:
        messages = prompts.render(
            "plan",
            goal=run.goal,
            cards=[s.card for s in self.team],
            min_subtasks=self._limits.min_subtasks,
            max_subtasks=self._limits.max_subtasks,
        )
        completion = await run.ask(
            StepKey("plan", 1, "plan"),
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

    async def _route(self, run: _Run, subtask: Subtask) -> RouteDecision:
        if len(self.team) == 1:
            return RouteDecision(
                subtask_id=subtask.id,
                agent=self.team.names[0],
                reason="the team has one member",
                decided_by="only-agent",
            )
        scores = self._card_index.scores(f"{subtask.description} {subtask.acceptance_criteria}")
        routing = self.config.routing
        names, outright = candidates(scores, routing.candidates, routing.decide_margin)
        if outright:
            runner_up = sorted(scores.values())[-2]
            return RouteDecision(
                subtask_id=subtask.id,
                agent=names[0],
                decided_by="similarity",
                scores=scores,
                reason=f"its card matches best ({scores[names[0]]:.2f} against {runner_up:.2f})",
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
        choice = completion.output
        return RouteDecision(
            subtask_id=subtask.id,
            agent=getattr(choice, "agent"),  # noqa: B009 - field of a model built at run time
            reason=getattr(choice, "reason"),  # noqa: B009
            decided_by="model",
            scores=scores,
        )

    async def _use_tool(self, run: _Run, specialist: Specialist, subtask: Subtask) -> ToolCall | None:
        choice_type = self._tool_types.get(specialist.name)
        if choice_type is None:
            return None
        messages = prompts.render("tool_choice", subtask=subtask, goal=run.goal, tools=specialist.allowed_tools())
        completion = await run.ask(
            StepKey(subtask.id, 1, "tool-choice"),
            specialist.name,
            self.model_for(specialist.name),
            messages,
            output_type=choice_type,
            max_tokens=TOOL_QUERY_MAX + 48,
            max_reasks=self._limits.max_reasks,
        )
        name = str(getattr(completion.output, "tool"))  # noqa: B009
        query = str(getattr(completion.output, "query")) or subtask.description  # noqa: B009
        if name == NO_TOOL:
            return None
        tool = next(t for t in specialist.allowed_tools() if t.name == name)
        run.emit(ToolCalled, subtask_id=subtask.id, agent=specialist.name, tool=name, query=query)
        output = await run.step(StepKey(subtask.id, 1, f"tool:{name}"), lambda: _call_tool(tool, query))
        return ToolCall(tool=name, query=query, output=output)

    async def _work(self, run: _Run, record: StepRecord) -> None:
        subtask, specialist = record.subtask, self.team[record.agent]
        # The tool runs once per subtask: a retry reuses its result instead of repeating a side effect.
        tool_call = await self._use_tool(run, specialist, subtask)
        inputs = [
            {"id": step.subtask.id, "output": step.output}
            for step in run.result.steps
            if step.subtask.id in subtask.depends_on
        ]
        feedback = ""
        for number in range(1, self._limits.max_attempts + 1):
            run.emit(AttemptStarted, subtask_id=subtask.id, agent=specialist.name, attempt=number)
            messages = prompts.render(
                "specialist",
                instructions=specialist.instructions,
                card=specialist.card,
                goal=run.goal,
                subtask=subtask,
                inputs=inputs,
                tool_result=tool_call,
                feedback=feedback,
            )
            completion = await run.ask(
                StepKey(subtask.id, number, "work"),
                specialist.name,
                self.model_for(specialist.name),
                messages,
                max_tokens=self._limits.specialist_max_tokens,
            )
            output = prompts.strip_data_markers(completion.text)
            run.emit(OutputProduced, subtask_id=subtask.id, agent=specialist.name, attempt=number, output=output)
            verdict = code_check(output)
            if verdict is None:
                verdict = await self._check(run, subtask, output, number) if self._model_judges else code_accepts()
            record.attempts.append(
                Attempt(
                    number=number,
                    output=output,
                    verdict=verdict,
                    tool_calls=[tool_call] if tool_call and number == 1 else [],
                )
            )
            run.emit(VerdictGiven, subtask_id=subtask.id, agent=specialist.name, attempt=number, verdict=verdict)
            if verdict.decision == "accept":
                record.status = "accepted"
                return
            feedback = verdict.feedback or "The answer did not meet the acceptance criteria."
        record.status = "rejected"
        raise SubtaskFailedError(subtask.id, len(record.attempts), feedback)

    async def _check(self, run: _Run, subtask: Subtask, output: str, attempt: int) -> CheckedVerdict:
        messages = prompts.render("check", subtask=subtask, output=output)
        completion = await run.ask(
            StepKey(subtask.id, attempt, "check"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            output_type=Verdict,
            max_tokens=FEEDBACK_MAX + 32,
            max_reasks=self._limits.max_reasks,
        )
        verdict = completion.output
        if not isinstance(verdict, Verdict):
            raise RunError(f"the checker returned {type(verdict).__name__}, not a Verdict")
        return CheckedVerdict(decision=verdict.decision, feedback=verdict.feedback, decided_by="model")

    async def _answer(self, run: _Run) -> str:
        results = [
            {"id": step.subtask.id, "agent": step.agent, "output": step.output}
            for step in run.result.steps
            if step.output is not None
        ]
        messages = prompts.render("answer", goal=run.goal, results=results)
        completion = await run.ask(
            StepKey("answer", 1, "answer"),
            SUPERVISOR_ROLE,
            self._model,
            messages,
            max_tokens=self._limits.answer_max_tokens,
        )
        return prompts.strip_data_markers(completion.text)
