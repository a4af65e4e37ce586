"""The embedded journal: one SQLite file (WAL, owner-only), shared safely by processes on one machine.

Each write is one transaction that checks the writer's epoch and inserts its rows, so a crash leaves either the
whole write or nothing.

Durability: the file runs in WAL mode with ``synchronous=FULL``, so a commit is on the disk (the WAL fsynced)
before it returns, and survives a power loss, not only a killed process. One fsync costs about 300 us on the
machine Baton is measured on, more than the whole budget of a step (< 200 us), so the writes that are cheap to
redo skip it: a model's answer (or a decision computed from one) commits with ``synchronous=NORMAL`` (written to
the WAL, not fsynced), and is made durable by the next FULL commit, which syncs the WAL up to itself. FULL
commits: a tool's result, the write before a tool acts (its intent, and every decision that led to it), a
person's answer, a claim and the run's end (a new run's row is not synced either: nothing acts on it before
one of these). So a power loss can lose only model answers since the last durable
commit (asked again on resume, costing tokens, never repeating an effect); a killed process loses nothing
committed. ``bench/journal.py`` measures both.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supervisor.errors import (
    AnswerRefusedError,
    JournalError,
    JournalFullError,
    JournalLockedError,
    JournalReadOnlyError,
    JournalVersionError,
    RunFencedError,
    UnknownRunError,
)
from supervisor.journal.base import SCHEMA_VERSION, AuditRecord, Committed, Journal, RunRow, RunState
from supervisor.storage_faults import storage_fault

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, goal TEXT NOT NULL, fingerprint TEXT NOT NULL, team TEXT NOT NULL,
    state TEXT NOT NULL, owner TEXT NOT NULL, epoch INTEGER NOT NULL, given_plan TEXT,
    pending_key TEXT, result TEXT, updated_at TEXT NOT NULL, deadline REAL
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL, step_key TEXT NOT NULL, value TEXT NOT NULL, epoch INTEGER NOT NULL,
    PRIMARY KEY (run_id, step_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL,
    state TEXT, seal INTEGER NOT NULL, PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_update ON runs (updated_at);
"""
_RUN_COLUMNS = (
    "run_id, goal, fingerprint, team, state, owner, epoch, given_plan, pending_key, result, updated_at, deadline"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    # ASCII escapes: a lone surrogate somewhere in a value is stored as "\\ud800" rather than failing the step.
    return json.dumps(value, separators=(",", ":"))


def _fault(path: Path, exc: sqlite3.Error | OSError) -> JournalError:
    """What went wrong with the journal at ``path``, said in words: whose disk, which lock."""
    store = str(path)
    kind = storage_fault(path, exc)
    if kind == "full":
        return JournalFullError(f"the disk holding the journal {path} is full", store=store)
    if kind == "read-only":
        if isinstance(exc, OSError):
            reason = f"its folder or file refuses writes ({exc.strerror})"
            return JournalReadOnlyError(f"the journal {path} cannot be written: {reason}", store=store)
        return JournalReadOnlyError(
            f"the journal {path} is read-only: Baton cannot record steps there ({exc})", store=store
        )
    if kind == "locked":
        return JournalLockedError(
            f"the journal {path} is locked: another process holds it, and did not let go within the busy timeout "
            "([journal] busy_timeout_s)",
            store=store,
        )
    if isinstance(exc, OSError):
        return JournalError(f"the journal {path} cannot be opened: {exc.strerror}", store=store)
    if isinstance(exc, sqlite3.OperationalError):
        return JournalError(f"the journal {path} cannot be used: {exc}", store=store)
    return JournalError(f"the journal {path} is not a journal Baton can read: {exc}", store=store)


@contextlib.contextmanager
def _faults(path: Path) -> Iterator[None]:
    """SQLite's errors as ``JournalError`` subclasses (a fault never half-writes a step: the transaction rolls
    back, and every step committed before stays)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise _fault(path, exc) from exc


def _connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """The connection every call of one journal uses (a seam the fault tests open read-only)."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_s)


class SqliteJournal(Journal):
    """The journal in one SQLite file; every call is a few microseconds of local I/O, done inline."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 10.0) -> None:
        self.path = path
        with _faults(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only from the first byte
            self._db = _connect(path, busy_timeout_s)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._check_version()
            except BaseException:
                self._db.close()
                raise

    def __repr__(self) -> str:
        return f"<SqliteJournal {self.path}>"

    def _check_version(self) -> None:
        # The version first: a newer Baton's store is refused before anything is written to it.
        has_meta = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() if has_meta else None
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise JournalVersionError(
                f"the journal {self.path} was written by a newer Baton (layout {row[0]}, this one reads "
                f"{SCHEMA_VERSION}): upgrade Baton to use it",
                store=str(self.path),
            )
        if row is None or int(row[0]) < SCHEMA_VERSION:
            self._db.executescript(_SCHEMA)
        if row is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) == 1:  # layout 1 had no deadline column: added, in one transaction with the new version
            with self._transaction():
                columns = [c[1] for c in self._db.execute("PRAGMA table_info(runs)").fetchall()]
                if "deadline" not in columns:
                    self._db.execute("ALTER TABLE runs ADD COLUMN deadline REAL")
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    async def create_run(self, row: RunRow, owner: str) -> int:
        # Not synced: nothing outside the run acts before its next durable commit, which syncs this one too.
        with _faults(self.path), self._transaction(durable=False):
            self._db.execute(
                f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, 'running', ?, 1, ?, NULL, NULL, ?, ?)",
                (
                    row.run_id,
                    row.goal,
                    row.fingerprint,
                    _dumps(row.team),
                    owner,
                    _dumps(row.given_plan) if row.given_plan is not None else None,
                    _now(),
                    row.deadline,
                ),
            )
        return 1

    async def claim(self, run_id: str, owner: str, *, deadline: float | None = None) -> int:
        with _faults(self.path):
            found = self._db.execute(
                "UPDATE runs SET epoch = epoch + 1, owner = ?, state = 'running', updated_at = ?, "
                "deadline = COALESCE(deadline, ?) WHERE run_id = ? RETURNING epoch",
                (owner, _now(), deadline, run_id),
            ).fetchone()
        if found is None:
            raise UnknownRunError(run_id)
        return int(found[0])

    async def get_run(self, run_id: str) -> RunRow | None:
        with _faults(self.path):
            found = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return _row(found) if found is not None else None

    async def runs(self, limit: int = 100) -> list[RunRow]:
        with _faults(self.path):
            rows = self._db.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY updated_at DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_row(r) for r in rows]

    async def steps(self, run_id: str) -> dict[str, Any]:
        with _faults(self.path):
            rows = self._db.execute("SELECT step_key, value FROM steps WHERE run_id = ?", (run_id,)).fetchall()
        return {key: json.loads(value) for key, value in rows}

    @contextlib.contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: the write lock is taken first, so reads inside see what commits.
        Not ``durable``: this commit is not fsynced (the next durable one syncs it)."""
        if not durable:
            self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        finally:
            if not durable:
                self._db.execute("PRAGMA synchronous=FULL")

    def _check_epoch(self, run_id: str, epoch: int) -> None:
        current = self._db.execute("SELECT epoch FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if current is None or int(current[0]) != epoch:
            raise RunFencedError(run_id, epoch)

    def _append_audit(self, run_id: str, audit: Sequence[AuditRecord]) -> int:
        if not audit:
            return 0
        last = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit WHERE run_id = ?", (run_id,)).fetchone()
        first = int(last[0]) + 1
        self._db.executemany(
            "INSERT INTO audit (run_id, seq, kind, at, data, state, seal) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, seq, r.kind, r.at, r.data_json, r.state_json, int(r.seal))
                for seq, r in enumerate(audit, start=first)
            ],
        )
        return first

    async def commit(
        self,
        run_id: str,
        epoch: int,
        steps: Sequence[tuple[str, Any]],
        audit: Sequence[AuditRecord] = (),
        *,
        durable: bool = True,
    ) -> Committed:
        with _faults(self.path), self._transaction(durable=durable):
            self._check_epoch(run_id, epoch)
            inserted = [
                key
                for key, value in steps
                if self._db.execute(
                    "INSERT OR IGNORE INTO steps (run_id, step_key, value, epoch) VALUES (?, ?, ?, ?)",
                    (run_id, key, _dumps(value), epoch),
                ).rowcount
            ]
            first = self._append_audit(run_id, audit)
            if durable and not steps and not audit:  # an empty commit syncs nothing: write, so it syncs
                self._db.execute("UPDATE runs SET updated_at = ? WHERE run_id = ?", (_now(), run_id))
        return Committed(tuple(inserted), first)

    async def answer(self, run_id: str, key: str, value: Any, audit: Sequence[AuditRecord] = ()) -> None:
        with _faults(self.path), self._transaction():
            found = self._db.execute(
                "SELECT state, pending_key, epoch FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            if found is None:
                raise UnknownRunError(run_id)
            state, pending, epoch = found
            if state != "waiting_for_human" or pending != key:
                raise AnswerRefusedError(f"run {run_id} is not waiting for this answer (it is {state})")
            self._db.execute(
                "INSERT INTO steps (run_id, step_key, value, epoch) VALUES (?, ?, ?, ?)",
                (run_id, key, _dumps(value), epoch),
            )
            self._db.execute(
                "UPDATE runs SET state = 'answered', pending_key = NULL, updated_at = ? WHERE run_id = ?",
                (_now(), run_id),
            )
            self._append_audit(run_id, audit)

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
        with _faults(self.path), self._transaction():
            changed = self._db.execute(
                "UPDATE runs SET state = ?, pending_key = ?, result = ?, updated_at = ? WHERE run_id = ? AND epoch = ?",
                (state, pending_key, _dumps(result), _now(), run_id, epoch),
            ).rowcount
            if not changed:
                raise RunFencedError(run_id, epoch)
            return self._append_audit(run_id, audit)

    async def audit_after(self, run_id: str, seq: int) -> list[AuditRecord]:
        with _faults(self.path):
            rows = self._db.execute(
                "SELECT kind, at, data, state, seal FROM audit WHERE run_id = ? AND seq > ? ORDER BY seq",
                (run_id, seq),
            ).fetchall()
        return [AuditRecord(kind, at, data, state, bool(seal)) for kind, at, data, state, seal in rows]

    async def audit_heads(self) -> dict[str, int]:
        with _faults(self.path):
            rows = self._db.execute("SELECT run_id, MAX(seq) FROM audit GROUP BY run_id").fetchall()
        return {str(run_id): int(last) for run_id, last in rows}

    async def close(self) -> None:
        self._db.close()


def _row(found: tuple[Any, ...]) -> RunRow:
    run_id, goal, fingerprint, team, state, owner, epoch, given, pending, result, updated, deadline = found
    return RunRow(
        run_id=run_id,
        goal=goal,
        fingerprint=fingerprint,
        team=json.loads(team),
        state=state,
        owner=owner,
        epoch=epoch,
        given_plan=json.loads(given) if given else None,
        pending_key=pending,
        result=json.loads(result) if result else None,
        updated_at=updated,
        deadline=deadline,
    )
