"""The journal on Postgres (psycopg 3, async): the same interface as SQLite, for teams and many workers.

Every write is one transaction that first locks the run row (``FOR UPDATE``) and checks the epoch, so a claim
(which updates that row) and a write never interleave: a claim waits for a write in flight, and a write after a
claim sees the new epoch and is refused. The run's audit records take their seqs under that lock too, so two
writers (an owner and a person answering) never take one seq. psycopg loads with the first Postgres store,
never on import.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import psycopg

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baton_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS baton_runs (
        run_id TEXT PRIMARY KEY, goal TEXT NOT NULL, fingerprint TEXT NOT NULL, team JSONB NOT NULL,
        state TEXT NOT NULL, owner TEXT NOT NULL, epoch INTEGER NOT NULL, given_plan JSONB,
        pending_key TEXT, result JSONB, updated_at TEXT NOT NULL, deadline DOUBLE PRECISION)""",
    """CREATE TABLE IF NOT EXISTS baton_steps (
        run_id TEXT NOT NULL, step_key TEXT NOT NULL, value JSONB NOT NULL, epoch INTEGER NOT NULL,
        PRIMARY KEY (run_id, step_key))""",
    """CREATE TABLE IF NOT EXISTS baton_audit (
        run_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL,
        state TEXT, seal BOOLEAN NOT NULL, PRIMARY KEY (run_id, seq))""",
    "CREATE INDEX IF NOT EXISTS baton_runs_by_update ON baton_runs (updated_at)",
)
_RUN_COLUMNS = (
    "run_id, goal, fingerprint, team, state, owner, epoch, given_plan, pending_key, result, updated_at, deadline"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def translated(exc: Exception, store: str) -> JournalError:
    """A Postgres error as the ``JournalError`` subclass of the fault it reports (by its SQLSTATE)."""
    import psycopg.errors as pg

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pg.DiskFull):
        return JournalFullError(f"the disk holding the Postgres journal {store} is full ({first})", store=store)
    if isinstance(exc, pg.ReadOnlySqlTransaction | pg.InsufficientPrivilege):
        return JournalReadOnlyError(
            f"the Postgres journal {store} refuses writes: Baton cannot record steps there ({first})", store=store
        )
    if isinstance(exc, pg.LockNotAvailable):
        return JournalLockedError(
            f"the Postgres journal {store} is locked: another session holds the lock, and did not let go within "
            "the busy timeout ([journal] busy_timeout_s)",
            store=store,
        )
    return JournalError(f"the Postgres journal {store} cannot be used: {first}", store=store)


