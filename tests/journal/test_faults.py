"""Store faults: a full disk, a read-only store, a store another process holds locked, a store a newer Baton
wrote. Each is a ``JournalError`` subclass that names the store; ``baton run``, ``baton resume`` and ``baton runs``
say it in one line with exit code 2; every step committed before the fault stays, and the run resumes to the
same answer once the fault is gone. The order desk runs through the command line with a scripted model; a fault
is put on the journal after its k-th commit (the file capped at its size, writes refused, or its lock taken by
another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.durable_order_desk import PLAN
from typer.testing import CliRunner

from supervisor import (
    JournalError,
    JournalFullError,
    JournalLockedError,
    JournalReadOnlyError,
    JournalVersionError,
    RunScript,
)
from supervisor.audit.log import open_audit_log
from supervisor.cli.app import app
from supervisor.config import AuditConfig
from supervisor.journal import sqlite as sqlite_store
from supervisor.journal.base import SCHEMA_VERSION, RunRow
from supervisor.journal.postgres import PostgresJournal, translated
from supervisor.journal.sqlite import SqliteJournal

ROOT = Path(__file__).resolve().parents[2]
SAFE = "Order 5531: 2 keyboards and 1 mouse, ship to 4 Elm Street."
RISKY = "Order 7710: 1 laptop and 1 monitor, ship to a different address than billing."
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The order desk's config for the command line: a scripted model, BM25 routing, a short busy timeout."""
    RunScript(plan=PLAN).model("fault-desk")
    config = tmp_path / "baton.toml"
    example = (ROOT / "examples" / "order_desk" / "baton.toml").read_text(encoding="utf-8")
    config.write_text(f'[models]\ndefault = "scripted/fault-desk"\n\n{example}', encoding="utf-8")
    monkeypatch.setenv("BATON_ROUTING__SIMILARITY", "bm25")
    monkeypatch.setenv("BATON_JOURNAL__BUSY_TIMEOUT_S", "0.3")
    use_home(monkeypatch, tmp_path / "home")
    return config


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)  # the carrier opens its table when the team is built
    monkeypatch.setenv("BATON_HOME", str(home))
    monkeypatch.setenv("ORDER_DESK_BOOKINGS", str(home / "bookings.sqlite3"))


def baton(*arguments: str) -> Any:
    return CliRunner().invoke(app, list(arguments))


def home_now() -> Path:
    return Path(os.environ["BATON_HOME"])


def steps(home: Path) -> dict[str, str]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return dict(db.execute("SELECT step_key, value FROM steps").fetchall())


def bookings(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "bookings.sqlite3") as db:
        return db.execute("SELECT order_id, tracking FROM bookings").fetchall()


def one_clear_line(outcome: Any, *expected: str) -> str:
    """The command's error: one line starting ``error:`` with each of ``expected`` in it, and no traceback."""
    lines = [line for line in outcome.output.splitlines() if line.startswith("error:")]
    assert outcome.exit_code == 2, outcome.output
    assert len(lines) == 1 and "Traceback" not in outcome.output, outcome.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


