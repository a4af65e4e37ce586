"""The tamper kit: every way someone with write access to the log file (but not the keys) could change history is
caught by ``baton audit verify``, with a non-zero exit and a message naming what is wrong.

Three real runs are recorded; each case edits the file behind Baton's back, as a person with a SQLite shell would:
entries flipped, deleted, inserted, swapped or cut off; the seal deleted; the status rewritten; whole runs
deleted or reordered; the run index cut; pages of the file corrupted; a run left truncated.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.teams import make_team
from typer.testing import CliRunner

from supervisor import BatonConfig, RunScript, Supervisor
from supervisor.cli.app import app

GOALS = ["Refund order 1041", "Refund order 1042", "Refund order 1043"]
PLAN = [("s1", "Write the reply email", []), ("s2", "Review the draft", ["s1"])]


@dataclass
class Recorded:
    log: Path
    toml: Path
    runs: list[str]

    def sql(self, *statements: str | tuple[str, tuple[object, ...]]) -> None:
        with closing(sqlite3.connect(self.log)) as db:
            for statement in statements:
                sql, params = (statement, ()) if isinstance(statement, str) else statement
                db.execute(sql, params)
            db.commit()

    def one(self, query: str, params: tuple[object, ...] = ()) -> tuple[object, ...]:
        with closing(sqlite3.connect(self.log)) as db:
            row = db.execute(query, params).fetchone()
        assert row is not None, query
        return tuple(row)

    def verify(self, *args: str) -> tuple[int, str]:
        outcome = CliRunner().invoke(app, ["audit", "verify", *args, "--config", str(self.toml)])
        assert "Traceback" not in outcome.output
        return outcome.exit_code, " ".join(outcome.output.split())


@pytest.fixture
def recorded(tmp_path: Path) -> Recorded:
    log, keys = tmp_path / "log" / "audit.sqlite3", tmp_path / "keys"
    toml = tmp_path / "baton.toml"
    toml.write_text(f'[audit]\npath = "{log}"\nkey_dir = "{keys}"\n')
    toml.chmod(0o600)
    config = BatonConfig.model_validate(
        {"audit": {"path": str(log), "key_dir": str(keys)}, "routing": {"similarity": "bm25"}}
    )
    runs = []
    for goal in GOALS:
        sup = Supervisor(make_team(), config=config, model=RunScript(plan=PLAN).model("gpt-4o"))
        result = sup.run_sync(goal)  # closes the log: the WAL is checkpointed into the file
        assert result.status == "done", result.error
        runs.append(result.run_id)
    done = Recorded(log, toml, runs)
    assert done.verify() == (0, done.verify()[1]) and "the signed run index verifies: 3 run(s)" in done.verify()[1]
    return done


def flip(text: str, at: int) -> str:
    return text[:at] + chr(ord(text[at]) ^ 1) + text[at + 1 :]


def entry(r: Recorded, run: str, seq: int) -> tuple[object, ...]:
    return r.one("SELECT kind, at, data, mac, state_digest FROM entries WHERE run_id = ? AND seq = ?", (run, seq))


def count(r: Recorded, run: str) -> int:
    return int(str(r.one("SELECT COUNT(*) FROM entries WHERE run_id = ?", (run,))[0]))


# -- each tampering: (what it does to the middle run, words the verdict must contain) -------------------------


def flip_a_byte(r: Recorded, run: str) -> None:
    data = str(entry(r, run, 3)[2])
    r.sql(("UPDATE entries SET data = ? WHERE run_id = ? AND seq = 3", (flip(data, len(data) // 2), run)))


def delete_an_entry(r: Recorded, run: str) -> None:
    r.sql(("DELETE FROM entries WHERE run_id = ? AND seq = 4", (run,)))


def insert_an_entry(r: Recorded, run: str) -> None:
    r.sql(
        ("UPDATE entries SET seq = -(seq + 1) WHERE run_id = ? AND seq >= 4", (run,)),
        ("UPDATE entries SET seq = -seq WHERE run_id = ? AND seq < 0", (run,)),
        (
            "INSERT INTO entries (run_id, seq, kind, at, data, mac) VALUES (?, 4, 'VerdictGiven', ?, '{}', ?)",
            (run, str(entry(r, run, 3)[1]), "ab" * 32),
        ),
    )


def swap_two_entries(r: Recorded, run: str) -> None:
    third, fourth = entry(r, run, 3), entry(r, run, 4)
    swap = "UPDATE entries SET kind = ?, at = ?, data = ?, mac = ?, state_digest = ? WHERE run_id = ? AND seq = ?"
    r.sql((swap, (*fourth, run, 3)), (swap, (*third, run, 4)))


def truncate_the_tail(r: Recorded, run: str) -> None:
    r.sql(("DELETE FROM entries WHERE run_id = ? AND seq > 5", (run,)))


def delete_the_seal(r: Recorded, run: str) -> None:
    r.sql(("DELETE FROM seals WHERE run_id = ?", (run,)))


def delete_the_seal_and_set_the_status_back_to_running(r: Recorded, run: str) -> None:
    r.sql(
        ("DELETE FROM seals WHERE run_id = ?", (run,)),
        ("UPDATE run_state SET status = 'running', state = '{\"status\":\"running\"}' WHERE run_id = ?", (run,)),
    )


def cut_the_end_delete_the_seal_and_pass_for_live(r: Recorded, run: str) -> None:
    # The most careful cut: the last entry, the seal and the final state gone, the state row exactly as the run
    # began, and a fresh heartbeat, so the run looks like one still going.
    last = count(r, run)
    r.sql(
        ("DELETE FROM entries WHERE run_id = ? AND seq = ?", (run, last)),
        ("DELETE FROM seals WHERE run_id = ?", (run,)),
        (
            "UPDATE run_state SET status = 'running', state = '{\"status\":\"running\"}', "
            "heartbeat_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE run_id = ?",
            (run,),
        ),
    )


def the_same_and_delete_its_index_record(r: Recorded, run: str) -> None:
    cut_the_end_delete_the_seal_and_pass_for_live(r, run)
    r.sql(("DELETE FROM run_index WHERE run_id = ? AND event = 'sealed'", (run,)))


def rewrite_the_status(r: Recorded, run: str) -> None:
    r.sql(("UPDATE run_state SET status = 'failed' WHERE run_id = ?", (run,)))


def rewrite_the_result(r: Recorded, run: str) -> None:
    state = json.loads(str(r.one("SELECT state FROM run_state WHERE run_id = ?", (run,))[0]))
    state["result"]["output"] = "We will refund you twice."
    r.sql(("UPDATE run_state SET state = ? WHERE run_id = ?", (json.dumps(state), run)))


def delete_the_state_row(r: Recorded, run: str) -> None:
    r.sql(("DELETE FROM run_state WHERE run_id = ?", (run,)))


def delete_the_whole_run(r: Recorded, run: str) -> None:
    r.sql(*((f"DELETE FROM {table} WHERE run_id = ?", (run,)) for table in ("entries", "run_state", "seals")))


def delete_the_whole_run_and_its_index_records(r: Recorded, run: str) -> None:
    delete_the_whole_run(r, run)
    r.sql(("DELETE FROM run_index WHERE run_id = ?", (run,)))


def reorder_two_runs_in_the_index(r: Recorded, run: str) -> None:
    rows = [r.one("SELECT run_id, event, entries, head_mac, mac FROM run_index WHERE pos = ?", (p,)) for p in (1, 3)]
    move = "UPDATE run_index SET run_id = ?, event = ?, entries = ?, head_mac = ?, mac = ? WHERE pos = ?"
    r.sql((move, (*rows[1], 1)), (move, (*rows[0], 3)))


def renumber_the_index_after_deleting_a_run(r: Recorded, run: str) -> None:
    delete_the_whole_run_and_its_index_records(r, run)
    with closing(sqlite3.connect(r.log)) as db:
        rows = db.execute("SELECT run_id, event, entries, head_mac, mac FROM run_index ORDER BY pos").fetchall()
        db.execute("DELETE FROM run_index")
        db.executemany(
            "INSERT INTO run_index (pos, run_id, event, entries, head_mac, mac) VALUES (?, ?, ?, ?, ?, ?)",
            [(pos, *row) for pos, row in enumerate(rows, start=1)],
        )
        db.execute("UPDATE index_head SET size = ?", (len(rows),))
        db.commit()


def delete_the_index_head(r: Recorded, run: str) -> None:
    r.sql("DELETE FROM index_head")


def cut_the_index_tail(r: Recorded, run: str) -> None:
    r.sql("DELETE FROM run_index WHERE pos = (SELECT MAX(pos) FROM run_index)")


def leave_a_run_truncated(r: Recorded, run: str) -> None:
    # A run whose process died before its end: never sealed, nobody writing. Made by cutting a real run, in the
    # log and in its journal (which a run that died never wrote its end to either; else the end would be
    # brought back from there, rightly).
    last = count(r, run)
    cut_the_end_delete_the_seal_and_pass_for_live(r, run)
    r.sql(
        ("DELETE FROM run_index WHERE run_id = ? AND event = 'sealed'", (run,)),
        ("UPDATE run_state SET heartbeat_at = '2020-01-01T00:00:00+00:00' WHERE run_id = ?", (run,)),
    )
    with closing(sqlite3.connect(Path(os.environ["BATON_HOME"]) / "journal.sqlite3")) as db:
        db.execute("DELETE FROM audit WHERE run_id = ? AND seq >= ?", (run, last))
        db.commit()


CASES: list[tuple[Callable[[Recorded, str], None], list[str]]] = [
    (flip_a_byte, ["at entry 3", "edited"]),
    (delete_an_entry, ["at entry 4", "missing"]),
    (insert_an_entry, ["at entry 4", "MAC"]),
    (swap_two_entries, ["at entry 3", "MAC"]),
    (truncate_the_tail, ["cut off"]),
    (delete_the_seal, ["not sealed"]),
    (delete_the_seal_and_set_the_status_back_to_running, ["state row was rewritten"]),
    (cut_the_end_delete_the_seal_and_pass_for_live, ["signed index", "cut off"]),
    (the_same_and_delete_its_index_record, ["run index", "record"]),
    (rewrite_the_status, ["status was rewritten", "'failed'", "'done'"]),
    (rewrite_the_result, ["state row was rewritten"]),
    (delete_the_state_row, ["state row was deleted"]),
    (delete_the_whole_run, ["in the signed index but its entries were deleted"]),
    (delete_the_whole_run_and_its_index_records, ["run index", "record"]),
    (reorder_two_runs_in_the_index, ["run index", "record 1", "reordered"]),
    (renumber_the_index_after_deleting_a_run, ["run index", "MAC"]),
    (delete_the_index_head, ["signed head was removed"]),
    (cut_the_index_tail, ["run index", "cut off"]),
    (leave_a_run_truncated, ["is truncated", "never sealed"]),
]


INDEX_EDITS = {
    the_same_and_delete_its_index_record,
    delete_the_whole_run_and_its_index_records,
    reorder_two_runs_in_the_index,
    renumber_the_index_after_deleting_a_run,
    delete_the_index_head,
    cut_the_index_tail,
}


@pytest.mark.parametrize(("tamper", "words"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_every_tampering_is_detected_with_a_non_zero_exit_naming_it(
    recorded: Recorded, tamper: Callable[[Recorded, str], None], words: list[str]
) -> None:
    victim = recorded.runs[1]
    tamper(recorded, victim)
    code, message = recorded.verify()  # the whole log
    assert code == 1, message
    for word in words:
        assert word in message, message
    if tamper not in INDEX_EDITS:
        assert victim in message  # the run is named (an edit of the index itself names the record instead)
    untouched = recorded.runs[0]
    if tamper in (delete_the_whole_run_and_its_index_records, renumber_the_index_after_deleting_a_run):
        return  # nothing of the run is left to name: 'baton audit verify RUN' says there is no such run
    code_one, message_one = recorded.verify(victim)  # the run alone is caught too
    assert code_one == 1, message_one
    if tamper in (flip_a_byte, delete_an_entry, truncate_the_tail, delete_the_seal, rewrite_the_status):
        assert recorded.verify(untouched)[0] == 0  # and a run nobody touched still verifies on its own


def test_the_tamper_kit_detects_every_case(recorded: Recorded) -> None:
    assert len(CASES) == 19  # every case above is parametrized; this keeps the list from shrinking silently


@pytest.mark.parametrize(
    "corrupt",
    [
        "header",
        "first_page",
        "middle_page",
        "last_page",
        "half_the_file",
        "zeroed",
    ],
)
def test_a_corrupted_file_is_a_clear_error_with_a_non_zero_exit(recorded: Recorded, corrupt: str) -> None:
    raw = bytearray(recorded.log.read_bytes())
    page = 4096
    pages = len(raw) // page
    assert pages >= 4
    if corrupt == "header":
        raw[0:16] = b"NOT SQLITE AT AL"
    elif corrupt == "first_page":
        raw[100:page] = bytes(range(256)) * ((page - 100) // 256) + bytes((page - 100) % 256)
    elif corrupt == "middle_page":
        start = (pages // 2) * page
        raw[start : start + page] = b"\xa5" * page
    elif corrupt == "last_page":
        raw[-page:] = b"\x5a" * page
    elif corrupt == "half_the_file":
        raw = raw[: len(raw) // 2]
    else:
        raw = bytearray(len(raw))
    recorded.log.write_bytes(bytes(raw))
    code, message = recorded.verify()
    assert code == 1, message
    assert "damaged" in message or "does not verify" in message, message
