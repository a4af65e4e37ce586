"""The tamper-evident audit log: the chain verifies, every kind of tampering is caught at the right entry, state
and entry commit together, files stay private, the sink records real runs, and ``baton audit`` reports it all."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.teams import make_team, plan_answer, responder
from typer.testing import CliRunner

from supervisor import BatonConfig, ScriptedModel, Supervisor
from supervisor.audit.keys import HMAC_KEY_FILE, AuditKeys
from supervisor.audit.log import AuditLog, RunBatch, open_audit_log, pending_entry
from supervisor.audit.recorder import AuditSink
from supervisor.audit.redaction import Redactor
from supervisor.audit.story import format_story
from supervisor.cli.app import app
from supervisor.config import AuditConfig
from supervisor.errors import (
    AuditFileError,
    AuditIntegrityError,
    AuditStorageError,
    ConfigError,
    InsecureFileError,
    UserError,
)
from supervisor.events import Event

RUN = "run-a"
N = 10


@pytest.fixture
def keys(tmp_path: Path) -> AuditKeys:
    return AuditKeys.load_or_create(tmp_path / "keys")


@pytest.fixture
def log(tmp_path: Path, keys: AuditKeys) -> Iterator[AuditLog]:
    with AuditLog(tmp_path / "log" / "audit.sqlite3", keys) as opened:
        yield opened


def write_run(log: AuditLog, run_id: str = RUN, n: int = N, *, finish: bool = True) -> None:
    """A run of ``n`` entries: started, n - 2 steps, finished (and sealed) unless ``finish`` is false."""
    log.append(run_id, "RunStarted", {"goal": "refund order 1042"}, state={"status": "running"})
    for i in range(2, n):
        log.append(run_id, "Step", {"n": i, "text": f"step number {i}", "tags": ["a", "b"]})
    if finish:
        log.append(run_id, "RunFinished", {"status": "done"}, state={"status": "done"}, seal=True)


def tamper(log: AuditLog, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Edit the database behind the log's back, as someone with write access to the file would."""
    with closing(sqlite3.connect(log.path)) as db:
        for sql, params in statements:
            db.execute(sql, params)
        db.commit()


def row(log: AuditLog, seq: int, run_id: str = RUN) -> dict[str, Any]:
    with closing(sqlite3.connect(log.path)) as db:
        db.row_factory = sqlite3.Row
        found = db.execute("SELECT * FROM entries WHERE run_id = ? AND seq = ?", (run_id, seq)).fetchone()
        return dict(found)


def flip(text: str, at: int) -> str:
    """``text`` with one character changed (its lowest bit flipped), as a flipped byte would."""
    return text[:at] + chr(ord(text[at]) ^ 1) + text[at + 1 :]


def assert_bad(log: AuditLog, first_bad: int | None, *words: str, run_id: str = RUN) -> None:
    report = log.verify(run_id)
    assert not report.ok, report
    assert report.first_bad == first_bad, report
    for word in words:
        assert word in report.problem, report


# -- a clean chain -----------------------------------------------------------------------------------------


def test_a_chain_of_ten_entries_verifies_and_is_sealed(log: AuditLog) -> None:
    write_run(log)
    report = log.verify(RUN)
    assert report.ok and report.sealed and report.entries == N and report.first_bad is None
    assert log.verify_or_raise(RUN) == report
    assert [e.seq for e in log.entries(RUN)] == list(range(1, N + 1))
    assert log.runs() == [(RUN, "done", N)]


