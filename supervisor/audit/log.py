"""The tamper-evident audit log: one HMAC hash chain per run in SQLite, sealed with an Ed25519 signature.

Every entry is the canonical JSON of ``{run_id, seq, kind, at, data}`` (plus ``state``, the SHA-256 of the run
state the entry committed, when it committed one), and its MAC is ``HMAC-SHA256(hmac_key, prev_mac +
canonical)``; the first entry chains onto a genesis value derived from the run id. Changing, removing, inserting
or reordering an entry breaks the chain at that entry. Cutting off the tail does not, so a finished run is
sealed: a signature over its entry count and last MAC. The run's state row (its status and result) must be the
state the chain last committed, so rewriting a status is caught too (the state is kept as the text it was written
in, which need not be canonical: the chain commits the digest of those bytes). Every run's head also goes into a signed
log-level index (``supervisor.audit.index``), which catches whole runs deleted or reordered. Verification names
the first entry that cannot be trusted.

A run neither sealed nor live is *truncated*: its process stopped (or its end was deleted) before it finished.
Live means its owner wrote to it, or called ``heartbeat``, within ``LIVE_WITHIN_S``; the owner and the time of
its last heartbeat are kept in the run's state row, where a step journal can keep a long wait alive.

The format of entries and seals lives in ``supervisor.audit.chain``, checking a run in
``supervisor.audit.verification``, the run index in ``supervisor.audit.index``; recording a run's events in
``supervisor.audit.recorder``; reading one back in ``supervisor.audit.story``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from supervisor.audit import index
from supervisor.audit.chain import (
    RUNNING,
    TRUNCATED,
    Mac,
    canonical_json,
    entry_text,
    genesis,
    now_stamp,
    seal_message,
    state_digest,
)
from supervisor.audit.files import create_private_file, ensure_private_dir, refuse_if_writable_by_others
from supervisor.audit.keys import AuditKeys, default_key_dir
from supervisor.audit.verification import AuditReport, check_run, live
from supervisor.errors import (
    AuditFileError,
    AuditIntegrityError,
    AuditStorageError,
    ConfigError,
    RunError,
    UserError,
)
from supervisor.safe_text import LOG_TEXT_MAX_CHARS, has_surrogates, safe_data
from supervisor.storage_faults import storage_fault

if TYPE_CHECKING:
    from supervisor.config import AuditConfig
    from supervisor.journal.base import AuditRecord

HOME_ENV = "BATON_HOME"
DEFAULT_HOME = ".baton"
DEFAULT_LOG_FILE = "audit.sqlite3"
_APPEND_TRIES = 5
_WAL_PAGES = 4000
LIVE_WITHIN_S = 300.0
"""An unsealed run whose owner wrote nothing (no entry, no heartbeat) for this long is reported truncated."""
_HEARTBEAT_EVERY_S = 5.0
_OWNER = f"{socket.gethostname()}:{os.getpid()}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    mac TEXT NOT NULL,
    state_digest TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_state (
    run_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    heartbeat_at TEXT
);
CREATE TABLE IF NOT EXISTS seals (
    run_id TEXT PRIMARY KEY,
    entries INTEGER NOT NULL,
    head_mac TEXT NOT NULL,
    sealed_at TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""
# Columns added since the first release: an older log gains them when opened (their entries verify unchanged).
_ADDED_COLUMNS = {"entries": ("state_digest",), "run_state": ("owner", "heartbeat_at")}
_INSERT_ENTRY = "INSERT INTO entries (run_id, seq, kind, at, data, mac, state_digest) VALUES (?, ?, ?, ?, ?, ?, ?)"
_UPSERT_STATE = (
    "INSERT INTO run_state (run_id, status, updated_at, state, owner, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, "
    "state = excluded.state, owner = excluded.owner, heartbeat_at = excluded.heartbeat_at"
)
_HEARTBEAT = "UPDATE run_state SET owner = ?, heartbeat_at = ? WHERE run_id = ?"
_UPSERT_SEAL = (
    "INSERT INTO seals (run_id, entries, head_mac, sealed_at, signature) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id) DO UPDATE SET entries = excluded.entries, head_mac = excluded.head_mac, "
    "sealed_at = excluded.sealed_at, signature = excluded.signature"
)
_HEAD = "SELECT seq, mac FROM entries WHERE run_id = ? ORDER BY seq DESC LIMIT 1"
_ENTRIES = "SELECT seq, kind, at, data, mac, state_digest FROM entries WHERE run_id = ? ORDER BY seq"


def safe_json(data: Any) -> str:
    """``data``'s canonical JSON, every text value encodable and bounded (see ``supervisor.safe_text``)."""
    text = canonical_json(data)
    return text if is_safe_json(text) else canonical_json(safe_data(data))


