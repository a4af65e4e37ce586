"""The log-level chain: every run's head chained into one signed index, in the spirit of RFC 6962.

Each run's chain proves its own entries, but not that the run is still there, or where it stood among the
others. The index records every run twice: when it opens (its first entry) and each time it is sealed (its
entry count and last MAC). Its records are HMAC-chained like entries, and its head (size and last MAC) is
signed with the audit signing key on every append. Deleting a whole run leaves its index records pointing at
nothing; deleting or reordering index records breaks the chain; cutting off the index's tail no longer matches
its signed head. Like any log without an outside witness, a log emptied entirely (index and signed head
included) cannot be told apart from a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature

from supervisor.audit.chain import canonical_json
from supervisor.audit.keys import AuditKeys

OPENED, SEALED = "opened", "sealed"
_GENESIS = hashlib.sha256(b"baton-audit-index-genesis\x00").digest()
_HEAD_LABEL = "baton-audit-index-head"

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_index (
    pos INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    event TEXT NOT NULL,
    entries INTEGER NOT NULL,
    head_mac TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS index_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    size INTEGER NOT NULL,
    head_mac TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""
_RECORDS = "SELECT pos, run_id, event, entries, head_mac, mac FROM run_index ORDER BY pos"


def _canonical(value: dict[str, Any]) -> bytes:
    return canonical_json(value).encode()


def _record_text(pos: int, run_id: str, event: str, entries: int, head_mac: str) -> bytes:
    return _canonical({"entries": entries, "event": event, "head_mac": head_mac, "pos": pos, "run_id": run_id})


def _head_message(size: int, head_mac: str) -> bytes:
    return _canonical({"kind": _HEAD_LABEL, "size": size, "head_mac": head_mac})


class Record(NamedTuple):
    """One index record to append: a run opened (its first entry) or sealed (its entry count and last MAC)."""

    run_id: str
    event: str
    entries: int
    head_mac: str


def record(db: sqlite3.Connection, keys: AuditKeys, run_id: str, event: str, *, entries: int, head_mac: str) -> None:
    """Append one record and re-sign the head; call inside the transaction that writes what it records."""
    record_all(db, keys, [Record(run_id, event, entries, head_mac)])


def record_all(db: sqlite3.Connection, keys: AuditKeys, records: Sequence[Record]) -> None:
    """Append ``records`` in order and sign the new head once; call inside the transaction that writes what
    they record (only the last head of a transaction is ever stored, so one signature covers them all).

    The transaction already holds SQLite's write lock (its first statement wrote an entry), so the head read
    here is the latest: two processes cannot both take the same position.
    """
    if not records:
        return
    row = db.execute("SELECT pos, mac FROM run_index ORDER BY pos DESC LIMIT 1").fetchone()
    pos, mac = (0, _GENESIS) if row is None else (int(row[0]), bytes.fromhex(str(row[1])))
    rows = []
    for run_id, event, entries, head_mac in records:
        pos += 1
        mac = hmac.digest(keys.hmac_key, mac + _record_text(pos, run_id, event, entries, head_mac), "sha256")
        rows.append((pos, run_id, event, entries, head_mac, mac.hex()))
    db.executemany("INSERT INTO run_index (pos, run_id, event, entries, head_mac, mac) VALUES (?, ?, ?, ?, ?, ?)", rows)
    signature = keys.signing_key.sign(_head_message(pos, mac.hex())).hex()
    db.execute(
        "INSERT INTO index_head (one, size, head_mac, signature) VALUES (1, ?, ?, ?) ON CONFLICT (one) DO UPDATE "
        "SET size = excluded.size, head_mac = excluded.head_mac, signature = excluded.signature",
        (pos, mac.hex(), signature),
    )


@dataclass(frozen=True, slots=True)
class IndexedRun:
    """What the index says of one run: the heads it recorded when the run opened and each time it was sealed."""

    opened: tuple[int, str] | None = None
    sealed: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class IndexReport:
    """The outcome of checking the index: ``runs`` maps each indexed run id to what the index recorded."""

    ok: bool
    size: int
    runs: dict[str, IndexedRun]
    first_bad: int | None = None
    problem: str = ""


def read_records(db: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]:
    return db.execute(_RECORDS).fetchall(), db.execute("SELECT size, head_mac, signature FROM index_head").fetchone()


def records_of(db: sqlite3.Connection, run_id: str) -> dict[str, IndexedRun]:
    """What the index recorded of ``run_id`` (its records read as they are, the chain not checked)."""
    rows = db.execute(
        "SELECT event, entries, head_mac FROM run_index WHERE run_id = ? ORDER BY pos", (run_id,)
    ).fetchall()
    if not rows:
        return {}
    opened = next(((int(n), str(h)) for e, n, h in rows if e == OPENED), None)
    sealed = tuple((int(n), str(h)) for e, n, h in rows if e == SEALED)
    return {run_id: IndexedRun(opened, sealed)}


def check(keys: AuditKeys, rows: list[tuple[Any, ...]], head: tuple[Any, ...] | None) -> IndexReport:
    """Check the index chain and its signed head; the report names the first record that cannot be trusted."""
    runs: dict[str, IndexedRun] = {}

    def bad(first_bad: int | None, problem: str) -> IndexReport:
        return IndexReport(False, len(rows), runs, first_bad, f"the run index: {problem}")

    prev = _GENESIS
    for position, (pos, run_id, event, entries, head_mac, mac_hex) in enumerate(rows, start=1):
        if pos != position:
            return bad(position, f"record {position} is missing or out of place (found {pos!r}): runs were removed")
        try:
            text = _record_text(pos, str(run_id), str(event), int(entries), str(head_mac))
            mac = bytes.fromhex(str(mac_hex))
        except (TypeError, ValueError):
            return bad(position, f"record {position} was edited: a field no longer parses")
        expected = hmac.new(keys.hmac_key, prev + text, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, mac):
            return bad(position, f"record {position} does not match its MAC: runs were removed, reordered or edited")
        seen = runs.get(run_id, IndexedRun())
        if event == OPENED:
            runs[run_id] = IndexedRun((int(entries), str(head_mac)), seen.sealed)
        else:
            runs[run_id] = IndexedRun(seen.opened, (*seen.sealed, (int(entries), str(head_mac))))
        prev = mac
    if head is None:
        if rows:
            return bad(None, "its signed head was removed")
        return IndexReport(True, 0, runs)
    size, head_mac, signature = head
    try:
        keys.public_key.verify(bytes.fromhex(str(signature)), _head_message(int(size), str(head_mac)))
    except (InvalidSignature, ValueError, TypeError):
        return bad(None, "its signed head does not verify (forged, or signed with another key)")
    if int(size) > len(rows):
        return bad(len(rows) + 1, f"it ends at record {len(rows)} but its signed head covers {size}: runs were cut off")
    if int(size) < len(rows) or (rows and rows[-1][5] != head_mac):
        return bad(int(size) + 1, f"records after {size} were added without the signing key")
    return IndexReport(True, len(rows), runs)