def test_each_mac_is_the_hmac_of_the_previous_mac_and_the_canonical_entry(log: AuditLog, keys: AuditKeys) -> None:
    write_run(log, n=3)
    first, second = log.entries(RUN)[:2]
    canonical = json.dumps(
        {"run_id": RUN, "seq": 2, "kind": second.kind, "at": second.at, "data": second.data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    expected = hmac.new(keys.hmac_key, bytes.fromhex(first.mac) + canonical.encode(), hashlib.sha256).hexdigest()
    assert second.mac == expected
    assert row(log, 2)["data"] == json.dumps(second.data, sort_keys=True, separators=(",", ":"))


def test_runs_are_chained_apart(log: AuditLog) -> None:
    write_run(log, "one", 4)
    write_run(log, "two", 5)
    assert log.verify("one").ok and log.verify("two").ok
    assert {r[0]: r[2] for r in log.runs()} == {"one": 4, "two": 5}


def test_a_reopened_log_continues_the_chain(tmp_path: Path, keys: AuditKeys) -> None:
    path = tmp_path / "log" / "audit.sqlite3"
    with AuditLog(path, keys) as first:
        write_run(first, n=4, finish=False)
    with AuditLog(path, keys) as second:
        assert second.append(RUN, "RunFinished", {}, state={"status": "done"}, seal=True) == 4
        assert second.verify(RUN).ok


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path, keys: AuditKeys) -> None:
    path = tmp_path / "log" / "audit.sqlite3"
    with AuditLog(path, keys) as a, AuditLog(path, keys) as b:
        seqs = [writer.append(RUN, "Step", {"by": i}) for i, writer in enumerate([a, b, a, a, b, b, a])]
        assert seqs == [1, 2, 3, 4, 5, 6, 7]
        a.seal(RUN)
        assert b.verify(RUN).ok


# -- tampering ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["data", "kind", "at", "mac", "run_id"])
def test_a_flipped_byte_in_any_stored_field_is_caught_at_that_entry(log: AuditLog, field: str) -> None:
    write_run(log)
    stored = row(log, 4)[field]
    changed = flip(stored, len(stored) // 2 if field != "data" else stored.index("step") + 1)
    tamper(log, (f"UPDATE entries SET {field} = ? WHERE run_id = ? AND seq = 4", (changed, RUN)))
    assert_bad(log, 4, "entry 4")


@pytest.mark.parametrize("field", ["entries", "head_mac", "signature"])
def test_a_flipped_byte_in_the_seal_is_caught(log: AuditLog, field: str) -> None:
    write_run(log)
    with closing(sqlite3.connect(log.path)) as db:
        (stored,) = db.execute(f"SELECT {field} FROM seals WHERE run_id = ?", (RUN,)).fetchone()
    changed = stored ^ 1 if isinstance(stored, int) else flip(stored, 5)
    tamper(log, (f"UPDATE seals SET {field} = ? WHERE run_id = ?", (changed, RUN)))
    assert_bad(log, N + 1, "signature")


def test_data_changed_into_another_valid_form_is_caught(log: AuditLog) -> None:
    write_run(log)
    stored = row(log, 4)["data"]
    tamper(log, ("UPDATE entries SET data = ? WHERE run_id = ? AND seq = 4", (stored.replace(":", ": ", 1), RUN)))
    assert_bad(log, 4, "not in the form it was written in")


def test_a_deleted_entry_is_named(log: AuditLog) -> None:
    write_run(log)
    tamper(log, ("DELETE FROM entries WHERE run_id = ? AND seq = 5", (RUN,)))
    assert_bad(log, 5, "entry 5 is missing")


def test_a_deleted_entry_with_the_rest_renumbered_is_caught(log: AuditLog) -> None:
    write_run(log)
    tamper(
        log,
        ("DELETE FROM entries WHERE run_id = ? AND seq = 5", (RUN,)),
        ("UPDATE entries SET seq = -(seq - 1) WHERE run_id = ? AND seq > 5", (RUN,)),
        ("UPDATE entries SET seq = -seq WHERE run_id = ? AND seq < 0", (RUN,)),
    )
    assert_bad(log, 5, "MAC")


def test_an_inserted_entry_is_caught(log: AuditLog) -> None:
    write_run(log)
    forged_mac = hmac.new(b"guess" * 8, b"forged", hashlib.sha256).hexdigest()
    tamper(
        log,
        ("UPDATE entries SET seq = -(seq + 1) WHERE run_id = ? AND seq >= 5", (RUN,)),
        ("UPDATE entries SET seq = -seq WHERE run_id = ? AND seq < 0", (RUN,)),
        (
            "INSERT INTO entries (run_id, seq, kind, at, data, mac) "
            "VALUES (?, 5, 'Step', '2026-01-01T00:00:00.000000+00:00', ?, ?)",
            (RUN, '{"n":99}', forged_mac),
        ),
    )
    assert_bad(log, 5, "entry 5 does not match its MAC")


def test_an_entry_appended_after_the_end_is_caught(log: AuditLog) -> None:
    write_run(log)
    tamper(
        log,
        (
            "INSERT INTO entries (run_id, seq, kind, at, data, mac) VALUES (?, ?, 'Step', 'now', '{}', ?)",
            (RUN, N + 1, "00" * 32),
        ),
    )
    assert_bad(log, N + 1)


def test_two_swapped_entries_are_caught_at_the_first(log: AuditLog) -> None:
    write_run(log)
    third, fourth = row(log, 3), row(log, 4)
    swap = "UPDATE entries SET kind = ?, at = ?, data = ?, mac = ? WHERE run_id = ? AND seq = ?"
    tamper(
        log,
        (swap, (fourth["kind"], fourth["at"], fourth["data"], fourth["mac"], RUN, 3)),
        (swap, (third["kind"], third["at"], third["data"], third["mac"], RUN, 4)),
    )
    assert_bad(log, 3, "entry 3")


def test_a_cut_off_tail_is_caught_by_the_seal(log: AuditLog) -> None:
    write_run(log)
    tamper(log, ("DELETE FROM entries WHERE run_id = ? AND seq > 7", (RUN,)))
    assert_bad(log, 8, "cut off")


def test_a_chain_rewritten_with_another_hmac_key_is_caught_at_the_first_entry(tmp_path: Path, log: AuditLog) -> None:
    write_run(log)
    with AuditLog(tmp_path / "forger" / "audit.sqlite3", AuditKeys.generate()) as forger:
        write_run(forger)  # the same run rewritten: same shape, the forger's keys
        rows = [row(forger, seq) for seq in range(1, N + 1)]
    tamper(
        log,
        ("DELETE FROM entries WHERE run_id = ?", (RUN,)),
        *(
            ("INSERT INTO entries VALUES (:run_id, :seq, :kind, :at, :data, :mac, :state_digest)", tuple(r.values()))
            for r in rows
        ),
    )
    assert_bad(log, 1, "entry 1 does not match its MAC")


def test_a_chain_rewritten_with_the_hmac_key_but_not_the_signing_key_is_caught(
    tmp_path: Path, log: AuditLog, keys: AuditKeys
) -> None:
    write_run(log)
    stolen = AuditKeys(keys.hmac_key, AuditKeys.generate().signing_key)
    rewritten = [e.data | {"edited": True} for e in log.entries(RUN)]
    tamper(log, ("DELETE FROM entries WHERE run_id = ?", (RUN,)))
    with AuditLog(log.path, stolen) as forger:
        for data in rewritten:
            forger.append(RUN, "Step", data)
        assert_bad(log, 1, "rewritten")  # the old seal signed another head
        forger.seal(RUN)
    assert_bad(log, N + 1, "signature")


def test_a_seal_forged_with_another_ed25519_key_is_caught(log: AuditLog, keys: AuditKeys) -> None:
    write_run(log)
    tamper(log, ("DELETE FROM entries WHERE run_id = ? AND seq > 7", (RUN,)))
    forger_keys = AuditKeys(keys.hmac_key, AuditKeys.generate().signing_key)
    with AuditLog(log.path, forger_keys) as forger:
        forger.seal(RUN)  # a seal over the shortened chain, signed with the wrong key
    assert_bad(log, 8, "signature")


def test_a_finished_run_without_its_seal_is_caught(log: AuditLog) -> None:
    write_run(log)
    tamper(
        log,
        ("DELETE FROM seals WHERE run_id = ?", (RUN,)),
        ("DELETE FROM entries WHERE run_id = ? AND seq > 7", (RUN,)),
    )
    assert_bad(log, 8, "not sealed")


def test_a_run_in_progress_verifies_unsealed(log: AuditLog) -> None:
    write_run(log, finish=False)
    report = log.verify(RUN)
    assert report.ok and not report.sealed and report.entries == N - 1


def test_entries_after_the_seal_are_caught_unless_the_run_resumed(log: AuditLog) -> None:
    write_run(log)
    log.append(RUN, "Step", {"late": True})
    assert_bad(log, N + 1, "after the run was sealed")
    log.append(RUN, "HumanDecided", {}, state={"status": "running"})  # a resumed run is running again
    assert log.verify(RUN).ok and not log.verify(RUN).sealed
    log.seal(RUN)  # the end of the resumed run: the new seal replaces the old
    assert log.verify(RUN).ok and log.verify(RUN).sealed and log.verify(RUN).entries == N + 2


def test_an_unknown_run_is_reported_clearly(log: AuditLog) -> None:
    write_run(log)
    report = log.verify("nope")
    assert not report.ok and report.first_bad is None and report.entries == 0
    assert "no run nope" in report.problem
    assert not log.has_run("nope") and log.has_run(RUN)


def test_verify_or_raise_names_the_first_bad_entry(log: AuditLog) -> None:
    write_run(log)
    tamper(log, ("DELETE FROM entries WHERE run_id = ? AND seq = 6", (RUN,)))
    with pytest.raises(AuditIntegrityError, match="at entry 6") as caught:
        log.verify_or_raise(RUN)
    assert caught.value.first_bad == 6 and caught.value.run_id == RUN


# -- transactions and files --------------------------------------------------------------------------------


def test_an_entry_and_its_state_change_commit_together_or_not_at_all(log: AuditLog) -> None:
    tamper(
        log,
        (
            "CREATE TRIGGER refuse BEFORE INSERT ON run_state BEGIN SELECT RAISE(ABORT, 'state refused'); END",
            (),
        ),
    )
    with pytest.raises(sqlite3.IntegrityError, match="state refused"):
        log.append(RUN, "RunStarted", {"goal": "x"}, state={"status": "running"})
    assert log.entries(RUN) == [] and not log.has_run(RUN)
    tamper(log, ("DROP TRIGGER refuse", ()))
    assert log.append(RUN, "RunStarted", {"goal": "x"}, state={"status": "running"}) == 1  # seq 1 is still free
    assert log.runs() == [(RUN, "running", 1)]


def test_the_log_its_wal_and_shm_are_0600_in_a_0700_directory(tmp_path: Path, keys: AuditKeys) -> None:
    previous = os.umask(0)  # the modes must not depend on the umask
    try:
        path = tmp_path / "home" / "audit.sqlite3"
        with AuditLog(path, keys) as log:
            write_run(log)
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            assert all(f.exists() for f in files)
            assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [0o600] * 3
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        os.umask(previous)


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_a_log_file_others_can_write_is_refused(tmp_path: Path, keys: AuditKeys, suffix: str) -> None:
    path = tmp_path / "log" / "audit.sqlite3"
    AuditLog(path, keys).close()
    planted = path.with_name(path.name + suffix)
    planted.touch()
    planted.chmod(0o666)
    with pytest.raises(InsecureFileError, match=str(planted)):
        AuditLog(path, keys)


def test_a_file_that_is_not_a_database_is_a_damaged_file(tmp_path: Path, keys: AuditKeys) -> None:
    path = tmp_path / "log" / "audit.sqlite3"
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"this is not SQLite, just text long enough to have a header" * 20)
    path.chmod(0o600)
    with pytest.raises(AuditFileError, match=r"is damaged.*not a database"):
        AuditLog(path, keys)


def test_a_full_disk_is_told_apart_from_a_damaged_file_and_keeps_what_was_written(log: AuditLog) -> None:
    write_run(log, "before")
    # The file may not grow past its present size: the next append meets SQLITE_FULL, as on a full disk.
    (pages,) = log._db.execute("PRAGMA page_count").fetchone()
    log._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(AuditStorageError, match=r"cannot be written: the disk holding it is full") as raised:
        for i in range(2_000):
            log.append(RUN, "Step", {"n": i, "text": "x" * 2_000})
    assert "damaged" not in str(raised.value)
    log._db.execute("PRAGMA max_page_count = 1073741823")
    assert log.verify("before").ok  # committed entries are whole
    # The log takes entries again once there is room, chained onto what was committed before the fault.
    log.append(RUN, "RunFinished", {"status": "done"}, state={"status": "done"}, seal=True)
    assert log.verify(RUN).ok


def test_a_read_only_log_says_so_rather_than_damaged(log: AuditLog) -> None:
    write_run(log, "before")
    log._db.execute("PRAGMA query_only = ON")
    with pytest.raises(AuditStorageError, match=r"cannot be written: it or its folder refuses writes"):
        log.append(RUN, "Step", {"n": 1})
    log._db.execute("PRAGMA query_only = OFF")
    assert log.verify("before").ok


def test_a_log_that_cannot_be_created_is_a_config_error(tmp_path: Path, keys: AuditKeys) -> None:
    (tmp_path / "plain").touch()
    with pytest.raises(ConfigError, match="cannot create the audit log"):
        AuditLog(tmp_path / "plain" / "audit.sqlite3", keys)


def test_keys_inside_the_log_directory_are_refused_before_any_key_is_written(tmp_path: Path) -> None:
    config = AuditConfig(path=str(tmp_path / "home" / "audit.sqlite3"), key_dir=str(tmp_path / "home" / "keys"))
    with pytest.raises(ConfigError, match="must not live in or below"):
        open_audit_log(config)
    assert not (tmp_path / "home" / "keys").exists()
    beside = AuditKeys.load_or_create(tmp_path / "home")
    with pytest.raises(ConfigError, match=r"audit\.key_dir"):
        AuditLog(tmp_path / "home" / "audit.sqlite3", beside)


def test_open_audit_log_uses_baton_home_and_the_key_dir(baton_home: Path) -> None:
    assert open_audit_log(AuditConfig(enabled=False)) is None
    log = open_audit_log(AuditConfig())
    assert log is not None
    with log:
        assert log.path == baton_home / "audit.sqlite3"
        log.append(RUN, "RunStarted", {})
    assert (Path(os.environ["BATON_KEY_DIR"]) / HMAC_KEY_FILE).is_file()


def test_reading_a_log_that_is_not_there_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no audit log at"):
        open_audit_log(AuditConfig(path=str(tmp_path / "none.sqlite3")), create=False)
    assert not (tmp_path / "none.sqlite3").exists()


# -- recording real runs -----------------------------------------------------------------------------------

PLAN = plan_answer(
    ("s1", "Write the reply email about the refund", []),
    ("s2", "Review the draft for tone", ["s1"]),
)
CONFIG = BatonConfig.model_validate({"routing": {"similarity": "bm25"}})


def scripted_run(sink: AuditSink, goal: str = "Refund order #1042", **kwargs: Any) -> list[Event]:
    events: list[Event] = []
    model = ScriptedModel(respond=responder(PLAN, **kwargs))

    def both(event: Event) -> None:
        events.append(event)
        sink(event)

    result = Supervisor(make_team(), model=model, config=CONFIG).run_sync(goal, on_event=both)
    assert result.status == "done", result.error
    return events


def test_the_sink_records_every_event_of_a_real_run(log: AuditLog) -> None:
    events = scripted_run(AuditSink(log), verdicts=["retry", "accept", "accept"])
    run_id = events[0].run_id
    kinds = [e.kind for e in log.entries(run_id)]
    assert kinds == [type(e).__name__ for e in events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert {"PlanMade", "SubtaskRouted", "AttemptStarted", "OutputProduced", "VerdictGiven"} <= set(kinds)
    report = log.verify(run_id)
    assert report.ok and report.sealed and report.entries == len(events)
    assert log.runs() == [(run_id, "done", len(events))]
    finished = log.entries(run_id)[-1].data
    assert finished["status"] == "done" and finished["accepted"] == ["s1", "s2"]
    assert set(finished) == {"status", "output", "error", "error_type", "usage", "accepted"}
    verdict = next(e.data for e in log.entries(run_id) if e.kind == "VerdictGiven")
    assert verdict["verdict"]["decision"] == "retry" and verdict["subtask_id"] == "s1"


def test_the_story_tells_a_run_one_line_per_entry(log: AuditLog) -> None:
    events = scripted_run(AuditSink(log), verdicts=["retry", "accept", "accept"])
    lines = format_story(log.entries(events[0].run_id))
    assert len(lines) == len(events)
    assert lines[0].startswith("  1  RunStarted ") and "Refund order #1042" in lines[0]
    columns = {re.match(r"\s*\d+  \w+\s+", line).end() for line in lines}  # type: ignore[union-attr]
    assert len(columns) == 1  # the summaries line up in one column
    assert any("s1 -> writer" in line for line in lines)
    assert any("VerdictGiven" in line and "s1 writer attempt 1: retry by model" in line for line in lines)
    assert "done (accepted: s1, s2)" in lines[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardHit(Event):
    """An event class the sink has never heard of."""

    guard: str
    findings: tuple[str, ...]
    score: float


def test_unknown_events_are_recorded_generically(log: AuditLog) -> None:
    sink = AuditSink(log)
    sink(GuardHit(run_id="g", seq=1, guard="links", findings=("http://evil.example",), score=0.9))
    (entry,) = log.entries("g")
    assert entry.kind == "GuardHit"
    assert entry.data == {"guard": "links", "findings": ["http://evil.example"], "score": 0.9}
    assert log.runs() == [("g", "running", 1)]  # a first event that is not RunStarted still opens the run
    assert "GuardHit" in format_story([entry])[0] and "guard=links" in format_story([entry])[0]


def test_secrets_in_a_real_run_never_reach_the_log(log: AuditLog) -> None:
    secret = "sk-live-0123456789abcdef"
    events = scripted_run(AuditSink(log, Redactor([secret])), goal=f"Refund order #1042 with key {secret}")
    with closing(sqlite3.connect(log.path)) as db:
        dump = "\n".join(db.iterdump())
    assert secret not in dump and "with key ***" in dump
    assert log.verify(events[0].run_id).ok


# -- the command line --------------------------------------------------------------------------------------


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(f'[audit]\npath = "{tmp_path / "cli" / "audit.sqlite3"}"\nkey_dir = "{tmp_path / "cli-keys"}"\n')
    return path


@pytest.fixture
def recorded(cli_config: Path) -> str:
    """A run recorded in the log ``cli_config`` names; returns its run id."""
    from supervisor.config import load_config

    log = open_audit_log(load_config(cli_config).audit)
    assert log is not None
    with log:
        return scripted_run(AuditSink(log), verdicts=["retry", "accept", "accept"])[0].run_id


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args])


def test_cli_verify_passes_a_clean_run(cli_config: Path, recorded: str) -> None:
    outcome = invoke("verify", recorded, "--config", str(cli_config))
    assert outcome.exit_code == 0, outcome.output
    assert f"audit log of run {recorded} verifies:" in outcome.output and "entries, sealed" in outcome.output


def test_cli_verify_names_the_first_bad_entry(cli_config: Path, recorded: str) -> None:
    with closing(sqlite3.connect(cli_config.parent / "cli" / "audit.sqlite3")) as db:
        db.execute("UPDATE entries SET data = replace(data, 'Refund', 'Rebate') WHERE seq = 1")
        db.commit()
    outcome = invoke("verify", recorded, "-c", str(cli_config))
    assert outcome.exit_code == 1
    assert "does not verify at entry 1" in outcome.output and "MAC" in outcome.output


def test_cli_show_tells_the_story(cli_config: Path, recorded: str) -> None:
    outcome = invoke("show", recorded, "-c", str(cli_config))
    assert outcome.exit_code == 0, outcome.output
    assert "RunStarted" in outcome.output and "Refund order #1042" in outcome.output
    assert "retry by model" in outcome.output and "RunFinished" in outcome.output


def test_cli_list_shows_each_run(cli_config: Path, recorded: str) -> None:
    outcome = invoke("list", "-c", str(cli_config))
    assert outcome.exit_code == 0, outcome.output
    assert recorded in outcome.output and "done" in outcome.output


@pytest.mark.parametrize("command", ["verify", "show"])
def test_cli_unknown_run_is_a_usage_error(cli_config: Path, recorded: str, command: str) -> None:
    outcome = invoke(command, "no-such-run", "-c", str(cli_config))
    assert outcome.exit_code == 2
    assert "no run no-such-run" in outcome.output and "Traceback" not in outcome.output


def test_cli_missing_log_or_disabled_log_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    missing.write_text(f'[audit]\npath = "{tmp_path / "nothing.sqlite3"}"\n')
    outcome = invoke("verify", "x", "-c", str(missing))
    assert outcome.exit_code == 2 and "no audit log at" in outcome.output
    disabled = tmp_path / "disabled.toml"
    disabled.write_text("[audit]\nenabled = false\n")
    outcome = invoke("list", "-c", str(disabled))
    assert outcome.exit_code == 2 and "disabled" in outcome.output


# -- liveness, the run index, hostile data ----------------------------------------------------------------


def test_an_unsealed_run_is_live_while_its_owner_writes_and_truncated_once_it_stops(log: AuditLog) -> None:
    write_run(log, finish=False)
    assert log.verify(RUN).ok and not log.verify(RUN).truncated
    stopped = log.verify(RUN, live_within_s=0)  # as a reader sees it once the owner is long gone
    assert not stopped.ok and stopped.truncated and "truncated" in stopped.problem
    assert log.runs(live_within_s=0) == [(RUN, "truncated", N - 1)]
    tamper(log, ("UPDATE run_state SET heartbeat_at = '2020-01-01T00:00:00+00:00' WHERE run_id = ?", (RUN,)))
    assert log.verify(RUN).truncated
    log.heartbeat(RUN)  # the owner (or, later, its step journal) says it is still working
    assert log.verify(RUN).ok


def test_every_run_is_in_the_signed_index_and_a_deleted_one_is_named(log: AuditLog) -> None:
    for run in ("one", "two", "three"):
        write_run(log, run)
    reports = log.verify_all()
    assert [r.ok for r in reports] == [True] * 4 and reports[0].entries == 6  # opened + sealed, per run
    tamper(log, *((f"DELETE FROM {t} WHERE run_id = 'two'", ()) for t in ("entries", "run_state", "seals")))
    index = log.verify_index()
    assert not index.ok and "two" in index.problem and "deleted" in index.problem
    assert "in the signed index but its entries were deleted" in log.verify("two").problem


def test_hostile_data_is_recorded_encodable_and_bounded(log: AuditLog) -> None:
    huge = "\ud800" + "x" * 2_000_000
    log.append(RUN, "RunStarted", {"goal": huge, "\udfff key": "\x1b[2J"}, state={"status": "running"})
    log.append(RUN, "RunFinished", {"status": "done"}, state={"status": "done", "note": "\ud83d"}, seal=True)
    assert log.verify(RUN).ok
    goal = log.entries(RUN)[0].data["goal"]
    assert goal.startswith("\ufffdxxx") and goal.endswith("more characters cut]") and len(goal) < 1_100_000


def test_a_finished_runs_state_holds_its_whole_result_safe_and_redacted(log: AuditLog) -> None:
    from supervisor.events import RunFinished, RunStarted
    from supervisor.result import RunResult

    secret = "sk-live-0123456789abcdef"
    sink = AuditSink(log, Redactor([secret]))
    for run_id, output in (("plain", "all done"), ("hostile", f"done \ud800 with {secret}")):
        sink(RunStarted(run_id=run_id, seq=1, goal="g"))
        result = RunResult(run_id=run_id, goal="g", status="done", output=output)
        sink(RunFinished(run_id=run_id, seq=2, result=result))
        assert log.verify(run_id).ok and log.verify(run_id).sealed
    with closing(sqlite3.connect(log.path)) as db:
        states = dict(db.execute("SELECT run_id, state FROM run_state").fetchall())
    plain, hostile = json.loads(states["plain"]), json.loads(states["hostile"])
    assert plain["status"] == "done" and plain["result"]["output"] == "all done" and plain["result"]["goal"] == "g"
    assert hostile["result"]["output"] == "done \ufffd with ***" and secret not in states["hostile"]


@pytest.mark.parametrize(
    ("state_json", "status"),
    [
        ('{"status":"done","result":{"status":"failed"}}', "done"),  # as the recorder writes a finished run
        ('{"result":{"status":"failed"},"status":"stopped"}', "stopped"),  # canonical, as older logs hold it
        ('{"status":"running"}', "running"),
        ('{"status":7,"x":{}}', "7"),
        ('{"result":{}}', "running"),
    ],
)
def test_a_states_status_is_read_from_its_head_or_from_the_whole(state_json: str, status: str) -> None:
    from supervisor.audit.log import state_status

    assert state_status(state_json) == status


def test_a_batch_of_entries_is_one_chain_that_verifies(log: AuditLog) -> None:
    log.append(RUN, "RunStarted", {"goal": "refund order 1042"}, state={"status": "running"})
    batch = [pending_entry("Step", {"i": i}) for i in range(2, N)]
    assert log.append_batch(RUN, batch) == N - 1
    log.append(RUN, "RunFinished", {"status": "done"}, state={"status": "done"}, seal=True)
    report = log.verify(RUN)
    assert report.ok and report.sealed and report.entries == N
    assert [e.data for e in log.entries(RUN)][1:3] == [{"i": 2}, {"i": 3}]
    assert log.verify_index().ok


def test_a_sink_holds_entries_until_the_run_commits(log: AuditLog) -> None:
    from supervisor.events import CommittingSink, PlanMade, RunStarted

    sink = AuditSink(log)
    assert isinstance(sink, CommittingSink)
    sink(RunStarted(run_id=RUN, seq=1, goal="g", team=("a",), config_fingerprint="f"))
    sink(PlanMade(run_id=RUN, seq=2, plan=None))  # type: ignore[arg-type]
    assert len(log.entries(RUN)) == 1  # the start is committed at once; the plan waits for the next step
    sink.commit(RUN)
    assert [e.kind for e in log.entries(RUN)] == ["RunStarted", "PlanMade"]
    assert log.verify(RUN).ok


def test_runs_that_finish_together_share_one_sync(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    from supervisor.events import RunFinished, RunStarted
    from supervisor.result import RunResult

    syncs: list[int] = []
    monkeypatch.setattr(log, "sync", lambda: syncs.append(1))
    sink = AuditSink(log)
    for run_id in ("r1", "r2", "r3"):
        sink(RunStarted(run_id=run_id, seq=1, goal="g"))
        sink(RunFinished(run_id=run_id, seq=2, result=RunResult(run_id=run_id, goal="g", status="done")))

    async def three_runs_return() -> None:
        await asyncio.gather(sink.settle(), sink.settle(), sink.settle())
        await sink.settle()  # nothing sealed since: no further sync

    asyncio.run(three_runs_return())
    assert syncs == [1]
    assert all(log.verify(run_id).sealed for run_id in ("r1", "r2", "r3"))


def test_runs_among_others_start_and_seal_in_shared_transactions(
    log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supervisor.events import PlanMade, RunFinished, RunStarted
    from supervisor.result import RunResult

    transactions: list[dict[str, RunBatch]] = []
    append_runs = log.append_runs

    def recording(batches: Mapping[str, RunBatch], *, sync: bool = True) -> dict[str, int]:
        transactions.append(dict(batches))
        return append_runs(batches, sync=sync)

    monkeypatch.setattr(log, "append_runs", recording)
    syncs: list[int] = []
    real_sync = log.sync
    monkeypatch.setattr(log, "sync", lambda: (syncs.append(1), real_sync()))
    sink = AuditSink(log)
    for seq, run_id in enumerate(("r1", "r2", "r3"), start=1):
        sink(RunStarted(run_id=run_id, seq=seq, goal="g"))
    assert [list(t) for t in transactions] == [["r1"]]  # the first run alone starts at once; the others wait
    for run_id in ("r2", "r3"):
        sink(PlanMade(run_id=run_id, seq=2, plan=None))  # type: ignore[arg-type]

    async def two_steps_then_two_finish() -> None:
        await asyncio.gather(sink.before_step("r2"), sink.before_step("r3"))
        assert len(log.entries("r2")) == len(log.entries("r3")) == 2  # committed before either step acts
        for run_id in ("r1", "r2"):
            sink(RunFinished(run_id=run_id, seq=3, result=RunResult(run_id=run_id, goal="g", status="done")))
        await asyncio.gather(sink.settle(), sink.settle())

    asyncio.run(two_steps_then_two_finish())
    assert [sorted(t) for t in transactions] == [["r1"], ["r2", "r3"], ["r1", "r2"]]
    assert transactions[1]["r2"].state == {"status": "running"}  # the start goes with the first commit
    assert all(b.seal for b in transactions[2].values()) and syncs == [1]
    assert [log.verify(r).sealed for r in ("r1", "r2", "r3")] == [True, True, False]
    assert all(log.verify(r).ok for r in ("r1", "r2", "r3")) and log.verify_index().ok
    sink.flush()  # nothing waits any more


def test_a_run_returns_after_its_seal_is_synced(baton_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_sync = AuditLog.sync

    def counting_sync(self: AuditLog) -> None:
        synced.append(1)
        real_sync(self)

    monkeypatch.setattr(AuditLog, "sync", counting_sync)
    model = ScriptedModel(respond=responder(plan_answer(("s1", "Write the reply email", []))), name="synced")
    # Without a journal the audit log is the only record, so its seal is synced; a journaled run's entries are
    # durable in the journal's own commits, and the log is brought level from there after a loss.
    settings = {"routing": {"similarity": "bm25"}, "journal": {"enabled": False}}
    sup = Supervisor(make_team(), model=model, config=BatonConfig.model_validate(settings))
    result = sup.run_sync("Refund order #1042")
    assert result.status == "done", result.error
    assert synced == [1]
