"""The journal of one run in progress: what was recorded (read once), and fenced writes of new steps.

Every write carries the run's audit entries made since its last write, and each step its own ``StepRecorded``
entry (its key and the digest of its value), committed in the same transaction (see ``supervisor.audit.leveling``
for why that keeps the audit log and the journal atomic).

What is cheap to redo is not written at once: decisions code made and model answers wait in memory (``decided``,
``answered``) for the run's next write, which the step seam makes before anything outside the run acts (a tool
call, a person's question: ``flush``), at the run's end, and at a step boundary once the waiting answers took
``supervisor.run.context.REDO_BOUND_S`` of model time (``write``). A killed process so loses at most that much
model work, asked again on resume; never an effect.
"""

from __future__ import annotations

import hashlib
from _json import make_encoder  # the C encoder behind ``json.dumps``
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any, Protocol, runtime_checkable

from supervisor.audit.chain import canonical_json, now_stamp
from supervisor.errors import ReplayDivergedError
from supervisor.journal.base import AuditRecord, Journal, RunState

STEP_RECORDED = "StepRecorded"


@runtime_checkable
class Outbox(Protocol):
    """Where a run's audit entries wait for its next journal write, and go once it committed (``AuditSink``)."""

    def journaled(self, run_id: str) -> None: ...

    def take(self, run_id: str) -> list[AuditRecord]: ...

    def written(self, run_id: str, first_seq: int, records: Sequence[AuditRecord], *, last: bool = False) -> None: ...

    def waiting(self, run_id: str) -> bool:
        """Whether entries of ``run_id`` wait for its next journal write."""
        ...


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# The C encoder behind ``json.dumps(value, sort_keys=True, separators=(",", ":"))``, built once: ``json.dumps``
# builds it again on every call, which cost more than encoding a small step value.
_DIGESTED_FORM = make_encoder(None, _unencodable, encode_basestring_ascii, None, ":", ",", True, False, True)


def value_digest(value: Any) -> str:
    """The SHA-256 of a step value's JSON (ASCII escapes: any value the journal can hold has one)."""
    text = encode_basestring_ascii(value) if type(value) is str else "".join(_DIGESTED_FORM(value, 0))
    return hashlib.sha256(text.encode()).hexdigest()


def step_entry(key: str, value: Any) -> AuditRecord:
    """The audit entry that describes one recorded step."""
    # canonical_json({"digest": ..., "key": key}), assembled: the digest is hex, only the key needs quoting.
    data = f'{{"digest":"{value_digest(value)}","key":{canonical_json(key)}}}'
    return AuditRecord(STEP_RECORDED, now_stamp(), data)


_MISSING = object()


