"""Both journal stores keep the same promises: recorded once, fenced by epoch, one answer per question, JSON
values that come back equal, a newer layout refused. Each test runs on SQLite and on a real Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from supervisor.errors import AnswerRefusedError, JournalError, RunFencedError, UnknownRunError
from supervisor.journal.base import SCHEMA_VERSION, Journal, RunRow
from supervisor.journal.postgres import PostgresJournal
from supervisor.journal.sqlite import SqliteJournal

Check = Callable[[Journal], Awaitable[None]]


@pytest.fixture(params=["sqlite", "postgres"])
def on_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[Check], None]]:
    """Runs a check against a fresh connection to the store (its own event loop, closed after)."""

    def run(check: Check) -> None:
        async def opened() -> None:
            if request.param == "sqlite":
                journal: Journal = SqliteJournal(tmp_path / "journal.sqlite3")
            else:
                journal = await PostgresJournal.connect(request.getfixturevalue("postgres_url"))
            try:
                await check(journal)
            finally:
                await journal.close()

        asyncio.run(opened())

    yield run


def new_run() -> RunRow:
    return RunRow(run_id=uuid.uuid4().hex[:12], goal="Order 5531: ship it", team=["inventory", "fulfillment"])


def test_a_step_is_recorded_once_and_the_first_value_stands(on_store: Callable[[Check], None]) -> None:
    async def check(journal: Journal) -> None:
        row = new_run()
        assert await journal.create_run(row, "worker-a") == 1
        value: dict[str, Any] = {"text": "naïve café ✓", "output": {"n": [1, 2.5, None, True]}}
        assert await journal.record(row.run_id, 1, "s1.p0.v0/attempt:1/work:inventory", value) is True
        assert await journal.record(row.run_id, 1, "s1.p0.v0/attempt:1/work:inventory", {"text": "other"}) is False
        assert await journal.steps(row.run_id) == {"s1.p0.v0/attempt:1/work:inventory": value}
        stored = await journal.get_run(row.run_id)
        assert stored is not None and stored.team == ["inventory", "fulfillment"] and stored.owner == "worker-a"

    on_store(check)


def test_a_claim_fences_out_the_earlier_owner(on_store: Callable[[Check], None]) -> None:
    async def check(journal: Journal) -> None:
        row = new_run()
        first = await journal.create_run(row, "worker-a")
        second = await journal.claim(row.run_id, "worker-b")
        assert second == first + 1
        with pytest.raises(RunFencedError):
            await journal.record(row.run_id, first, "plan/attempt:1/plan", {"late": True})
        with pytest.raises(RunFencedError):
            await journal.set_state(row.run_id, first, "done", pending_key=None, result={})
        assert await journal.record(row.run_id, second, "plan/attempt:1/plan", {"on time": True})
        assert await journal.steps(row.run_id) == {"plan/attempt:1/plan": {"on time": True}}
        stored = await journal.get_run(row.run_id)
        assert stored is not None and stored.owner == "worker-b" and stored.epoch == second

    on_store(check)


def test_a_question_takes_one_answer(on_store: Callable[[Check], None]) -> None:
    async def check(journal: Journal) -> None:
        row = new_run()
        epoch = await journal.create_run(row, "worker-a")
        key = "s4.p0.v0/attempt:0/gate"
        with pytest.raises(AnswerRefusedError):
            await journal.answer(row.run_id, key, {"action": "approve"})  # not waiting yet
        await journal.set_state(row.run_id, epoch, "waiting_for_human", pending_key=key, result={"status": "w"})
        await journal.answer(row.run_id, key, {"action": "approve"})
        with pytest.raises(AnswerRefusedError):
            await journal.answer(row.run_id, key, {"action": "reject"})
        assert (await journal.steps(row.run_id))[key] == {"action": "approve"}

    on_store(check)


def test_unknown_runs_are_named(on_store: Callable[[Check], None]) -> None:
    async def check(journal: Journal) -> None:
        assert await journal.get_run("no-such-run") is None
        with pytest.raises(UnknownRunError, match="no-such-run"):
            await journal.claim("no-such-run", "worker-a")
        with pytest.raises(RunFencedError):
            await journal.record("no-such-run", 1, "plan/attempt:1/plan", {})

    on_store(check)


def test_runs_are_listed_most_recent_first_with_their_state(on_store: Callable[[Check], None]) -> None:
    async def check(journal: Journal) -> None:
        older, newer = new_run(), new_run()
        await journal.create_run(older, "worker-a")
        epoch = await journal.create_run(newer, "worker-a")
        await journal.set_state(newer.run_id, epoch, "done", pending_key=None, result={"output": "shipped"})
        listed = [r for r in await journal.runs() if r.run_id in (older.run_id, newer.run_id)]
        assert [(r.run_id, r.state) for r in listed] == [(newer.run_id, "done"), (older.run_id, "running")]
        assert listed[0].result == {"output": "shipped"}

    on_store(check)


def test_a_runs_deadline_is_fixed_when_it_first_starts_and_no_claim_moves_it(
    on_store: Callable[[Check], None],
) -> None:
    async def check(journal: Journal) -> None:
        started = new_run().model_copy(update={"deadline": 1_900_000_000.25})
        await journal.create_run(started, "worker-a")
        await journal.claim(started.run_id, "worker-b", deadline=1_999_999_999.0)
        stored = await journal.get_run(started.run_id)
        assert stored is not None and stored.deadline == 1_900_000_000.25
        submitted = new_run()  # recorded now, started by the first worker to claim it
        await journal.create_run(submitted, "submitter")
        fresh = await journal.get_run(submitted.run_id)
        assert fresh is not None and fresh.deadline is None
        await journal.claim(submitted.run_id, "worker-a", deadline=1_900_000_100.5)
        await journal.claim(submitted.run_id, "worker-b", deadline=1_999_999_999.0)
        stored = await journal.get_run(submitted.run_id)
        assert stored is not None and stored.deadline == 1_900_000_100.5

    on_store(check)


def test_a_store_of_the_first_layout_gains_the_deadline_column_and_keeps_its_runs(
    tmp_path: Path, postgres_url: str
) -> None:
    import sqlite3

    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:  # the first layout's runs table, as an older Baton wrote it
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, goal TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "team TEXT NOT NULL, state TEXT NOT NULL, owner TEXT NOT NULL, epoch INTEGER NOT NULL, given_plan TEXT, "
            "pending_key TEXT, result TEXT, updated_at TEXT NOT NULL);"
            "INSERT INTO runs VALUES ('old-run', 'Ship 5531', '', '[]', 'stopped', 'a', 2, NULL, NULL, NULL, 'x');"
        )

    async def upgraded_sqlite() -> None:
        journal = SqliteJournal(path)
        try:
            old = await journal.get_run("old-run")
            assert old is not None and (old.state, old.epoch, old.deadline) == ("stopped", 2, None)
            await journal.claim("old-run", "worker-a", deadline=1_900_000_000.0)
            claimed = await journal.get_run("old-run")
            assert claimed is not None and claimed.deadline == 1_900_000_000.0
        finally:
            await journal.close()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)

    asyncio.run(upgraded_sqlite())

    async def upgraded_postgres() -> None:
        journal = await PostgresJournal.connect(postgres_url)
        await journal._db.execute("ALTER TABLE baton_runs DROP COLUMN deadline")
        await journal._db.execute("UPDATE baton_meta SET value = '1' WHERE key = 'schema_version'")
        await journal.close()
        journal = await PostgresJournal.connect(postgres_url)
        try:
            row = new_run().model_copy(update={"deadline": 1_900_000_000.5})
            await journal.create_run(row, "worker-a")
            stored = await journal.get_run(row.run_id)
            assert stored is not None and stored.deadline == 1_900_000_000.5
            version = await (await journal._db.execute("SELECT value FROM baton_meta")).fetchone()
            assert version == (str(SCHEMA_VERSION),)
        finally:
            await journal.close()

    asyncio.run(upgraded_postgres())


def test_a_store_written_by_a_newer_baton_is_refused(tmp_path: Path, postgres_url: str) -> None:
    import sqlite3

    path = tmp_path / "journal.sqlite3"
    asyncio.run(SqliteJournal(path).close())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(JournalError, match="newer Baton"):
        SqliteJournal(path)

    async def newer_postgres() -> None:
        journal = await PostgresJournal.connect(postgres_url)
        await journal._db.execute("UPDATE baton_meta SET value = '99' WHERE key = 'schema_version'")
        try:
            with pytest.raises(JournalError, match="newer Baton"):
                await PostgresJournal.connect(postgres_url)
        finally:
            await journal._db.execute(
                "UPDATE baton_meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )
            await journal.close()

    asyncio.run(newer_postgres())


def test_the_sqlite_file_is_its_owners_alone_and_a_read_only_one_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    assert path.stat().st_mode & 0o777 == 0o600
    asyncio.run(journal.close())
    reader = SqliteJournal.__new__(SqliteJournal)
    reader.path = path
    import sqlite3

    reader._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    with pytest.raises(JournalError, match="read-only"):
        asyncio.run(reader.create_run(new_run(), "worker-a"))
    reader._db.close()


def test_an_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(JournalError, match="cannot be reached"):
        asyncio.run(PostgresJournal.connect("postgresql://baton@127.0.0.1:1/postgres?connect_timeout=2"))


def test_a_step_and_its_audit_entries_commit_together_and_a_fenced_write_leaves_neither(
    on_store: Callable[[Check], None],
) -> None:
    from supervisor.journal.base import AuditRecord

    def entry(kind: str) -> AuditRecord:
        return AuditRecord(kind, "2030-01-01T00:00:00+00:00", '{"n":1}')

    async def check(journal: Journal) -> None:
        row = new_run()
        first = await journal.create_run(row, "worker-a")
        done = await journal.commit(row.run_id, first, [("plan/attempt:1/plan", {"p": 1})], [entry("A"), entry("B")])
        assert done.inserted == ("plan/attempt:1/plan",) and done.first_seq == 1
        second = await journal.claim(row.run_id, "worker-b")
        with pytest.raises(RunFencedError):
            await journal.commit(row.run_id, first, [("s1/attempt:1/work", {"w": 1})], [entry("late")])
        assert list(await journal.steps(row.run_id)) == ["plan/attempt:1/plan"]
        assert [r.kind for r in await journal.audit_after(row.run_id, 0)] == ["A", "B"]
        seq = await journal.set_state(row.run_id, second, "done", pending_key=None, result={}, audit=[entry("End")])
        assert seq == 3
        assert [r.kind for r in await journal.audit_after(row.run_id, 1)] == ["B", "End"]
        assert (await journal.audit_heads())[row.run_id] == 3

    on_store(check)


def test_sqlite_commits_are_synced_to_disk_but_for_answers_cheap_to_redo(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite3")
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)

    async def writes() -> None:
        row = new_run()
        epoch = await journal.create_run(row, "worker-a")
        statements.clear()
        await journal.commit(row.run_id, epoch, [("s1.p0.v0/attempt:1/tool:refund", ["done", 0])])
        assert not any("synchronous" in s for s in statements)  # a durable commit runs under FULL
        statements.clear()
        await journal.commit(row.run_id, epoch, [("s1.p0.v0/attempt:1/work:writer", {"text": "hi"})], durable=False)
        assert statements[0] == "PRAGMA synchronous=NORMAL" and statements[-1] == "PRAGMA synchronous=FULL"

    try:
        assert journal._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert journal._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL: the WAL is synced per commit
        asyncio.run(writes())
        assert journal._db.execute("PRAGMA synchronous").fetchone() == (2,)
    finally:
        asyncio.run(journal.close())
