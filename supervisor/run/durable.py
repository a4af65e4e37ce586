"""A supervisor's durable runs: every run gets a journal row, every resume claims the run and replays its steps.

The journal opens with the first run. ``start`` records a new run (epoch 1); ``reopen`` records a person's answer
when one is given, claims the run (a newer epoch fences out any earlier owner) and loads its recorded steps;
``settle`` records where the run stopped.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from supervisor.config import JournalConfig
from supervisor.decisions.schemas import Plan
from supervisor.errors import AnswerRefusedError, UnknownRunError, UserError
from supervisor.journal.base import Journal, RunRow
from supervisor.journal.recording import ReplayJournal, RunJournal, step_entry
from supervisor.result import HumanDecision, RunResult
from supervisor.run.context import RunContext

FINISHED = "done"


def owner_name() -> str:
    """This process, as an owner of runs: host, pid and a nonce (a pid is reused, the nonce is not)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DurableRuns:
    """Where a supervisor's runs are journaled; nothing is opened while the journal is disabled."""

    def __init__(self, settings: JournalConfig) -> None:
        self.settings = settings
        self.owner = owner_name()
        self._journal: Journal | None = None

    async def journal(self) -> Journal | None:
        if not self.settings.enabled:
            return None
        if self._journal is None:
            from supervisor.journal.stores import open_journal

            self._journal = await open_journal(self.settings)
        return self._journal

    async def start(self, run: RunContext, *, fingerprint: str, team: list[str], given: Plan | None) -> None:
        journal = await self.journal()
        if journal is None:
            return
        row = RunRow(
            run_id=run.run_id,
            goal=run.goal,
            fingerprint=fingerprint,
            team=team,
            given_plan=given.model_dump(mode="json") if given is not None else None,
            deadline=run.deadline,
        )
        epoch = await journal.create_run(row, self.owner)
        run.attach(RunJournal(journal, run.run_id, epoch, {}))

    async def record_submitted(self, run_id: str, goal: str, *, fingerprint: str, team: list[str]) -> None:
        """A run recorded now and executed later, by whichever worker claims it."""
        journal = await self.journal()
        if journal is None:
            raise UserError("submitting a run needs the journal ([journal] enabled = true)")
        await journal.create_run(RunRow(run_id=run_id, goal=goal, fingerprint=fingerprint, team=team), self.owner)

    async def reopen(
        self, run_id: str, decision: HumanDecision | None, *, deadline: float | None = None
    ) -> tuple[RunRow, RunJournal]:
        """Claim a recorded run for this owner, after recording ``decision`` as the answer it waits for; the row
        returned is the claimed one, with its deadline (``deadline`` when the run had none yet)."""
        journal = await self.journal()
        if journal is None:
            raise UserError("resuming a run by its id needs the journal ([journal] enabled = true)")
        row = await journal.get_run(run_id)
        if row is None:
            raise UnknownRunError(run_id)
        if row.state == FINISHED:
            raise UserError(f"run {run_id} is done: there is nothing to resume")
        if decision is not None:
            if row.pending_key is None:
                raise AnswerRefusedError(f"run {run_id} is not waiting for a person (it is {row.state})")
            answered = decision.model_dump(mode="json")
            # The answer's audit entry is committed with it; the audit log gets it when the run is levelled.
            await journal.answer(run_id, row.pending_key, answered, [step_entry(row.pending_key, answered)])
        epoch = await journal.claim(run_id, self.owner, deadline=deadline)
        claimed = await journal.get_run(run_id)
        row = claimed if claimed is not None else row
        recorded = await journal.steps(run_id)
        return row, RunJournal(journal, run_id, epoch, recorded)

    async def for_replay(self, run_id: str) -> tuple[RunRow, ReplayJournal]:
        """A recorded run's steps, to be read back without writing anything."""
        journal = await self.journal()
        if journal is None:
            raise UserError("replaying a run needs the journal ([journal] enabled = true)")
        row = await journal.get_run(run_id)
        if row is None:
            raise UnknownRunError(run_id)
        return row, ReplayJournal(journal, run_id, await journal.steps(run_id))

    async def settle(self, run: RunContext) -> None:
        """Record where the run stopped: its state, the answer it waits for, its result."""
        if run.journal is None:
            return
        pending = run.pending_key if run.result.status == "waiting_for_human" else None
        await run.journal.settle(run.result.status, pending_key=pending, result=run.result.to_json_dict())

    async def runs(self, limit: int = 100) -> list[RunRow]:
        journal = await self.journal()
        return await journal.runs(limit) if journal is not None else []

    async def close(self) -> None:
        if self._journal is not None:
            await self._journal.close()
            self._journal = None


@dataclass(frozen=True)
class ReplayReport:
    """What a replay found: every decision reproduced, or where it diverged."""

    run_id: str
    divergences: tuple[str, ...]
    recorded_status: str
    replayed_status: str
    recorded_output: str
    replayed_output: str

    @property
    def reproduced(self) -> bool:
        return not self.divergences

    def __repr__(self) -> str:
        found = "every decision reproduced" if self.reproduced else f"{len(self.divergences)} divergence(s)"
        return f"<ReplayReport {self.run_id}: {found}>"


def replay_report(row: RunRow, replayed: RunResult, journal: ReplayJournal) -> ReplayReport:
    found = [str(d) for d in journal.divergences]
    if not found:  # ran to its end: the steps it never asked for, the status and the answer must match too
        found += [f"{key}: recorded, never reached" for key in journal.unreached()]
        recorded = row.result or {}
        if recorded.get("status") not in (None, replayed.status):
            found.append(f"the run ended {replayed.status}, recorded {recorded.get('status')}")
        if recorded.get("output") not in (None, replayed.output):
            found.append("the final answer differs from the recorded one")
    recorded = row.result or {}
    return ReplayReport(
        run_id=row.run_id,
        divergences=tuple(found),
        recorded_status=str(recorded.get("status", row.state)),
        replayed_status=replayed.status,
        recorded_output=str(recorded.get("output", "")),
        replayed_output=replayed.output,
    )
