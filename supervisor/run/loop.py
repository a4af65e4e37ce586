"""The run loop: plan -> route -> guard -> run -> check -> (accept | retry | reroute | replan | escalate).

This is the only module with the loop. Subtasks run as a DAG: every subtask whose dependencies are accepted
starts at once (up to ``limits.max_concurrency``), and each receives only its dependencies' outputs and the
goal. Everything nondeterministic passes through the run context's step seam (``supervisor.run.context``);
every message between agents passes the guard pipeline; planning, routing, judging and asking people live in
their own modules.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from supervisor.config import LimitsConfig
from supervisor.decisions import prompts
from supervisor.decisions.judging import Judge
from supervisor.decisions.planning import Planner
from supervisor.decisions.routing import Router
from supervisor.decisions.schemas import FEEDBACK_MAX, Plan, Subtask
from supervisor.errors import (
    GoalTimeoutError,
    PolicyStopError,
    PrivilegeEscalationError,
    PromptInjectionError,
    RunError,
    StepTimeoutError,
    SubtaskFailedError,
)
from supervisor.events import (
    AttemptStarted,
    OutputProduced,
    PlanMade,
    PolicyStopped,
    Replanned,
    Rerouted,
    RunFinished,
    SubtaskRouted,
    VerdictGiven,
)
from supervisor.guards.capabilities import ToolPolicy
from supervisor.guards.pipeline import GuardedMessage, GuardResult
from supervisor.models import Model
from supervisor.result import Attempt, CheckedVerdict, RouteDecision, StepRecord, ToolCall, record_failure
from supervisor.run.attempt import AttemptOutput, tool_step, write_answer
from supervisor.run.context import SUPERVISOR_ROLE, Outcome, RunContext, StepKey
from supervisor.run.escalation import PersonDesk
from supervisor.team import Team
from supervisor.tools.worker import step_deadline

QUARANTINE_FEEDBACK = (
    "Your answer was withheld: it contained text addressed to the supervisor or other agents. "
    "Do the task itself and write only the result."
)
Aggregator = Callable[[str, dict[str, str]], str | Awaitable[str]]
"""A user-given aggregation: (goal, accepted outputs by subtask id) -> the final answer."""


@dataclass
class RunLoop:
    """Drives runs for one team: what the supervisor facade builds once and every run shares."""

    team: Team
    limits: LimitsConfig
    model: Model
    agent_models: Mapping[str, Model]
    planner: Planner
    router: Router
    judge: Judge
    desk: PersonDesk
    tool_policy: ToolPolicy
    guard_action: str
    aggregate: Aggregator | None = None

    async def drive(self, run: RunContext, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` under the goal's timeout and turn how it ends into the result's status."""
        deadline = asyncio.timeout(self.limits.goal_timeout_s)
        try:
            async with deadline:
                await work()
        except TimeoutError as exc:
            if deadline.expired():  # the goal's own deadline; a TimeoutError a model or tool raised is a failure
                self._stop(run, GoalTimeoutError(f"the goal ran past {self.limits.goal_timeout_s} s"))
            else:
                record_failure(run.result, exc)
        except PolicyStopError as exc:
            self._stop(run, exc)
        except Exception as exc:
            # Whatever a model, tool, guard, check or handler raised ends the run here, never escaping it: the
            # accepted outputs stay in the result and the audit run is sealed by RunFinished below.
            record_failure(run.result, exc)
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
        record_failure(run.result, exc, status="stopped")
        run.emit(PolicyStopped, policy=exc.policy, detail=exc.detail)

    async def execute(self, run: RunContext, given: Plan | None) -> None:
        plan = given or await self.planner.plan(run)
        run.result.plan = plan
        run.emit(PlanMade, plan=plan)
        await self.finish(run, plan)

    async def finish(self, run: RunContext, plan: Plan) -> None:
        """Run the plan's remaining subtasks, re-planning when a verdict asks for it, then answer."""
        while True:
            signal = await self._run_dag(run, plan)
            if signal == "waiting":
                run.result.status = "waiting_for_human"
                return
            if signal != "replan":
                break
            run.policies.before_replan()
            plan = await self.planner.replan(run, plan)
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
                        if len(running) >= self.limits.max_concurrency:
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
        decision = await self.router.route(run, subtask)
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
            if tried >= self.limits.max_attempts:
                last = record.attempts[-1] if record.attempts else None
                if last is not None and last.quarantined:
                    # Guards held every attempt: a person decides, rather than the run failing or trusting it.
                    reason = f"a guard withheld all {tried} attempt(s) of {agent}: {feedback}"
                    return await self.desk.escalate(run, record, last.output, reason, kind="guard")
                record.status = "rejected"
                raise SubtaskFailedError(subtask.id, len(record.attempts), feedback)
            tried += 1
            number = len(record.attempts) + 1
            run.policies.before_agent_run(agent)
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
                    return await self.desk.escalate(run, record, answer.text, why, kind="guard")
                feedback = QUARANTINE_FEEDBACK
                continue
            answer = AttemptOutput(screened.text, answer.truncated)
            verdict = await self.judge.verdict(run, specialist, subtask, answer, number)
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
                return await self.desk.escalate(run, record, answer.text, verdict.feedback)
            target = verdict.agent or ""
            if (
                verdict.decision == "reroute"
                and target in self.team
                and target != agent
                and reroutes < self.limits.max_reroutes
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
        specialist, model = self.team[agent], self.agent_models[agent]
        limit = asyncio.timeout(self.limits.step_timeout_s)
        try:
            async with limit, step_deadline(limit.when()):
                if agent not in tool_calls:  # a tool runs once per agent: retries must not repeat side effects
                    made = await tool_step(
                        run,
                        record,
                        specialist,
                        model,
                        policy=self.tool_policy,
                        desk=self.desk,
                        max_reasks=self.limits.max_reasks,
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
                    max_tokens=self.limits.specialist_max_tokens,
                    max_reasks=self.limits.max_reasks,
                )
        except TimeoutError:
            if not limit.expired():
                raise  # a model or tool raised it: not this step's deadline
            record.status = "failed"
            raise StepTimeoutError(
                f"subtask {subtask.id} attempt {number} ({agent}) ran past {self.limits.step_timeout_s} s",
                self.limits.step_timeout_s,
            ) from None

    def _quarantine(self, run: RunContext, record: StepRecord, attempt: Attempt, screened: GuardResult) -> bool:
        """Record a held output, kept for the record but never shown to a model; True when a person decides now."""
        escalate_now = self.guard_action == "escalate"
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
        return await self.desk.escalate(run, record, output, exc.detail, kind="privilege")

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
        if self.aggregate is not None:
            answer = self.aggregate(run.goal, {sid: s.output or "" for sid, s in accepted.items()})
            return str(await answer) if inspect.isawaitable(answer) else str(answer)
        results = [{"id": sid, "agent": s.agent, "output": s.output} for sid, s in accepted.items()]
        messages = prompts.render("answer", goal=run.goal, results=results)
        completion = await run.ask(
            StepKey("answer", 1, "answer"),
            SUPERVISOR_ROLE,
            self.model,
            messages,
            max_tokens=self.limits.answer_max_tokens,
        )
        return prompts.strip_data_markers(completion.text)