@contextlib.contextmanager
def _faults(store: str) -> Iterator[None]:
    """psycopg's errors as ``JournalError`` subclasses; the transaction rolls back, committed steps stay."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        raise translated(exc, store) from exc


class PostgresJournal(Journal):
    """The journal in a Postgres database (tables ``baton_runs``, ``baton_steps``, ``baton_meta``)."""

    def __init__(self, connection: psycopg.AsyncConnection[Any], url: str) -> None:
        self._db = connection
        self.url = url
        info = connection.info
        self.store = f"{info.host}:{info.port}/{info.dbname}"  # named in errors, without the URL's password
        # One connection serves every run of this process: a write's transaction must not take in another
        # coroutine's statements, so statements and transactions take turns.
        self._turn = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<PostgresJournal {self._db.info.host}:{self._db.info.port}/{self._db.info.dbname}>"

    @contextlib.asynccontextmanager
    async def _using(self) -> AsyncIterator[None]:
        """This connection's turn, with its faults said as ``JournalError`` subclasses."""
        async with self._turn:
            with _faults(self.store):
                yield

    @classmethod
    async def connect(cls, url: str, *, busy_timeout_s: float = 10.0) -> PostgresJournal:
        import psycopg

        try:
            connection = await psycopg.AsyncConnection.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise JournalError(f"the Postgres journal cannot be reached: {str(exc).strip().splitlines()[0]}") from exc
        journal = cls(connection, url)
        try:
            with _faults(journal.store):
                # A lock another session holds fails a statement after this long (LockNotAvailable), not never.
                await connection.execute(f"SET lock_timeout = {int(busy_timeout_s * 1000)}")
                await journal._prepare()
        except BaseException:
            await connection.close()
            raise
        return journal

    async def _prepare(self) -> None:
        async with self._db.transaction():
            # One schema creation at a time across workers starting together.
            await self._db.execute("SELECT pg_advisory_xact_lock(4242001)")
            for statement in _SCHEMA:
                await self._db.execute(statement)
            found = await (
                await self._db.execute("SELECT value FROM baton_meta WHERE key = 'schema_version'")
            ).fetchone()
            if found is None:
                await self._db.execute(
                    "INSERT INTO baton_meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
                    (str(SCHEMA_VERSION),),
                )
            elif int(found[0]) == 1:  # layout 1 had no deadline column
                await self._db.execute("ALTER TABLE baton_runs ADD COLUMN IF NOT EXISTS deadline DOUBLE PRECISION")
                await self._db.execute(
                    "UPDATE baton_meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )
            elif int(found[0]) > SCHEMA_VERSION:
                raise JournalVersionError(
                    f"the Postgres journal {self.store} was written by a newer Baton (layout {found[0]}, this one "
                    f"reads {SCHEMA_VERSION}): upgrade Baton to use it",
                    store=self.store,
                )

    async def create_run(self, row: RunRow, owner: str) -> int:
        from psycopg.types.json import Jsonb

        async with self._using():
            await self._db.execute(
                f"INSERT INTO baton_runs ({_RUN_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, 'running', %s, 1, %s, NULL, NULL, %s, %s)",
                (
                    row.run_id,
                    row.goal,
                    row.fingerprint,
                    Jsonb(row.team),
                    owner,
                    _maybe(row.given_plan),
                    _now(),
                    row.deadline,
                ),
            )
            return 1

    async def claim(self, run_id: str, owner: str, *, deadline: float | None = None) -> int:
        async with self._using():
            cursor = await self._db.execute(
                "UPDATE baton_runs SET epoch = epoch + 1, owner = %s, state = 'running', updated_at = %s, "
                "deadline = COALESCE(deadline, %s::double precision) WHERE run_id = %s RETURNING epoch",
                (owner, _now(), deadline, run_id),
            )
            found = await cursor.fetchone()
            if found is None:
                raise UnknownRunError(run_id)
            return int(found[0])

    async def get_run(self, run_id: str) -> RunRow | None:
        async with self._using():
            cursor = await self._db.execute(f"SELECT {_RUN_COLUMNS} FROM baton_runs WHERE run_id = %s", (run_id,))
            found = await cursor.fetchone()
            return _row(found) if found is not None else None

    async def runs(self, limit: int = 100) -> list[RunRow]:
        async with self._using():
            cursor = await self._db.execute(
                f"SELECT {_RUN_COLUMNS} FROM baton_runs ORDER BY updated_at DESC LIMIT %s", (limit,)
            )
            return [_row(r) for r in await cursor.fetchall()]

    async def steps(self, run_id: str) -> dict[str, Any]:
        async with self._using():
            cursor = await self._db.execute("SELECT step_key, value FROM baton_steps WHERE run_id = %s", (run_id,))
            return {key: value for key, value in await cursor.fetchall()}

    async def _check_epoch(self, run_id: str, epoch: int) -> None:
        # FOR UPDATE: writes of one run (and their audit seqs) are serialized; a claim waits for them.
        cursor = await self._db.execute("SELECT epoch FROM baton_runs WHERE run_id = %s FOR UPDATE", (run_id,))
        current = await cursor.fetchone()
        if current is None or int(current[0]) != epoch:
            raise RunFencedError(run_id, epoch)

    async def _append_audit(self, run_id: str, audit: Sequence[AuditRecord]) -> int:
        if not audit:
            return 0
        cursor = await self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM baton_audit WHERE run_id = %s", (run_id,))
        found = await cursor.fetchone()
        first = int(found[0]) + 1 if found is not None else 1
        async with self._db.cursor() as many:
            await many.executemany(
                "INSERT INTO baton_audit (run_id, seq, kind, at, data, state, seal) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(run_id, seq, r.kind, r.at, r.data_json, r.state_json, r.seal) for seq, r in enumerate(audit, first)],
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
        from psycopg.types.json import Jsonb

        async with self._using():
            inserted = []
            async with self._db.transaction():
                if not durable:  # the server's own "cheap to redo": flushed with the next synchronous commit
                    await self._db.execute("SET LOCAL synchronous_commit = off")
                await self._check_epoch(run_id, epoch)
                for key, value in steps:
                    cursor = await self._db.execute(
                        "INSERT INTO baton_steps (run_id, step_key, value, epoch) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING",
                        (run_id, key, Jsonb(value), epoch),
                    )
                    if cursor.rowcount:
                        inserted.append(key)
                first = await self._append_audit(run_id, audit)
                if durable and not steps and not audit:  # an empty commit flushes nothing: write, so it does
                    await self._db.execute("UPDATE baton_runs SET updated_at = %s WHERE run_id = %s", (_now(), run_id))
            return Committed(tuple(inserted), first)

    async def answer(self, run_id: str, key: str, value: Any, audit: Sequence[AuditRecord] = ()) -> None:
        from psycopg.types.json import Jsonb

        async with self._using(), self._db.transaction():
            cursor = await self._db.execute(
                "SELECT state, pending_key, epoch FROM baton_runs WHERE run_id = %s FOR UPDATE", (run_id,)
            )
            found = await cursor.fetchone()
            if found is None:
                raise UnknownRunError(run_id)
            state, pending, epoch = found
            if state != "waiting_for_human" or pending != key:
                raise AnswerRefusedError(f"run {run_id} is not waiting for this answer (it is {state})")
            await self._db.execute(
                "INSERT INTO baton_steps (run_id, step_key, value, epoch) VALUES (%s, %s, %s, %s)",
                (run_id, key, Jsonb(value), epoch),
            )
            await self._db.execute(
                "UPDATE baton_runs SET state = 'answered', pending_key = NULL, updated_at = %s WHERE run_id = %s",
                (_now(), run_id),
            )
            await self._append_audit(run_id, audit)

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
        from psycopg.types.json import Jsonb

        async with self._using(), self._db.transaction():
            await self._check_epoch(run_id, epoch)
            await self._db.execute(
                "UPDATE baton_runs SET state = %s, pending_key = %s, result = %s, updated_at = %s WHERE run_id = %s",
                (state, pending_key, Jsonb(result), _now(), run_id),
            )
            return await self._append_audit(run_id, audit)

    async def audit_after(self, run_id: str, seq: int) -> list[AuditRecord]:
        async with self._using():
            cursor = await self._db.execute(
                "SELECT kind, at, data, state, seal FROM baton_audit WHERE run_id = %s AND seq > %s ORDER BY seq",
                (run_id, seq),
            )
            rows = await cursor.fetchall()
            return [AuditRecord(kind, at, data, state, bool(seal)) for kind, at, data, state, seal in rows]

    async def audit_heads(self) -> dict[str, int]:
        async with self._using():
            cursor = await self._db.execute("SELECT run_id, MAX(seq) FROM baton_audit GROUP BY run_id")
            return {str(run_id): int(last) for run_id, last in await cursor.fetchall()}

    async def close(self) -> None:
        await self._db.close()


def _maybe(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value) if value is not None else None


def _row(found: tuple[Any, ...]) -> RunRow:
    run_id, goal, fingerprint, team, state, owner, epoch, given, pending, result, updated, deadline = found
    return RunRow(
        run_id=run_id,
        goal=goal,
        fingerprint=fingerprint,
        team=team,
        state=state,
        owner=owner,
        epoch=epoch,
        given_plan=given,
        pending_key=pending,
        result=result,
        updated_at=updated,
        deadline=deadline,
    )
