"""Recording a run's events in the audit log.

``AuditSink`` is an event sink: one entry per event, secrets redacted, the run's state committed with the first
and last entries and the run sealed when it finishes. Entries are written in batches, one transaction per
commit boundary (before a step that acts outside the run, before a model call once the answers not written yet
took long enough to be worth it, a guard trip, an escalation, the run's end), not one per event.

A run with a step journal is recorded through it instead (``journaled``): its entries wait here until the run's
next journal write takes them (``take``), are committed in that write's transaction, and are appended to the
log once it committed (``written``). The journal holds them whatever happens after, so a crash between the two
stores is repaired by bringing the log level from the journal (``supervisor.audit.leveling``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import PydanticSerializationError

from supervisor.audit.chain import RUNNING, canonical_json, now_stamp
from supervisor.audit.encoding import encode_event, event_data
from supervisor.audit.log import AuditLog, PendingEntry, RunBatch, is_safe_json, safe_json
from supervisor.audit.redaction import Redactor
from supervisor.events import EscalationRaised, Event, GuardTripped, PolicyStopped, RunFinished, RunStarted
from supervisor.journal.base import AuditRecord
from supervisor.result import RunResult

# The run commits before every step acts (``commit``); these are committed at once besides: a tripped guard, an
# escalation and a policy stop are what an auditor looks for first, so they never wait in memory.
_COMMIT_AFTER: tuple[type[Event], ...] = (GuardTripped, EscalationRaised, PolicyStopped)
_RUNNING_JSON = canonical_json({"status": RUNNING})


class AuditSink:
    """An event sink (``on_event=``) that appends one entry per event, secrets redacted.

    ``RunStarted`` (and the first event of a resumed run) marks the run ``running``; ``RunFinished`` records the
    final status and result as the run's state and seals the run, all in one transaction. Between them, entries
    wait in memory until the run commits at a step boundary (``before_step``, see ``CommittingSink``) or one of
    ``_COMMIT_AFTER`` comes, and are written in one transaction: a crash loses only what nothing outside the run
    has acted on yet, and never leaves a hole in the chain. Event classes it does not know are
    recorded generically, by their fields. A failing write raises: an audit log that silently loses entries
    would be worse than a stopped run.
    """

    def __init__(self, log: AuditLog, redactor: Redactor | None = None) -> None:
        self.log = log
        self.redactor = redactor or Redactor(())
        self._open_runs: set[str] = set()
        self._pending: dict[str, list[PendingEntry]] = {}  # run id -> entries made since its last commit
        # Group commit: runs are sealed without waiting for the disk; ``settle`` syncs once for all of them.
        self._sealed = 0  # runs this sink sealed without a sync
        self._durable = 0  # how many of those a finished sync covers
        self._syncing: asyncio.Future[None] | None = None
        # Runs waiting at a step boundary, and the transaction that will commit their entries together.
        self._due: set[str] = set()
        self._committing: asyncio.Future[None] | None = None
        # Among concurrent runs, a start and a seal wait for the next shared transaction: runs whose ``running``
        # state is still to be written with their first commit, and finished runs whose seal waits for ``settle``.
        self._unstarted: set[str] = set()
        self._sealing: dict[str, RunBatch] = {}
        self._journaled: dict[str, list[AuditRecord]] = {}  # run id -> entries waiting for its next journal write

    def __repr__(self) -> str:
        return f"<AuditSink to {self.log.path}>"

    def _stored(self, text: str, data: Callable[[], Any]) -> str:
        """``text``, the canonical JSON of ``data()``, as it is stored: secrets masked, every text value safe.
        The common entry holds neither a secret nor unsafe text, and is only scanned; ``data()`` is built and
        encoded again only when something in it must change."""
        if self.redactor.may_hold(text):
            return safe_json(self.redactor.redact_data(data()))
        return text if is_safe_json(text) else safe_json(data())

    def _final_state(self, result: RunResult) -> tuple[dict[str, Any], str]:
        """The state a finished run commits, as (what ``RunBatch.state`` needs, its JSON).

        A state's JSON need not be canonical (the chain commits the digest of the text stored, and nothing
        encodes it again), so pydantic writes the result in one pass: the result repeats every step, and
        sorting it into canonical JSON cost more than recording the steps did. The status goes first, where
        ``state_status`` reads it without parsing the result."""

        def state() -> dict[str, Any]:
            return {"status": result.status, "result": result.to_json_dict()}

        try:
            text = f'{{"status":{canonical_json(result.status)},"result":{result.model_dump_json()}}}'
        except PydanticSerializationError:  # text UTF-8 cannot encode: made safe below, value by value
            text = canonical_json(state())
        return {"status": result.status}, self._stored(text, state)

    def __call__(self, event: Event) -> None:
        data_json = self._stored(encode_event(event), lambda: event_data(event))
        entry = PendingEntry(type(event).__name__, now_stamp(), data_json)
        run_id = event.run_id
        waiting = self._journaled.get(run_id)
        if waiting is not None:
            state_json, seal = None, False
            if isinstance(event, RunFinished):
                state_json, seal = self._final_state(event.result)[1], True
                self._open_runs.discard(run_id)
            elif isinstance(event, RunStarted) or run_id not in self._open_runs:
                state_json = _RUNNING_JSON
                self._open_runs.add(run_id)
            waiting.append(AuditRecord(entry.kind, entry.at, entry.data_json, state_json, seal))
            return
        if isinstance(event, RunFinished):
            status, state_json = self._final_state(event.result)
            # A cancelled run is not awaited to its end (no ``settle``): its seal is synced at once.
            later = event.result.status != "cancelled"
            entries = [*self._pending.pop(run_id, ()), entry]
            self._unstarted.discard(run_id)  # its final state replaces the running one
            self._open_runs.discard(run_id)
            batch = RunBatch(entries, status, seal=True, state_json=state_json)
            if later and self._open_runs:
                # Other runs go on: the seal is written by ``settle``, with theirs, before the one sync.
                self._sealing[run_id] = batch
            else:
                self.log.append_runs({run_id: batch}, sync=not later)
            self._sealed += 1 if later else 0
        elif isinstance(event, RunStarted) or run_id not in self._open_runs:
            entries = [*self._pending.pop(run_id, ()), entry]
            if self._open_runs:
                # Other runs go on: the start waits for this run's first commit, which others may share.
                self._pending[run_id] = entries
                self._unstarted.add(run_id)
            else:
                self.log.append_batch(run_id, entries, state={"status": RUNNING})
            self._open_runs.add(run_id)
        else:
            self._pending.setdefault(run_id, []).append(entry)
            if isinstance(event, _COMMIT_AFTER):
                self.commit(run_id)

    def journaled(self, run_id: str) -> None:
        """Record ``run_id`` through its journal from now on: its entries wait for ``take``."""
        self._journaled.setdefault(run_id, [])

    def take(self, run_id: str) -> list[AuditRecord]:
        """The entries ``run_id`` made since its last journal write, for the next one to commit."""
        waiting = self._journaled.get(run_id)
        if not waiting:
            return []
        self._journaled[run_id] = []
        return waiting

    def waiting(self, run_id: str) -> bool:
        """Whether entries of ``run_id`` wait for its next journal write."""
        return bool(self._journaled.get(run_id))

    def written(self, run_id: str, first_seq: int, records: Sequence[AuditRecord], *, last: bool = False) -> None:
        """The journal committed ``records`` at ``first_seq``: append them to the log (what a crash here loses,
        the next levelling appends). ``last``: the run's final write, after which it records nothing more."""
        if records:
            self.log.append_at(run_id, first_seq, records)
        if last:
            self._journaled.pop(run_id, None)

    def commit(self, run_id: str) -> None:
        """Write ``run_id``'s entries made since its last commit, in one transaction."""
        entries = self._pending.pop(run_id, None)
        if entries:
            self.log.append_runs({run_id: self._batch(run_id, entries)})

    def _batch(self, run_id: str, entries: list[PendingEntry]) -> RunBatch:
        """A run's entries for a commit; a run started among others marks itself running with its first."""
        if run_id in self._unstarted:
            self._unstarted.discard(run_id)
            return RunBatch(entries, {"status": RUNNING})
        return RunBatch(entries)

    async def before_step(self, run_id: str, *, alone: bool = True) -> None:
        """Commit ``run_id``'s entries before its next step (``CommittingSink`` says which steps).

        A run alone, taking one step at a time, commits at once. Among concurrent runs (or steps of a run that run
        in parallel: ``alone=False``), the commit waits for the rest of this turn of the event loop: every run or
        step that reaches a step boundary meanwhile joins the same transaction (one commit for many, as ``settle``
        is one sync for many), and each still acts only once its entries are written.
        """
        if run_id not in self._pending:
            return
        if alone and len(self._open_runs) < 2:
            self.commit(run_id)
            return
        self._due.add(run_id)
        loop = asyncio.get_running_loop()
        committing = self._committing
        if committing is None or committing.get_loop() is not loop:
            committing = self._committing = loop.create_future()
            loop.call_soon(self._commit_due, committing)
        await asyncio.shield(committing)  # a cancelled run leaves the commit going for the others

    def _commit_due(self, committing: asyncio.Future[None]) -> None:
        if self._committing is committing:
            self._committing = None
        due, self._due = self._due, set()
        try:
            batches = {
                run_id: self._batch(run_id, self._pending.pop(run_id)) for run_id in due if run_id in self._pending
            }
            self.log.append_runs(batches)
        except Exception as exc:
            committing.set_exception(exc)
        else:
            committing.set_result(None)

    def flush(self) -> None:
        """Write every entry still waiting for its commit, and every seal waiting for ``settle`` (before the log
        is closed). A journaled run's entries that no journal write took are dropped: they describe nothing the
        run committed."""
        self._journaled.clear()
        for run_id in list(self._pending):
            self.commit(run_id)
        if self._write_seals():
            self.log.sync()

    def _write_seals(self) -> bool:
        """Seal, in one transaction, every finished run whose seal waits; whether there were any."""
        sealing, self._sealing = self._sealing, {}
        if sealing:
            self.log.append_runs(sealing, sync=False)
        return bool(sealing)

    async def settle(self) -> None:
        """Return once every run sealed so far is on disk: runs that finish while a sync is under way share the
        next one, so many concurrent runs cost a few syncs, not one each."""
        target = self._sealed
        while self._durable < target:
            syncing = self._syncing
            if syncing is None or syncing.get_loop() is not asyncio.get_running_loop():
                syncing = self._syncing = asyncio.ensure_future(self._sync(self._sealed))
            await asyncio.shield(syncing)  # a cancelled waiter leaves the sync running for the others

    async def _sync(self, upto: int) -> None:
        try:
            # Every run that finished in the turn this sync began in is sealed by now: one transaction for all.
            upto = max(upto, self._sealed)
            self._write_seals()
            await asyncio.to_thread(self.log.sync)
            self._durable = max(self._durable, upto)
        finally:
            if self._syncing is asyncio.current_task():
                self._syncing = None
