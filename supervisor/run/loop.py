"""The run loop: plan -> route -> guard -> run -> check -> (accept | retry | reroute | replan | escalate).

This is the only module with the loop. Subtasks run as a DAG: every subtask whose dependencies are accepted
starts at once (up to ``limits.max_concurrency``), and each receives only its dependencies' outputs and the
goal. Everything nondeterministic passes through the run context's step seam (``supervisor.run.context``);
every message between agents passes the guard pipeline; planning, routing, judging and asking people live in
their own modules.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from supervisor.config import LimitsConfig
from supervisor.decisions import prompts
from supervisor.decisions.judging import Judge
from supervisor.decisions.planning import Planner
from supervisor.decisions.routing import Router
from supervisor.decisions.schemas import FEEDBACK_MAX, Plan, Subtask
from supervisor.errors import (
    GoalTimeoutError,
    JournalError,
    PolicyStopError,
    PrivilegeEscalationError,
    PromptInjectionError,
    RunError,
    RunFencedError,
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
from supervisor.journal.values import model_codec
from supervisor.models import Model
from supervisor.models.capabilities import ModelCapabilities, ModelSize, capabilities_of
from supervisor.result import Attempt, CheckedVerdict, RouteDecision, StepRecord, ToolCall, record_failure
from supervisor.run.attempt import AttemptOutput, write_answer
from supervisor.run.context import SUPERVISOR_ROLE, Outcome, RunContext, StepKey
from supervisor.run.escalation import PersonDesk
from supervisor.run.frontier import Frontier
from supervisor.team import Gate, Team
from supervisor.tools.worker import step_deadline

PLAN, ROUTE, VERDICT = model_codec(Plan), model_codec(RouteDecision), model_codec(CheckedVerdict)
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
    compose_freely: bool = True
    """Whether the supervisor's model may write a final answer of its own (a small model may not)."""
    capability_overrides: Mapping[str, ModelSize] = field(default_factory=dict)
    """``[models.capabilities]``: what each agent's model may do (its tool loop) when its name says otherwise."""

    def capabilities_of(self, model: Model) -> ModelCapabilities:
        return capabilities_of(model, dict(self.capability_overrides))

    async def drive(self, run: RunContext, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` until the goal's deadline and turn how it ends into the result's status. The deadline is
        an absolute time fixed when the run first started (``run.deadline``): a resumed run does not get a new one."""
        deadline = asyncio.timeout(None if run.deadline is None else max(0.0, run.deadline - time.time()))
        try:
            async with deadline:
                await work()
        except TimeoutError as exc:
            if deadline.expired():  # the goal's own deadline; a TimeoutError a model or tool raised is a failure
                why = run.deadline_reason or f"the goal ran past {self.limits.goal_timeout_s} s"
                self._stop(run, GoalTimeoutError(why))
            else:
                record_failure(run.result, exc)
        except PolicyStopError as exc:
            self._stop(run, exc)
        except (RunFencedError, JournalError):
            raise  # the run cannot be recorded (or is another owner's now): left unsealed, for resume to finish
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
        await run.settle()  # the run returns once its sealed record is durable

    def _finished(self, run: RunContext) -> None:
        run.result.peak_concurrency = max(run.result.peak_concurrency, run.peak)
        run.emit(RunFinished, result=run.result)

    def _stop(self, run: RunContext, exc: PolicyStopError) -> None:
        record_failure(run.result, exc, status="stopped")
        run.emit(PolicyStopped, policy=exc.policy, detail=exc.detail)

    async def execute(self, run: RunContext, given: Plan | None) -> None:
        planned = functools.partial(self.planner.plan, run)
        plan = given if given is not None else await run.decide(StepKey("plan", 0, "planned"), planned, PLAN)
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
            key = StepKey("plan", len(run.result.replans) + 1, "planned")
            plan = await run.decide(key, functools.partial(self.planner.replan, run, plan), PLAN)
            run.result.replans.append(plan)
            run.emit(Replanned, plan=plan, reason=run.replan_reason)
        run.result.output = await self._answer(run)
        run.result.status = "done"

    async def _run_dag(self, run: RunContext, plan: Plan) -> Outcome | Literal["done"]:
        frontier = Frontier(plan, run.accepted, run.skipped)
        running: dict[asyncio.Task[Outcome], Subtask] = {}
        signal: Outcome | None = None
        settled: Iterable[tuple[Subtask, Outcome]]

        def skip(subtask: Subtask) -> None:
            self._skip(run, subtask, "an earlier step it needs was skipped")

        try:
            while True:
                starting: list[Subtask] = []
                if signal is None:  # after a replan or escalation signal, start nothing new
                    starting = frontier.take_ready(self.limits.max_concurrency - len(running), skip)
                if len(starting) == 1 and not running:
                    # The only work that can run now (a pipeline's next step) is awaited here: a task of its own
                    # would cost a scheduling turn to start and another to report back, and run nothing beside it.
                    settled = [(starting[0], await self._subtask(run, starting[0]))]
                else:
                    for subtask in starting:
                        running[asyncio.create_task(self._subtask(run, subtask))] = subtask
                    if not running:
                        if signal is None and frontier.rescan():
                            continue  # a skip or a review made more work ready
                        break
                    finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    # A failure propagates when its result is read; the finally below cancels the rest.
                    settled = ((running.pop(task), task.result()) for task in finished)
                for subtask, ended in settled:
                    frontier.settle(subtask)
                    outcome = await self._reviewed(run, plan, subtask, frontier) if ended == "accepted" else ended
                    if outcome == "waiting" or (outcome == "replan" and signal is None):
                        signal = outcome
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if signal is not None:
            return signal
        if frontier.pending:
            raise RunError(f"subtask(s) {', '.join(s.id for s in frontier.pending)} never became ready")
        return "done"

    async def _reviewed(self, run: RunContext, plan: Plan, subtask: Subtask, frontier: Frontier) -> Outcome:
        """An accepted subtask's outcome once a review it is has been acted on (see ``_after_review``)."""
        before = len(frontier.pending)
        outcome = await self._after_review(run, plan, subtask, frontier.pending)
        for redo in frontier.pending[before:]:
            frontier.wait_again(redo)
        return outcome

    def _skip(self, run: RunContext, subtask: Subtask, reason: str) -> None:
        decision = RouteDecision(subtask_id=subtask.id, agent=subtask.agent or "", reason=reason, decided_by="plan")
        run.result.steps.append(StepRecord(subtask=subtask, route=decision, status="skipped"))
        run.skipped.add(subtask.id)

    async def _after_review(self, run: RunContext, plan: Plan, reviewer: Subtask, pending: list[Subtask]) -> Outcome:
        """A review that asks for changes sends the reviewed step back (with the review as its feedback)."""
        record = run.latest(reviewer.id)
        reviewed_agent = self.team.reviewed_by(record.agent) if record is not None else None
        review = record.attempts[-1].structured if record is not None and record.attempts else None
        if reviewed_agent is None or review is None or review.get("decision") != "changes needed":
            return "accepted"
        target = _reviewed_subtask(run, plan, reviewer, reviewed_agent)
        if target is None:
            return "accepted"  # nothing upstream to revise: the review stands as the record
        changes = " ".join(review.get("changes") or ())
        rounds = run.review_rounds.get(reviewer.id, 0)
        if rounds >= self.limits.max_review_rounds:
            draft = run.latest(target.id)
            assert draft is not None
            reason = f"the reviewer still asks for changes after {rounds} revision(s): {changes}"
            return await self.desk.escalate(run, draft, draft.output or "", reason)
        run.review_rounds[reviewer.id] = rounds + 1
        run.revision_feedback[target.id] = f"A reviewer asked for changes: {changes}"[: FEEDBACK_MAX * 2]
        # The reviewed step and everything after it that depends on it (the review included) is done again.
        redo = _downstream(plan, target.id)
        for subtask in plan.subtasks:
            if subtask.id in redo and subtask.id in run.accepted:
                done = run.latest(subtask.id)
                if done is not None:
                    done.status = "revised"
                del run.accepted[subtask.id]
                run.revisions[subtask.id] = run.revisions.get(subtask.id, 0) + 1
                pending.append(subtask)
        return "accepted"

    async def _subtask(self, run: RunContext, subtask: Subtask) -> Outcome:
        decision = await run.decide(StepKey(subtask.id, 1, "routed"), lambda: self.router.route(run, subtask), ROUTE)
        run.emit(SubtaskRouted, decision=decision)
        record = StepRecord(subtask=subtask, route=decision)
        run.result.steps.append(record)
        gate = self.team.gate_for(decision.agent)
        if gate is not None:
            opened = await self._through_gate(run, record, gate)
            if opened != "open":
                return opened
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

    async def _through_gate(self, run: RunContext, record: StepRecord, gate: Gate) -> Outcome | Literal["open"]:
        """Whether a gated step may run: the earlier decision allows it, a person opened it, or it is skipped."""
        subtask_id = record.subtask.id
        by_person = run.result.gates.get(subtask_id)
        decided = run.latest_of_agent(gate.agent)
        answer = decided.attempts[-1].structured if decided is not None and decided.attempts else None
        value = str(answer.get(gate.field)) if answer and gate.field in answer else None
        if by_person is True or (by_person is None and value in gate.allow):
            return "open"
        if by_person is None and (value is None or value in gate.hold):
            note = str(answer.get(gate.note_field, "")) if answer and gate.note_field else ""
            reason = f"{gate.agent} decided {value or 'nothing'}" + (f": {note}" if note else "")
            shown = (decided.output or "") if decided is not None else ""
            escalated = await self.desk.decide_gate(run, record, shown, reason)
            if escalated == "waiting":
                return "waiting"
            if escalated:
                return "open"
        record.status = "skipped"
        run.skipped.add(subtask_id)
        return "skipped"

    async def _work(self, run: RunContext, record: StepRecord) -> Outcome:
        subtask = record.subtask
        inputs = [{"id": dep, "output": run.accepted[dep]} for dep in subtask.depends_on if dep in run.accepted]
        feedback, tried, reroutes = run.revision_feedback.pop(subtask.id, ""), 0, 0
        # Kept on the run, not the attempt: a revision after a review must not repeat a tool's side effect.
        tool_calls = run.tool_calls.setdefault(subtask.id, {})
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
            calls = list(tool_calls[agent]) if tried == 1 else []
            screened = run.screen(GuardedMessage("output", answer.text, "specialist", agent, subtask.id))
            run.emit(OutputProduced, subtask_id=subtask.id, agent=agent, attempt=number, output=screened.text)
            if screened.blocked:
                attempt = Attempt(number=number, agent=agent, output=answer.text, tool_calls=calls)
                if self._quarantine(run, record, attempt, screened):
                    why = f"a guard held the output: {'; '.join(screened.reasons)}"
                    return await self.desk.escalate(run, record, answer.text, why, kind="guard")
                feedback = QUARANTINE_FEEDBACK
                continue
            if screened.text != answer.text:
                answer = dataclasses.replace(answer, text=screened.text)
            judge = functools.partial(self.judge.verdict, run, specialist, subtask, answer, number)
            verdict = await run.decide(StepKey(subtask.id, number, f"verdict:{agent}"), judge, VERDICT)
            record.attempts.append(
                Attempt(
                    number=number,
                    agent=agent,
                    output=answer.text,
                    verdict=verdict,
                    tool_calls=calls,
                    structured=answer.structured,
                )
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
        tool_calls: dict[str, list[ToolCall]],
        feedback: str,
    ) -> AttemptOutput | Literal["waiting"]:
        """One specialist attempt under the step timeout: its tool loop (once per agent), then its answer."""
        agent, subtask = record.route.agent, record.subtask
        specialist, model = self.team[agent], self.agent_models[agent]
        limit = asyncio.timeout(self.limits.step_timeout_s)
        try:
            async with limit, step_deadline(limit.when()):
                if agent not in tool_calls and not specialist.tools:
                    tool_calls[agent] = []  # no tools: no tool loop to run
                if agent not in tool_calls:  # tools run once per agent: retries must not repeat side effects
                    # The tool loop's machinery loads with the first specialist that has tools.
                    from supervisor.tools.loop import LoopLimits, ToolLoop

                    made = await ToolLoop(
                        run,
                        record,
                        specialist,
                        model,
                        capabilities=self.capabilities_of(model),
                        policy=self.tool_policy,
                        desk=self.desk,
                        limits=LoopLimits(self.limits.max_tool_calls, self.limits.max_reasks),
                        number=number,
                        inputs=inputs,
                    ).run_loop()
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
                    tool_calls=tool_calls[agent],
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
        """The deliverable when the team names one; else the user's aggregation; else a checked composition."""
        accepted = {s.subtask.id: s for s in run.result.steps if s.output is not None}
        if self.team.deliverable:
            return deliverable_answer(self.team, run.result.steps)
        if self.aggregate is not None:
            answer = self.aggregate(run.goal, {sid: s.output or "" for sid, s in accepted.items()})
            return str(await answer) if inspect.isawaitable(answer) else str(answer)
        results = [{"id": sid, "agent": s.agent, "output": s.output} for sid, s in accepted.items()]
        fallback = "\n\n".join(s.output or "" for s in _sinks(run, accepted))
        if not self.compose_freely:
            return fallback  # a small model's free rewrite is where invented figures creep in
        feedback = ""
        for attempt in (1, 2):
            messages = prompts.render("answer", goal=run.goal, results=results, feedback=feedback)
            completion = await run.ask(
                StepKey("answer", attempt, "answer"),
                SUPERVISOR_ROLE,
                self.model,
                messages,
                max_tokens=self.limits.answer_max_tokens,
            )
            text = prompts.strip_data_markers(completion.text)
            problems = self.judge.final_answer_problems(run.goal, text, [s.output or "" for s in accepted.values()])
            if not problems:
                return text
            feedback = " ".join(problems)
        return fallback  # the accepted work itself, rather than an answer a check rejected


def deliverable_answer(team: Team, steps: Sequence[StepRecord]) -> str:
    """The first deliverable agent's accepted output, through the team's template when it has one."""
    latest = {s.agent: s.output for s in steps if s.output is not None}
    chosen = next((latest[a] for a in team.deliverable if a in latest), None)
    if chosen is None:
        raise RunError(f"no deliverable was produced: none of {', '.join(team.deliverable)} has accepted work")
    if team.answer_template is None:
        return chosen
    values = {name: latest.get(name, "") for name in team.names}
    values[next(a for a in team.deliverable if a in latest)] = chosen
    return team.answer_template.format_map(values)


def _sinks(run: RunContext, accepted: Mapping[str, StepRecord]) -> list[StepRecord]:
    """Accepted steps no other accepted step depends on: the ends of the work."""
    needed = {dep for record in accepted.values() for dep in record.subtask.depends_on}
    return [record for sid, record in accepted.items() if sid not in needed]


def _downstream(plan: Plan, root: str) -> set[str]:
    """``root`` and every subtask of ``plan`` that depends on it, directly or not."""
    found = {root}
    for subtask in plan.subtasks:  # a plan lists dependencies before dependents
        if any(d in found for d in subtask.depends_on):
            found.add(subtask.id)
    return found


def _reviewed_subtask(run: RunContext, plan: Plan, reviewer: Subtask, agent: str) -> Subtask | None:
    """The nearest subtask upstream of ``reviewer`` that ``agent`` did."""
    by_id = {s.id: s for s in plan.subtasks}
    frontier = list(reviewer.depends_on)
    while frontier:
        sid = frontier.pop(0)
        record = run.latest(sid)
        if record is not None and record.agent == agent:
            return by_id.get(sid)
        frontier.extend(by_id[sid].depends_on if sid in by_id else ())
    return None