_STATUS_FIRST = '{"status":'
_DECODER = json.JSONDecoder()


def state_status(state_json: str) -> str:
    """The status a state's JSON records. A finished run's state holds its whole result; the recorder writes the
    status first, so it is read from the head of the text without parsing the result."""
    if state_json.startswith(_STATUS_FIRST):
        status, _ = _DECODER.raw_decode(state_json, len(_STATUS_FIRST))
        if isinstance(status, str):
            return status
    return str(json.loads(state_json).get("status", RUNNING))


def is_safe_json(text: str) -> bool:
    """Whether JSON text is safe to store as it is: ``safe_json`` would not change it (one scan of the text)."""
    return len(text) <= LOG_TEXT_MAX_CHARS and not has_surrogates(text)


class PendingEntry(NamedTuple):
    """An entry made but not yet written: its kind, when it happened, and its data as canonical JSON (a tuple:
    several are made for every step, and a tuple is made for a fraction of a frozen dataclass's cost)."""

    kind: str
    at: str
    data_json: str


def pending_entry(kind: str, data: Any) -> PendingEntry:
    """An entry for ``append_batch``, stamped now, its data serialized now (later changes to it do not count)."""
    return PendingEntry(kind, now_stamp(), safe_json(data))


@dataclass(frozen=True, slots=True)
class RunBatch:
    """What one run appends in a transaction: entries, and the state and seal that go with the last of them."""

    entries: Sequence[PendingEntry]
    state: Mapping[str, Any] | None = None
    seal: bool = False
    state_json: str | None = None
    """``safe_json(state)``, when the caller has it already (then ``state`` need hold only the status)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of a run's chain."""

    seq: int
    kind: str
    at: str
    data: Any = field(repr=False)
    mac: str = field(repr=False)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.seq} {self.kind} at {self.at} mac={self.mac[:12]}>"


def baton_home(env: Mapping[str, str] | None = None) -> Path:
    """``$BATON_HOME``, else ``./.baton``."""
    env = os.environ if env is None else env
    return Path(env.get(HOME_ENV) or DEFAULT_HOME).expanduser()


def refuse_keys_beside_log(log_path: Path, key_dir: Path) -> None:
    """A key directory that is the log's directory, or inside it, is a ``ConfigError``: whoever can edit the log
    could then read the HMAC key and forge entries."""
    log_dir = log_path.expanduser().resolve().parent
    keys = key_dir.expanduser().resolve()
    if keys == log_dir or keys.is_relative_to(log_dir):
        raise ConfigError(
            "audit.key_dir",
            [
                f"the audit keys ({keys}) must not live in or below the audit log's directory ({log_dir}); "
                "set BATON_KEY_DIR or [audit] key_dir to a directory apart from the log"
            ],
        )