class Locker:
    """Another process holding the journal's write lock (``BEGIN EXCLUSIVE``) until it is released."""

    def __init__(self, path: Path) -> None:
        code = (
            "import sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n"
            "db.execute('ROLLBACK')\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def cap_at_current_size(journal: SqliteJournal) -> None:
    (pages,) = journal._db.execute("PRAGMA page_count").fetchone()
    journal._db.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: SQLITE_FULL, a full disk


def refuse_writes(journal: SqliteJournal) -> None:
    journal._db.execute("PRAGMA query_only = 1")  # every write is refused: SQLITE_READONLY


Fault = Callable[[SqliteJournal], None]


def fault_named(name: str, lockers: list[Locker]) -> Fault:
    if name == "full":
        return cap_at_current_size
    if name == "read-only":
        return refuse_writes

    def lock(journal: SqliteJournal) -> None:
        lockers.append(Locker(journal.path))

    return lock


EXPECTED = {
    "full": (JournalFullError, "is full"),
    "read-only": (JournalReadOnlyError, "is read-only"),
    "locked": (JournalLockedError, "another process holds it"),
}


@pytest.mark.parametrize("fault", ["full", "read-only", "locked"])
def test_a_store_fault_mid_run_is_one_clear_line_loses_nothing_committed_and_the_run_resumes_once_it_is_gone(
    desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    use_home(monkeypatch, tmp_path / "baseline")
    uninterrupted = baton("run", SAFE, "-c", str(desk), "--json")
    assert uninterrupted.exit_code == 0, uninterrupted.output
    expected = json.loads(uninterrupted.stdout)
    use_home(monkeypatch, tmp_path / "faulty")
    home = home_now()

    lockers: list[Locker] = []
    original = SqliteJournal.commit
    counts: dict[int, int] = {}
    strike_at = {"commit": 4}  # the fault strikes a journal just before this commit of its own

    async def commit(self: SqliteJournal, *args: Any, **kwargs: Any) -> Any:
        counts[id(self)] = counts.get(id(self), 0) + 1
        if counts[id(self)] == strike_at["commit"] and not lockers:
            fault_named(fault, lockers)(self)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SqliteJournal, "commit", commit)
    try:
        message = one_clear_line(baton("run", SAFE, "-c", str(desk)), str(home / "journal.sqlite3"), EXPECTED[fault][1])
        with sqlite3.connect(home / "journal.sqlite3") as db:
            (run_id,) = db.execute("SELECT run_id FROM runs").fetchone()
        assert f"baton resume {run_id}" in message  # how to go on, once the fault is fixed
        committed = steps(home)
        assert len(committed) >= 3  # the plan and the steps before the fault

        # While the fault lasts, resuming says the same (struck at its first commit, or its claim when locked).
        strike_at["commit"] = 1
        one_clear_line(baton("resume", run_id, "-c", str(desk)), EXPECTED[fault][1], f"baton resume {run_id}")
        # Listing is a read: it still works.
        listed = baton("runs", "-c", str(desk), "--json")
        assert listed.exit_code == 0, listed.output
        assert [r["run_id"] for r in json.loads(listed.stdout)] == [run_id]
    finally:
        for locker in lockers:
            locker.release()
        monkeypatch.setattr(SqliteJournal, "commit", original)

    # Every step committed before the fault is still there, as it was; the run ends as one never interrupted.
    resumed = baton("resume", run_id, "-c", str(desk), "--json")
    assert resumed.exit_code == 0, resumed.output
    result = json.loads(resumed.stdout)
    assert result["status"] == "done" and result["output"] == expected["output"]
    assert result["usage"] == expected["usage"]
    after = steps(home)
    assert {key: after[key] for key in committed} == committed
    assert sorted(after) == sorted(steps(tmp_path / "baseline"))
    assert bookings(home) == [("5531", "TRK553101")]
    log = open_audit_log(AuditConfig(path=str(home / "audit.sqlite3")), create=False)
    assert log is not None
    with log:
        report = log.verify(run_id)
    assert report.ok and report.sealed, report.problem


def test_a_store_written_by_a_newer_baton_is_refused_by_every_command_and_left_as_it_was(desk: Path) -> None:
    waiting = baton("run", RISKY, "-c", str(desk), "--json")
    assert waiting.exit_code == 1 and json.loads(waiting.stdout)["status"] == "waiting_for_human"
    run_id = json.loads(waiting.stdout)["run_id"]
    home = home_now()
    before = steps(home)
    with sqlite3.connect(home / "journal.sqlite3") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    newer = "written by a newer Baton"
    one_clear_line(baton("run", SAFE, "-c", str(desk)), newer, str(home / "journal.sqlite3"))
    one_clear_line(baton("resume", run_id, "-c", str(desk), "--approve"), newer)
    one_clear_line(baton("runs", "-c", str(desk)), newer)
    assert steps(home) == before  # nothing written, the person's answer included
    with sqlite3.connect(home / "journal.sqlite3") as db:
        (runs,) = db.execute("SELECT count(*) FROM runs").fetchone()
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    assert runs == 1  # the refused 'baton run' recorded no run either
    approved = baton("resume", run_id, "-c", str(desk), "--approve", "--json")
    assert approved.exit_code == 0, approved.output
    assert "TRK771001" in json.loads(approved.stdout)["output"]


def test_a_store_opened_read_only_is_refused_clearly_by_every_command(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = baton("run", RISKY, "-c", str(desk), "--json")
    run_id = json.loads(waiting.stdout)["run_id"]
    home = home_now()
    before = steps(home)

    def read_only(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
        # As the file would open for a user without write permission (mode=ro); root ignores file modes.
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)

    monkeypatch.setattr(sqlite_store, "_connect", read_only)
    one_clear_line(baton("run", SAFE, "-c", str(desk)), "is read-only", str(home / "journal.sqlite3"))
    one_clear_line(baton("resume", run_id, "-c", str(desk), "--approve"), "is read-only", f"baton resume {run_id}")
    listed = baton("runs", "-c", str(desk), "--json")  # reading a read-only store works
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [run_id]
    monkeypatch.setenv("BATON_JOURNAL__STORE", str(home / "elsewhere.sqlite3"))  # a new store cannot be created
    one_clear_line(baton("runs", "-c", str(desk)), "is read-only")
    monkeypatch.delenv("BATON_JOURNAL__STORE")
    monkeypatch.undo()
    assert steps(home) == before


WITHOUT_WRITE_PERMISSION = """
import sys
from support.durable_order_desk import PLAN
from supervisor import RunScript
from supervisor.cli.app import app

RunScript(plan=PLAN).model("fault-desk")
app(sys.argv[1:])
"""


def without_dac_override() -> list[str]:
    """As root, a command prefix that drops the capabilities that let root write past file modes (so a 0400 file
    is read-only to it, as to anyone); empty for anyone else."""
    if not AS_ROOT:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot stop root here (the mode=ro test covers it)")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root and not allowed to drop capabilities: file modes cannot stop root here")
    return prefix


def test_a_journal_file_and_folder_without_write_permission_is_refused_and_resumes_once_writable(
    desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = without_dac_override()
    folder = tmp_path / "journal"
    monkeypatch.setenv("BATON_JOURNAL__STORE", str(folder / "journal.sqlite3"))
    waiting = baton("run", RISKY, "-c", str(desk), "--json")
    run_id = json.loads(waiting.stdout)["run_id"]
    with sqlite3.connect(folder / "journal.sqlite3") as db:
        before = dict(db.execute("SELECT step_key, value FROM steps").fetchall())
    for name in os.listdir(folder):
        (folder / name).chmod(0o400)
    folder.chmod(0o500)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}

    def unprivileged(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-c", WITHOUT_WRITE_PERMISSION, *arguments, "-c", str(desk)]
        return subprocess.run(command, env=environment, capture_output=True, text=True, check=False, timeout=120)

    try:
        for arguments in (("run", SAFE), ("resume", run_id, "--approve")):
            done = unprivileged(*arguments)
            errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            assert done.returncode == 2 and len(errors) == 1, (arguments, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr and str(folder / "journal.sqlite3") in errors[0]
            assert "read-only" in errors[0] or "cannot be written" in errors[0], errors[0]
        listed = unprivileged("runs", "--json")  # a read: the runs are still listed
        assert listed.returncode == 0 and [r["run_id"] for r in json.loads(listed.stdout)] == [run_id]
    finally:
        folder.chmod(0o700)
        for name in os.listdir(folder):
            (folder / name).chmod(0o600)
    with sqlite3.connect(folder / "journal.sqlite3") as db:
        assert dict(db.execute("SELECT step_key, value FROM steps").fetchall()) == before
    approved = baton("resume", run_id, "-c", str(desk), "--approve", "--json")
    assert approved.exit_code == 0, approved.output
    assert "TRK771001" in json.loads(approved.stdout)["output"]


def test_each_sqlite_fault_is_its_own_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, busy_timeout_s=0.2)

    async def faults() -> None:
        epoch = await journal.create_run(RunRow(run_id="r1", goal="g"), "worker-a")
        await journal.commit("r1", epoch, [("plan/attempt:1/plan", {"kept": True})])
        cap_at_current_size(journal)
        with pytest.raises(JournalFullError, match=str(path)):
            await journal.commit("r1", epoch, [(f"s{n}/attempt:1/work", {"text": "x" * 3000}) for n in range(8)])
        journal._db.execute("PRAGMA max_page_count = 1000000")
        refuse_writes(journal)
        with pytest.raises(JournalReadOnlyError, match=str(path)):
            await journal.commit("r1", epoch, [("s1/attempt:1/work", {})])
        journal._db.execute("PRAGMA query_only = 0")
        locker = Locker(path)
        try:
            with pytest.raises(JournalLockedError, match="another process holds it") as locked:
                await journal.commit("r1", epoch, [("s1/attempt:1/work", {})])
            assert locked.value.store == str(path)
        finally:
            locker.release()
        assert await journal.steps("r1") == {"plan/attempt:1/plan": {"kept": True}}  # all that committed

    try:
        asyncio.run(faults())
    finally:
        asyncio.run(journal.close())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(JournalVersionError, match="newer Baton"):
        SqliteJournal(path)


def test_postgres_faults_map_to_the_same_errors(postgres_url: str) -> None:
    import psycopg

    assert isinstance(translated(psycopg.errors.DiskFull("could not extend file"), "db"), JournalFullError)

    async def faults() -> None:
        journal = await PostgresJournal.connect(postgres_url, busy_timeout_s=0.2)
        other = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
        try:
            row = RunRow(run_id=os.urandom(6).hex(), goal="g")
            epoch = await journal.create_run(row, "worker-a")
            await journal.commit(row.run_id, epoch, [("plan/attempt:1/plan", {"kept": True})])
            async with other.transaction():  # another session holds the run's row
                await other.execute("SELECT 1 FROM baton_runs WHERE run_id = %s FOR UPDATE", (row.run_id,))
                with pytest.raises(JournalLockedError, match="another session holds the lock"):
                    await journal.commit(row.run_id, epoch, [("s1/attempt:1/work", {})])
            await journal._db.execute("SET default_transaction_read_only = on")
            with pytest.raises(JournalReadOnlyError, match="refuses writes"):
                await journal.commit(row.run_id, epoch, [("s1/attempt:1/work", {})])
            await journal._db.execute("SET default_transaction_read_only = off")
            assert await journal.steps(row.run_id) == {"plan/attempt:1/plan": {"kept": True}}
        finally:
            await other.close()
            await journal.close()

    asyncio.run(faults())
    assert issubclass(JournalVersionError, JournalError)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB filesystem (tmpfs), where it can be mounted (root with the right to mount)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(disk)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a small filesystem here ({mounted.stderr.decode().strip()}); max_page_count covers it"
        )
    try:
        yield disk
    finally:
        gc.collect()  # a connection left to the collector would hold the filesystem busy
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def test_a_really_full_disk_mid_run_is_a_full_error_and_the_run_resumes_once_space_is_freed(
    desk: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_JOURNAL__STORE", str(small_disk / "journal.sqlite3"))
    filler = small_disk / "filler"
    original = SqliteJournal.commit
    counts = {"commit": 0}

    async def commit(self: SqliteJournal, *args: Any, **kwargs: Any) -> Any:
        counts["commit"] += 1
        if counts["commit"] == 4:  # something else takes every free byte of the disk
            with filler.open("wb") as fill, contextlib.suppress(OSError):
                while True:
                    fill.write(b"\0" * 65536)
                    fill.flush()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SqliteJournal, "commit", commit)
    message = one_clear_line(baton("run", SAFE, "-c", str(desk)), "is full", str(small_disk / "journal.sqlite3"))
    monkeypatch.setattr(SqliteJournal, "commit", original)
    run_id = message.split("baton resume ")[1].split("'")[0]
    with contextlib.closing(sqlite3.connect(small_disk / "journal.sqlite3")) as db:
        committed = dict(db.execute("SELECT step_key, value FROM steps").fetchall())
    assert len(committed) >= 3
    filler.unlink()
    resumed = baton("resume", run_id, "-c", str(desk), "--json")
    assert resumed.exit_code == 0, resumed.output
    result = json.loads(resumed.stdout)
    assert result["status"] == "done" and "TRK553101" in result["output"]
    with contextlib.closing(sqlite3.connect(small_disk / "journal.sqlite3")) as db:
        after = dict(db.execute("SELECT step_key, value FROM steps").fetchall())
    assert {key: after[key] for key in committed} == committed