class RunJournal:
    """One owner's handle on one run: look a step up by its key, record a new one under the owner's epoch."""

    def __init__(self, journal: Journal, run_id: str, epoch: int, recorded: dict[str, Any]) -> None:
        self.journal = journal
        self.run_id = run_id
        self.epoch = epoch
        self._recorded = recorded
        self._to_replay = set(recorded)
        self.replayed = 0
        self.recorded_now = 0
        self.outbox: Outbox | None = None
        self._unwritten: list[tuple[str, Any]] = []  # decisions and answers since the last write, for the next
        self._unsynced = False  # a write since the last durable one was not synced
        self.closed: Exception | None = None
        """What stops the run at its first new step (its deadline passed while it was stopped): recorded steps
        still replay, so the run stops with everything it had, and nothing new starts."""

    def __repr__(self) -> str:
        return f"<RunJournal {self.run_id} epoch {self.epoch}: {len(self._recorded)} step(s)>"

    @property
    def replaying(self) -> bool:
        """Whether steps recorded before this owner took over are still to be replayed."""
        return bool(self._to_replay)

    @property
    def recomputes(self) -> bool:
        """Whether recorded decisions are computed again and compared (a replay), not taken as recorded."""
        return False

    def decided(self, key: str, value: Any) -> None:
        """A decision code made (a verdict, a guard's, a route, a plan): it holds from now on, and is committed
        with the run's next write, before anything outside the run acts on it (see ``flush``)."""
        self._recorded[key] = value
        self._unwritten.append((key, value))

    def diverged(self, key: str, what: str) -> None:
        """A recomputed decision differs from its record (only a replay recomputes)."""

    async def flush(self) -> None:
        """Commit, synced, every decision, answer and audit entry not written yet, and sync what was written
        without a sync: called before anything outside the run acts (a tool call, a person's question)."""
        outbox = self.outbox
        if self._unwritten or self._unsynced or (outbox is not None and outbox.waiting(self.run_id)):
            await self._write([], durable=True)

    def lookup(self, key: str) -> tuple[bool, Any]:
        """(True, value) for a recorded step, else (False, None)."""
        value = self._recorded.get(key, _MISSING)
        if value is _MISSING:
            return False, None
        if key in self._to_replay:
            self._to_replay.discard(key)
            self.replayed += 1
        return True, value

    def has(self, key: str) -> bool:
        return key in self._recorded

    def peek(self, key: str) -> Any:
        """The recorded value of ``key`` (None when absent), without counting it as replayed."""
        return self._recorded.get(key)

    def going_live(self, key: str) -> None:
        """Called before a step that was never recorded runs; a replay refuses here, a closed run stops."""
        if self.closed is not None:
            raise self.closed

    def asked(self, key: str, prompt: str) -> None:
        """The prompt a model call is about to be asked with (a replay compares it with the recorded one)."""

    async def record(self, key: str, value: Any, *, durable: bool = True) -> None:
        """Commit a step's outcome with its audit entries (refused with ``RunFencedError`` when another owner
        took the run over); ``durable=False`` for an outcome that is cheap to redo (see ``Journal.commit``)."""
        if self.closed is not None:  # an at-most-once intent among them: a closed run writes none
            raise self.closed
        await self._write([(key, value)], durable=durable)
        self._recorded[key] = value
        self.recorded_now += 1

    def answered(self, key: str, value: Any) -> None:
        """A model's answer (cheap to redo): it holds from now on, and is committed with the run's next write."""
        self._recorded[key] = value
        self._unwritten.append((key, value))
        self.recorded_now += 1

    async def write(self) -> None:
        """Commit, without a sync of its own, every decision, answer and audit entry not written yet."""
        outbox = self.outbox
        if self._unwritten or (outbox is not None and outbox.waiting(self.run_id)):
            await self._write([], durable=False)

    async def _write(
        self, steps: list[tuple[str, Any]], *, durable: bool, events: list[AuditRecord] | None = None
    ) -> None:
        """Commit the unwritten steps and ``steps`` with their audit entries after ``events`` (by default every
        entry the run made since its last write)."""
        # Taken before the commit: steps of the run that run in parallel may add more while a store awaits.
        unwritten, self._unwritten = self._unwritten, []
        steps = [*unwritten, *steps]
        outbox = self.outbox
        audit = []
        if outbox is not None:
            made = outbox.take(self.run_id) if events is None else events
            audit = [*made, *(step_entry(k, v) for k, v in steps)]
        try:
            committed = await self.journal.commit(self.run_id, self.epoch, steps, audit, durable=durable)
        except BaseException:
            self._unwritten[:0] = unwritten
            raise
        self._unsynced = not durable
        if outbox is not None:
            outbox.written(self.run_id, committed.first_seq, audit)

    async def settle(self, state: RunState, *, pending_key: str | None, result: dict[str, Any]) -> None:
        """Record where the run stopped, with the audit entries that end it (its seal among them)."""
        outbox = self.outbox
        audit = outbox.take(self.run_id) if outbox is not None else []
        if self._unwritten:  # written first, after the entries made before the run's end; the end, synced, follows
            end = next((i for i, record in enumerate(audit) if record.seal), len(audit))
            await self._write([], durable=False, events=audit[:end])
            audit = audit[end:]
        first = await self.journal.set_state(
            self.run_id, self.epoch, state, pending_key=pending_key, result=result, audit=audit
        )
        if outbox is not None:
            outbox.written(self.run_id, first, audit, last=True)


@dataclass(frozen=True)
class Divergence:
    """Where a replay parted from the recorded run: the step's key and what differed."""

    key: str
    what: str

    def __str__(self) -> str:
        return f"{self.key}: {self.what}"


class ReplayJournal(RunJournal):
    """A recorded run read back without writing: a step never recorded stops the replay, a changed prompt is
    noted, and steps the replay never reached are reported after it."""

    def __init__(self, journal: Journal, run_id: str, recorded: dict[str, Any]) -> None:
        super().__init__(journal, run_id, epoch=0, recorded=recorded)
        self.divergences: list[Divergence] = []

    @property
    def replaying(self) -> bool:
        return True  # a replay emits no event to anyone's audit log

    @property
    def recomputes(self) -> bool:
        return True

    def decided(self, key: str, value: Any) -> None:
        self._recorded[key] = value  # a decision the recorded run never made: what follows it diverges

    def diverged(self, key: str, what: str) -> None:
        self.divergences.append(Divergence(key, what))

    async def flush(self) -> None:
        """A replay writes nothing."""

    def going_live(self, key: str) -> None:
        self.divergences.append(Divergence(key, "a step the recorded run never made"))
        raise ReplayDivergedError(key)

    def asked(self, key: str, prompt: str) -> None:
        before = self.peek(key)
        if isinstance(before, dict) and before.get("prompt") not in (None, prompt):
            self.divergences.append(Divergence(key, "asked with another prompt (a prompt, card or input changed)"))

    async def record(self, key: str, value: Any, *, durable: bool = True) -> None:
        self.divergences.append(Divergence(key, "a step the recorded run never made"))
        raise ReplayDivergedError(key)  # an intent about to be written: the recorded run never got here

    def answered(self, key: str, value: Any) -> None:
        self.divergences.append(Divergence(key, "a step the recorded run never made"))
        raise ReplayDivergedError(key)

    async def write(self) -> None:
        """A replay writes nothing."""

    def unreached(self) -> list[str]:
        """Recorded steps the replay never asked for (intents and answers to questions included)."""
        return sorted(self._to_replay)