class AuditLog:
    """The audit log at ``path`` (SQLite, WAL), chained and sealed with ``keys``.

    Created 0600 in a 0700 directory. ``create=False`` opens an existing log only (a missing file is a
    ``UserError``). Safe to share between threads; several processes may append to one log.
    """

    def __init__(self, path: Path, keys: AuditKeys, *, create: bool = True) -> None:
        self.path = path = path.expanduser()
        self._keys = keys
        self._mac = Mac(keys.hmac_key)
        if keys.key_dir is not None:
            refuse_keys_beside_log(path, keys.key_dir)
        if path.is_dir():
            raise ConfigError("audit.path", [f"audit.path: {path} is a directory; name the log file inside it"])
        if create:
            try:
                ensure_private_dir(path.parent)
                create_private_file(path)
            except OSError as exc:
                raise ConfigError("audit.path", [f"cannot create the audit log {path}: {exc}"]) from None
        elif not path.is_file():
            raise UserError(f"no audit log at {path} (nothing was recorded yet, or [audit] path points elsewhere)")
        # SQLite creates -wal and -shm with the database's own mode; one planted with looser bits is refused.
        for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists():
                refuse_if_writable_by_others(companion)
        self._lock = threading.Lock()
        self._heads: dict[str, tuple[int, bytes]] = {}  # run id -> (last seq, last mac), as committed
        self._beats: dict[str, float] = {}  # run id -> when this process last wrote its heartbeat
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            # A checkpoint fsyncs; at SQLite's default (every 1000 pages) that doubled the cost of an append.
            # Runs are checkpointed when sealed instead, and the WAL is bounded at about 16 MB meanwhile.
            self._db.execute(f"PRAGMA wal_autocheckpoint = {_WAL_PAGES}")
            self._db.executescript(_SCHEMA + index.SCHEMA)
            self._add_missing_columns()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise _file_fault(path, exc) from None

    def _add_missing_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")

    def __repr__(self) -> str:
        return f"<AuditLog {self.path}>"

    # -- writing ---------------------------------------------------------------------------------------

    def append(
        self,
        run_id: str,
        kind: str,
        data: Any,
        *,
        state: Mapping[str, Any] | None = None,
        seal: bool = False,
    ) -> int:
        """Append one entry to ``run_id``'s chain and return its seq (1, 2, ...).

        ``state`` (a JSON object; its ``status`` key names the run's status) replaces the run's state row in
        the same transaction, so the entry and the state change it records are committed together or not at
        all. ``seal=True`` seals the run in that transaction too.
        """
        return self.append_batch(run_id, [pending_entry(kind, data)], state=state, seal=seal)

    def append_batch(
        self,
        run_id: str,
        entries: Sequence[PendingEntry],
        *,
        state: Mapping[str, Any] | None = None,
        seal: bool = False,
        sync: bool = True,
    ) -> int:
        """Append ``entries`` (from ``pending_entry``) to ``run_id``'s chain in one transaction; the last seq.

        One commit for several entries is what makes recording cheap; ``state`` and ``seal`` go with the last
        entry, as in ``append``. A sealing commit is synced to disk unless ``sync=False``: then the caller
        calls ``sync()`` later, once for many runs (group commit).
        """
        if not entries:
            raise UserError("append_batch needs at least one entry")
        return self.append_runs({run_id: RunBatch(entries, state, seal)}, sync=sync)[run_id]

    def append_runs(self, batches: Mapping[str, RunBatch], *, sync: bool = True) -> dict[str, int]:
        """Append each run's entries to its own chain, every run in one transaction; each run's last seq.

        Each batch's ``state`` and ``seal`` go with its last entry, as in ``append_batch`` (and, as there, a
        sealing commit is synced unless ``sync=False``). What concurrent runs recorded meanwhile costs one commit,
        and one signature of the run index, for all of them rather than one each.
        """
        batches = {run_id: batch for run_id, batch in batches.items() if batch.entries}
        if not batches:
            return {}
        states: dict[str, tuple[str, tuple[Any, ...]]] = {}  # run id -> (state digest, state row)
        for run_id, batch in batches.items():
            if batch.state is not None:
                state_json = safe_json(dict(batch.state)) if batch.state_json is None else batch.state_json
                at = batch.entries[-1].at
                status = str(batch.state.get("status", RUNNING))
                states[run_id] = (state_digest(state_json), (run_id, status, at, state_json, _OWNER, at))
        durable = sync and any(batch.seal for batch in batches.values())
        with self._lock:
            for attempt in range(_APPEND_TRIES):
                chained = {
                    run_id: self._chained(run_id, batch.entries, states[run_id][0] if run_id in states else None)
                    for run_id, batch in batches.items()
                }
                try:
                    with _synced(self._db, durable), _transaction(self._db):
                        try:
                            self._db.executemany(_INSERT_ENTRY, [r for _, rows, _ in chained.values() for r in rows])
                        except sqlite3.IntegrityError:
                            raise _SeqTakenError from None
                        indexed: list[index.Record] = []
                        for run_id, (first, rows, mac) in chained.items():
                            seq, at = first + len(rows), str(rows[-1][3])
                            if run_id in states:
                                self._db.execute(_UPSERT_STATE, states[run_id][1])
                                self._beats[run_id] = time.monotonic()
                            else:
                                self._beat(run_id, at)
                            if first == 0:  # the index records the chain's first entry
                                indexed.append(index.Record(run_id, index.OPENED, 1, str(rows[0][5])))
                            if batches[run_id].seal:
                                indexed.append(self._write_seal(run_id, seq, mac.hex(), at))
                        if indexed:
                            index.record_all(self._db, self._keys, indexed)
                except sqlite3.OperationalError as exc:
                    if storage_fault(self.path, exc) is None:
                        raise
                    raise _file_fault(self.path, exc) from None  # a full, read-only or held file, in words
                except _SeqTakenError:
                    # Another process appended to one of these runs since we read its head: chain onto the new head.
                    for run_id in batches:
                        self._heads.pop(run_id, None)
                    if attempt == _APPEND_TRIES - 1:
                        raise RunError(
                            f"could not append to the audit log of run {', '.join(batches)}: other writers kept ahead"
                        ) from None
                    continue
                seqs: dict[str, int] = {}
                for run_id, (first, rows, mac) in chained.items():
                    seqs[run_id] = first + len(rows)
                    if batches[run_id].seal:
                        self._heads.pop(run_id, None)  # a finished run's head is read again only if it resumes
                        self._beats.pop(run_id, None)
                    else:
                        self._heads[run_id] = (seqs[run_id], mac)
                return seqs
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _chained(
        self, run_id: str, entries: Sequence[PendingEntry], digest: str | None
    ) -> tuple[int, list[tuple[Any, ...]], bytes]:
        """(the seq before them, the rows of ``entries`` chained onto the run's head, the last MAC); ``digest``
        is the state digest the last entry commits."""
        first, mac = self._head(run_id)
        rows: list[tuple[Any, ...]] = []
        for seq, entry in enumerate(entries, start=first + 1):
            last_digest = digest if seq == first + len(entries) else None
            text = entry_text(run_id, seq, entry.kind, entry.at, entry.data_json, state_digest=last_digest)
            mac = self._mac(mac + text.encode())
            rows.append((run_id, seq, entry.kind, entry.at, entry.data_json, mac.hex(), last_digest))
        return first, rows, mac

    def append_at(self, run_id: str, first_seq: int, records: Sequence[AuditRecord]) -> bool:
        """Append ``records`` (entries a journal committed, numbered from ``first_seq``) in one transaction.

        Entries already in the log are skipped, so bringing the log level twice appends nothing twice; each
        record's state and seal are written as ``append_batch`` writes them. False, appending nothing, when the
        log lacks entries before ``first_seq`` (the caller brings it level from the journal first).
        """
        with self._lock:
            for _ in range(_APPEND_TRIES):
                head, mac = self._head(run_id)
                skip = head - first_seq + 1
                if skip < 0:
                    if run_id in self._heads:  # this process's idea of the head may lag another's appends
                        self._heads.pop(run_id)
                        continue
                    return False
                todo = records[skip:]
                if not todo:
                    return True
                rows, state_row, seal = [], None, None
                for seq, record in enumerate(todo, start=head + 1):
                    digest = state_digest(record.state_json) if record.state_json is not None else None
                    text = entry_text(run_id, seq, record.kind, record.at, record.data_json, state_digest=digest)
                    mac = self._mac(mac + text.encode())
                    rows.append((run_id, seq, record.kind, record.at, record.data_json, mac.hex(), digest))
                    if record.state_json is not None:
                        status = state_status(record.state_json)
                        state_row = (run_id, status, record.at, record.state_json, _OWNER, record.at)
                    # A seal followed by more entries (a resumed run) is replaced by the run's next seal.
                    seal = (seq, mac.hex(), record.at) if record.seal else None
                last = head + len(todo)
                try:
                    with _transaction(self._db):
                        try:
                            self._db.executemany(_INSERT_ENTRY, rows)
                        except sqlite3.IntegrityError:
                            raise _SeqTakenError from None
                        if state_row is not None:
                            self._db.execute(_UPSERT_STATE, state_row)
                            self._beats[run_id] = time.monotonic()
                        else:
                            self._beat(run_id, todo[-1].at)
                        if head == 0:
                            opened = str(rows[0][5])  # the index records the chain's first entry
                            index.record(self._db, self._keys, run_id, index.OPENED, entries=1, head_mac=opened)
                        if seal is not None:
                            index.record_all(self._db, self._keys, [self._write_seal(run_id, *seal)])
                except sqlite3.OperationalError as exc:
                    if storage_fault(self.path, exc) is None:
                        raise
                    raise _file_fault(self.path, exc) from None  # a full, read-only or held file, in words
                except _SeqTakenError:
                    self._heads.pop(run_id, None)  # another process levelled it meanwhile: read its head again
                    continue
                self._heads[run_id] = (last, mac)
                return True
        raise RunError(f"could not bring the audit log of run {run_id} level: other writers kept ahead")

    def may_level(self, run_id: str) -> bool:
        """Whether the run's entries may be completed from a journal: only when the log itself says nothing
        more was ever in it (no seal, and no index record, counting more entries than it holds). Entries cut
        from a run stay a finding for ``verify``; they are never written back."""
        query = (
            "SELECT MAX(n) FROM (SELECT entries AS n FROM seals WHERE run_id = ?1 "
            "UNION ALL SELECT entries AS n FROM run_index WHERE run_id = ?1)"
        )
        with self._reading() as db:
            (claimed,) = db.execute(query, (run_id,)).fetchone()
            head = db.execute(_HEAD, (run_id,)).fetchone()
        return claimed is None or int(claimed) <= (int(head[0]) if head is not None else 0)

    def head_seq(self, run_id: str) -> int:
        """The seq of the run's last entry (0 when it has none), as the file holds it now."""
        with self._reading() as db:
            row = db.execute(_HEAD, (run_id,)).fetchone()
        return int(row[0]) if row is not None else 0

    def sync(self) -> None:
        """Make every commit so far durable: one fsync of the write-ahead log, however many commits it holds.

        It touches no connection (a file descriptor of its own), so it may run in a worker thread.
        """
        try:
            fd = os.open(f"{self.path}-wal", os.O_RDONLY)
        except FileNotFoundError:
            return  # no write-ahead log: every commit is in the database file, synced by its checkpoint
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def seal(self, run_id: str) -> None:
        """Sign the run's entry count and last MAC; sealing again after more entries replaces the seal."""
        with self._lock:
            row = self._db.execute(_HEAD, (run_id,)).fetchone()
            if row is None:
                raise UserError(f"run {run_id} has no audit entries to seal")
            with _transaction(self._db):
                index.record_all(
                    self._db, self._keys, [self._write_seal(run_id, int(row[0]), str(row[1]), now_stamp())]
                )
            self._checkpoint()

    def _checkpoint(self) -> None:
        # A sealed run goes from the WAL into the database file (fsynced), off the per-entry path; PASSIVE
        # never waits for readers, and a busy log is simply checkpointed later.
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _write_seal(self, run_id: str, entries: int, head_mac: str, at: str) -> index.Record:
        """Write the run's seal; the index record it needs is the caller's to add (one index signature for all)."""
        signature = self._keys.signing_key.sign(seal_message(run_id, entries, head_mac)).hex()
        self._db.execute(_UPSERT_SEAL, (run_id, entries, head_mac, at, signature))
        return index.Record(run_id, index.SEALED, entries, head_mac)

    def _beat(self, run_id: str, at: str) -> None:
        # Written at most every few seconds per run: liveness needs minutes of resolution, not every entry.
        now = time.monotonic()
        if now - self._beats.get(run_id, -_HEARTBEAT_EVERY_S) >= _HEARTBEAT_EVERY_S:
            self._db.execute(_HEARTBEAT, (_OWNER, at, run_id))
            self._beats[run_id] = now

    def heartbeat(self, run_id: str) -> None:
        """Mark ``run_id`` live now (its owner is still working on it, e.g. waiting for a person)."""
        with self._lock:
            self._db.execute(_HEARTBEAT, (_OWNER, now_stamp(), run_id))
            self._beats[run_id] = time.monotonic()

    def _head(self, run_id: str) -> tuple[int, bytes]:
        cached = self._heads.get(run_id)
        if cached is not None:
            return cached
        row = self._db.execute(_HEAD, (run_id,)).fetchone()
        if row is None:
            return 0, genesis(run_id)
        try:
            return int(row[0]), bytes.fromhex(row[1])
        except (TypeError, ValueError):
            raise AuditIntegrityError(run_id, int(row[0]), "the last entry's MAC is damaged; cannot append") from None

    # -- reading ---------------------------------------------------------------------------------------

    @contextmanager
    def _reading(self, *, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection under the lock (in one read transaction with ``snapshot``); a damaged file is an
        ``AuditFileError`` naming what SQLite found, never a traceback."""
        try:
            with self._lock:
                if not snapshot:
                    yield self._db
                    return
                with _transaction(self._db):  # one snapshot: a writer cannot slip in between the reads
                    yield self._db
        except sqlite3.DatabaseError as exc:
            raise _file_fault(self.path, exc) from None

    def has_run(self, run_id: str) -> bool:
        """Whether anything (an entry, a state row, a seal, an index record) was recorded for ``run_id``."""
        query = (
            "SELECT 1 FROM entries WHERE run_id = ?1 UNION ALL SELECT 1 FROM run_state WHERE run_id = ?1 "
            "UNION ALL SELECT 1 FROM seals WHERE run_id = ?1 UNION ALL SELECT 1 FROM run_index WHERE run_id = ?1 "
            "LIMIT 1"
        )
        with self._reading() as db:
            return db.execute(query, (run_id,)).fetchone() is not None

    def entries(self, run_id: str) -> list[AuditEntry]:
        """The run's entries in order; data that is no longer valid JSON is given as its stored text."""
        with self._reading() as db:
            rows = db.execute(_ENTRIES, (run_id,)).fetchall()
        return [AuditEntry(seq, str(kind), str(at), _loads_or_text(data), mac) for seq, kind, at, data, mac, _ in rows]

    def runs(self, *, live_within_s: float = LIVE_WITHIN_S) -> list[tuple[str, str, int]]:
        """Every run in the log as (run id, status, entries), oldest first; status is "" without a state row.

        An unsealed ``running`` run whose owner has not written for ``live_within_s`` is listed ``truncated``.
        """
        query = """
            SELECT r.run_id, COALESCE(s.status, ''), COUNT(e.seq), s.heartbeat_at, s.updated_at
            FROM (SELECT run_id FROM entries UNION SELECT run_id FROM run_state) AS r
            LEFT JOIN run_state AS s ON s.run_id = r.run_id
            LEFT JOIN entries AS e ON e.run_id = r.run_id
            GROUP BY r.run_id
            ORDER BY COALESCE(MIN(e.at), s.updated_at), r.run_id
        """
        with self._reading() as db:
            rows = db.execute(query).fetchall()
        listed = []
        for run, status, count, beat, updated in rows:
            cut_off = status == RUNNING and not live(beat or updated, live_within_s)
            listed.append((str(run), TRUNCATED if cut_off else str(status), int(count)))
        return listed

    def check_file(self) -> list[str]:
        """SQLite's own check of the file's pages: an empty list when the file is whole."""
        with self._reading() as db:
            found = [str(row[0]) for row in db.execute("PRAGMA quick_check").fetchall()]
        return [] if found == ["ok"] else found

    def verify_index(self) -> index.IndexReport:
        """Check the log-level index: its chain, its signed head, and that every indexed run is still there."""
        with self._reading(snapshot=True) as db:
            rows, head = index.read_records(db)
            present = {str(r[0]) for r in db.execute("SELECT DISTINCT run_id FROM entries")}
            sealed = {str(r[0]) for r in db.execute("SELECT run_id FROM seals")}
        report = index.check(self._keys, rows, head)
        if not report.ok:
            return report
        gone = sorted(set(report.runs) - present)
        if gone:
            return index.IndexReport(
                False,
                report.size,
                report.runs,
                None,
                f"run(s) {', '.join(gone[:5])} are in the signed index but their entries were deleted",
            )
        unindexed = sorted((present | sealed) - set(report.runs))
        if unindexed:
            return index.IndexReport(
                False,
                report.size,
                report.runs,
                None,
                f"run(s) {', '.join(unindexed[:5])} are not in the signed "
                "index: inserted from another log, or the index was cut",
            )
        return report

    def verify_all(self, *, live_within_s: float = LIVE_WITHIN_S) -> list[AuditReport]:
        """Check the file's pages, the index and every run in it; the first report is the log's own."""
        problems = self.check_file()
        if problems:
            return [AuditReport("", False, 0, False, None, f"the file is damaged: {'; '.join(problems[:3])}")]
        whole = self.verify_index()
        reports = [AuditReport("", whole.ok, whole.size, whole.ok, whole.first_bad, whole.problem)]
        runs = sorted(set(whole.runs) | {run for run, _, _ in self.runs()})
        # A broken index is reported once, above; each run is then checked against its own records in it.
        indexed = whole.runs if whole.ok else None
        return reports + [self.verify(run, live_within_s=live_within_s, indexed=indexed) for run in runs]

    def verify(
        self,
        run_id: str,
        *,
        live_within_s: float = LIVE_WITHIN_S,
        indexed: Mapping[str, index.IndexedRun] | None = None,
    ) -> AuditReport:
        """Check the run's chain, state, seal and index records; the report names the first entry that cannot be
        trusted. ``indexed`` (from ``verify_index``) spares reading the index again."""
        with self._reading(snapshot=True) as db:
            rows = db.execute(_ENTRIES, (run_id,)).fetchall()
            state_row = db.execute(
                "SELECT status, state, heartbeat_at, updated_at FROM run_state WHERE run_id = ?", (run_id,)
            ).fetchone()
            seal = db.execute("SELECT entries, head_mac, signature FROM seals WHERE run_id = ?", (run_id,)).fetchone()
            if indexed is None:
                indexed = index.records_of(db, run_id)
        return check_run(
            self._keys,
            run_id,
            rows,
            state_row=state_row,
            seal=seal,
            listed=indexed.get(run_id),
            live_within_s=live_within_s,
            where=str(self.path),
        )

    def verify_or_raise(self, run_id: str) -> AuditReport:
        """``verify``, raising ``AuditIntegrityError`` (naming the first bad entry) when the run does not verify."""
        report = self.verify(run_id)
        if not report.ok:
            raise AuditIntegrityError(run_id, report.first_bad, report.problem)
        return report

    # -- lifetime --------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_STORAGE_PROBLEMS = {
    "full": "the disk holding it is full",
    "read-only": "it or its folder refuses writes",
    "locked": "another process holds it and did not let go within the busy timeout",
}


