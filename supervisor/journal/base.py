"""The step journal's one interface: a run row and its step rows, keyed by what each step is.

A run row holds the goal, the config fingerprint, the team, the state, the owner and the epoch. A step row holds
one step's outcome as JSON, keyed by ``(run_id, step_key)`` where the key says what the step is (``plan``,
``s3/attempt:2/work:billing``), never when it happened. Writes are fenced: every write names the epoch its writer
claimed, and a writer whose epoch is no longer the run's is refused (``RunFencedError``).

A write also carries the audit entries that describe it (``AuditRecord``), stored in the journal's own audit
table in the same transaction: a step and its audit entry are committed together or not at all, on either store.
The audit log file is brought level from that table (``supervisor.audit.leveling``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 2
"""The store layout this Baton writes; a store written by a newer Baton is refused, never guessed at. Layout 1
lacked the runs' deadline column; a layout-1 store gains it when this Baton opens it."""

RunState = str
"""``running`` | ``done`` | ``failed`` | ``stopped`` | ``waiting_for_human`` | ``cancelled``."""


class RunRow(BaseModel):
    """What the journal knows about one run."""

    model_config = ConfigDict(defer_build=True)  # built when a journal is first read, not at import

    run_id: str
    goal: str
    fingerprint: str = ""
    team: list[str] = Field(default_factory=list)
    state: RunState = "running"
    owner: str = ""
    epoch: int = 0
    given_plan: dict[str, Any] | None = None
    """The plan or pipeline the caller gave (a resumed run follows it, not a new plan)."""
    pending_key: str | None = None
    """The step key of the person's answer the run waits for, while it is ``waiting_for_human``."""
    result: dict[str, Any] | None = None
    """The run's ``RunResult`` as JSON, as of its last stop."""
    deadline: float | None = None
    """When the goal's wall-clock limit ends (seconds since the epoch), fixed when the run first starts: a
    resumed run keeps it, however long it was stopped."""
    updated_at: str = ""

    def __repr__(self) -> str:
        return f"<RunRow {self.run_id} {self.state} epoch {self.epoch}>"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit entry as a journal write carries it: the audit log appends it at the seq the journal gave it.

    ``state_json`` is the run state the entry commits (its status and result), ``seal`` whether it seals the run.
    """

    kind: str
    at: str
    data_json: str
    state_json: str | None = None
    seal: bool = False


@dataclass(frozen=True, slots=True)
class Committed:
    """What one journal write did: the step keys it recorded (a key recorded before keeps its first value) and
    the seq its first audit record got (0 when it carried none)."""

    inserted: tuple[str, ...]
    first_seq: int


class Journal(ABC):
    """A store of runs and their steps; SQLite (embedded) and Postgres implement it alike."""

    @abstractmethod
    async def create_run(self, row: RunRow, owner: str) -> int:
        """Insert a new run owned by ``owner``; returns its first epoch (1)."""

    @abstractmethod
    async def claim(self, run_id: str, owner: str, *, deadline: float | None = None) -> int:
        """Take the run over: bump its epoch and name ``owner``; the old owner's writes are fenced from now on.
        ``deadline`` becomes the run's only if it has none yet (a run submitted to workers starts its clock
        when one first claims it)."""

    @abstractmethod
    async def get_run(self, run_id: str) -> RunRow | None: ...

    @abstractmethod
    async def runs(self, limit: int = 100) -> list[RunRow]:
        """The most recently updated runs first."""

    @abstractmethod
    async def steps(self, run_id: str) -> dict[str, Any]:
        """Every recorded step of a run: step key -> JSON value."""

    @abstractmethod
    async def commit(
        self,
        run_id: str,
        epoch: int,
        steps: Sequence[tuple[str, Any]],
        audit: Sequence[AuditRecord] = (),
        *,
        durable: bool = True,
    ) -> Committed:
        """In one transaction, if the writer's epoch is current: record ``steps`` and append ``audit`` to the run's
        audit records; else ``RunFencedError`` and nothing is written.

        ``durable``: the commit reaches the disk before it returns (it survives a power loss, and so does every
        commit before it). ``durable=False`` is for steps that are cheap to redo (a model's answer): the commit
        survives a killed process at once, and a power loss once the next durable commit returned."""

    async def record(self, run_id: str, epoch: int, key: str, value: Any) -> bool:
        """Record one step if the writer's epoch is current; False when the key was already recorded."""
        return key in (await self.commit(run_id, epoch, [(key, value)])).inserted

    @abstractmethod
    async def answer(self, run_id: str, key: str, value: Any, audit: Sequence[AuditRecord] = ()) -> None:
        """Record a person's answer to the question the run waits for (any process may); a second is refused."""

    @abstractmethod
    async def set_state(
        self,
        run_id: str,
        epoch: int,
        state: RunState,
        *,
        pending_key: str | None,
        result: dict[str, Any],
        audit: Sequence[AuditRecord] = (),
    ) -> int:
        """Record where the run stopped (fenced like ``commit``), with ``audit``; the first record's seq (or 0)."""

    @abstractmethod
    async def audit_after(self, run_id: str, seq: int) -> list[AuditRecord]:
        """The run's audit records after ``seq``, in order (the first has seq ``seq + 1``)."""

    @abstractmethod
    async def audit_heads(self) -> dict[str, int]:
        """Every run with audit records: run id -> its last seq."""

    @abstractmethod
    async def close(self) -> None: ...