def _file_fault(path: Path, exc: BaseException) -> AuditFileError | AuditStorageError:
    """A file that cannot be written (full, read-only, locked) is told apart from one that is damaged: the first
    is fixed outside the run and loses nothing, the second cannot be trusted."""
    kind = storage_fault(path, exc)
    if kind is not None:
        return AuditStorageError(str(path), _STORAGE_PROBLEMS[kind])
    return AuditFileError(str(path), str(exc))


class _SeqTakenError(Exception):
    """The entry's seq was taken by another writer between reading the head and inserting."""


@contextmanager
def _synced(db: sqlite3.Connection, durable: bool) -> Iterator[None]:
    """With ``durable``, the transaction's commit syncs the WAL to disk (``synchronous = FULL``).

    Entries ride on ``synchronous = NORMAL`` (no sync per commit); the commit that seals a run is synced, so a
    finished run survives a power loss. One WAL sync costs far less than the checkpoint that did this before.
    """
    if not durable:
        yield
        return
    db.execute("PRAGMA synchronous = FULL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous = NORMAL")


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` on any exception (the connection is in autocommit mode)."""
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _loads_or_text(raw: Any) -> Any:
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def open_audit_log(
    config: AuditConfig, *, create: bool = True, env: Mapping[str, str] | None = None
) -> AuditLog | None:
    """The log ``config`` describes, or None when ``enabled`` is false.

    Path: ``config.path``, else ``$BATON_HOME/audit.sqlite3``; keys: ``config.key_dir``, else
    ``$BATON_KEY_DIR``, else ``~/.config/baton/keys``. With ``create=False`` neither the log nor the keys are
    made: reading a log needs the keys it was written with.
    """
    if not config.enabled:
        return None
    path = Path(config.path).expanduser() if config.path else baton_home(env) / DEFAULT_LOG_FILE
    if path.is_dir():
        raise ConfigError("audit.path", [f"audit.path: {path} is a directory; name the log file inside it"])
    key_dir = Path(config.key_dir).expanduser() if config.key_dir else default_key_dir(env)
    refuse_keys_beside_log(path, key_dir)  # before any key is written into the wrong place
    if create:
        return AuditLog(path, AuditKeys.load_or_create(key_dir))
    if not path.is_file():
        raise UserError(f"no audit log at {path} (nothing was recorded yet, or [audit] path points elsewhere)")
    return AuditLog(path, AuditKeys.load(key_dir), create=False)
