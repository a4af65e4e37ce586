"""The tamper-evident audit log: one HMAC hash chain per run in SQLite, sealed with an Ed25519 signature.

Every entry is the canonical JSON of ``{run_id, seq, kind, at, data}``, and its MAC is
``HMAC-SHA256(hmac_key, prev_mac + canonical)``; the first entry chains onto a genesis value derived from the
run id. Changing, removing, inserting or reordering an entry breaks the chain at that entry. Cutting off the
tail does not, so a finished run is sealed: a signature over its entry count and last MAC. Verification names
the first entry that cannot be trusted.

Recording a run's events lives in ``supervisor.audit.recorder``; reading one back in ``supervisor.audit.story``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature

from supervisor.audit.files import create_private_file, ensure_private_dir, refuse_if_writable_by_others
from supervisor.audit.keys import AuditKeys, default_key_dir
from supervisor.errors import AuditIntegrityError, ConfigError, RunError, UserError

if TYPE_CHECKING:
    from supervisor.config import AuditConfig

HOME_ENV = "BATON_HOME"
DEFAULT_HOME = ".baton"
DEFAULT_LOG_FILE = "audit.sqlite3"
RUNNING = "running"
_GENESIS_LABEL = b"baton-audit-genesis\x00"
_SEAL_LABEL = "baton-audit-seal"
_APPEND_TRIES = 5
_WAL_PAGES = 4000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    mac TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_state (
    run_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seals (
    run_id TEXT PRIMARY KEY,
    entries INTEGER NOT NULL,
    head_mac TEXT NOT NULL,
    sealed_at TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""
_INSERT_ENTRY = "INSERT INTO entries (run_id, seq, kind, at, data, mac) VALUES (?, ?, ?, ?, ?, ?)"
_UPSERT_STATE = (
    "INSERT INTO run_state (run_id, status, updated_at, state) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, "
    "state = excluded.state"
)
_UPSERT_SEAL = (
    "INSERT INTO seals (run_id, entries, head_mac, sealed_at, signature) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id) DO UPDATE SET entries = excluded.entries, head_mac = excluded.head_mac, "
    "sealed_at = excluded.sealed_at, signature = excluded.signature"
)
_HEAD = "SELECT seq, mac FROM entries WHERE run_id = ? ORDER BY seq DESC LIMIT 1"
_ENTRIES = "SELECT seq, kind, at, data, mac FROM entries WHERE run_id = ? ORDER BY seq"


def canonical_json(value: Any) -> str:
    """The one JSON form entries are written and checked in: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _entry_text(run_id: str, seq: int, kind: str, at: str, data_json: str) -> str:
    # Exactly canonical_json({"at", "data", "kind", "run_id", "seq"}) (keys in sorted order), assembled around
    # the data's canonical text so the data is serialized once per append, not twice.
    dump = canonical_json
    return f'{{"at":{dump(at)},"data":{data_json},"kind":{dump(kind)},"run_id":{dump(run_id)},"seq":{seq}}}'


def _genesis(run_id: str) -> bytes:
    return hashlib.sha256(_GENESIS_LABEL + run_id.encode()).digest()


def _seal_message(run_id: str, entries: int, head_mac: str) -> bytes:
    return canonical_json({"kind": _SEAL_LABEL, "run_id": run_id, "entries": entries, "head_mac": head_mac}).encode()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


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


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of verifying one run: ``first_bad`` is the first entry that cannot be trusted."""

    run_id: str
    ok: bool
    entries: int
    sealed: bool
    first_bad: int | None = None
    problem: str = ""

    def __repr__(self) -> str:
        if self.ok:
            return (
                f"<AuditReport {self.run_id} ok: {self.entries} entries, {'sealed' if self.sealed else 'not sealed'}>"
            )
        return f"<AuditReport {self.run_id} BAD at entry {self.first_bad}: {self.problem}>"


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
        if keys.key_dir is not None:
            refuse_keys_beside_log(path, keys.key_dir)
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
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            # A checkpoint fsyncs; at SQLite's default (every 1000 pages) that doubled the cost of an append.
            # Runs are checkpointed when sealed instead, and the WAL is bounded at about 16 MB meanwhile.
            self._db.execute(f"PRAGMA wal_autocheckpoint = {_WAL_PAGES}")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise UserError(f"cannot open the audit log {path}: {exc}") from None

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
        data_json = canonical_json(data)
        state_row = None
        at = _now()
        if state is not None:
            state_row = (run_id, str(state.get("status", RUNNING)), at, canonical_json(dict(state)))
        with self._lock:
            for attempt in range(_APPEND_TRIES):
                last, prev = self._head(run_id)
                seq = last + 1
                text = _entry_text(run_id, seq, kind, at, data_json)
                mac = hmac.new(self._keys.hmac_key, prev + text.encode(), hashlib.sha256).digest()
                try:
                    with _synced(self._db, seal), _transaction(self._db):
                        try:
                            self._db.execute(_INSERT_ENTRY, (run_id, seq, kind, at, data_json, mac.hex()))
                        except sqlite3.IntegrityError:
                            raise _SeqTakenError from None
                        if state_row is not None:
                            self._db.execute(_UPSERT_STATE, state_row)
                        if seal:
                            self._write_seal(run_id, seq, mac.hex(), at)
                except _SeqTakenError:
                    # Another process appended to this run since we read its head: chain onto the new head.
                    self._heads.pop(run_id, None)
                    if attempt == _APPEND_TRIES - 1:
                        raise RunError(
                            f"could not append to the audit log of run {run_id}: other writers kept ahead"
                        ) from None
                    continue
                if seal:
                    self._heads.pop(run_id, None)  # a finished run's head is read again only if it resumes
                else:
                    self._heads[run_id] = (seq, mac)
                return seq
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def seal(self, run_id: str) -> None:
        """Sign the run's entry count and last MAC; sealing again after more entries replaces the seal."""
        with self._lock:
            row = self._db.execute(_HEAD, (run_id,)).fetchone()
            if row is None:
                raise UserError(f"run {run_id} has no audit entries to seal")
            with _transaction(self._db):
                self._write_seal(run_id, int(row[0]), str(row[1]), _now())
            self._checkpoint()

    def _checkpoint(self) -> None:
        # A sealed run goes from the WAL into the database file (fsynced), off the per-entry path; PASSIVE
        # never waits for readers, and a busy log is simply checkpointed later.
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _write_seal(self, run_id: str, entries: int, head_mac: str, at: str) -> None:
        signature = self._keys.signing_key.sign(_seal_message(run_id, entries, head_mac)).hex()
        self._db.execute(_UPSERT_SEAL, (run_id, entries, head_mac, at, signature))

    def _head(self, run_id: str) -> tuple[int, bytes]:
        cached = self._heads.get(run_id)
        if cached is not None:
            return cached
        row = self._db.execute(_HEAD, (run_id,)).fetchone()
        if row is None:
            return 0, _genesis(run_id)
        try:
            return int(row[0]), bytes.fromhex(row[1])
        except (TypeError, ValueError):
            raise AuditIntegrityError(run_id, int(row[0]), "the last entry's MAC is damaged; cannot append") from None

    # -- reading ---------------------------------------------------------------------------------------

    def has_run(self, run_id: str) -> bool:
        """Whether anything (an entry, a state row, a seal) was recorded for ``run_id``."""
        query = (
            "SELECT 1 FROM entries WHERE run_id = ?1 UNION ALL SELECT 1 FROM run_state WHERE run_id = ?1 "
            "UNION ALL SELECT 1 FROM seals WHERE run_id = ?1 LIMIT 1"
        )
        with self._lock:
            return self._db.execute(query, (run_id,)).fetchone() is not None

    def entries(self, run_id: str) -> list[AuditEntry]:
        """The run's entries in order; data that is no longer valid JSON is given as its stored text."""
        with self._lock:
            rows = self._db.execute(_ENTRIES, (run_id,)).fetchall()
        return [AuditEntry(seq, kind, at, _loads_or_text(data), mac) for seq, kind, at, data, mac in rows]

    def runs(self) -> list[tuple[str, str, int]]:
        """Every run in the log as (run id, status, entries), oldest first; status is "" without a state row."""
        query = """
            SELECT r.run_id, COALESCE(s.status, ''), COUNT(e.seq)
            FROM (SELECT run_id FROM entries UNION SELECT run_id FROM run_state) AS r
            LEFT JOIN run_state AS s ON s.run_id = r.run_id
            LEFT JOIN entries AS e ON e.run_id = r.run_id
            GROUP BY r.run_id
            ORDER BY COALESCE(MIN(e.at), s.updated_at), r.run_id
        """
        with self._lock:
            rows = self._db.execute(query).fetchall()
        return [(str(run), str(status), int(count)) for run, status, count in rows]

    def verify(self, run_id: str) -> AuditReport:
        """Check the run's chain and seal; the report names the first entry that cannot be trusted."""
        with self._lock, _transaction(self._db):  # one snapshot: a writer cannot slip in between the reads
            rows = self._db.execute(_ENTRIES, (run_id,)).fetchall()
            status_row = self._db.execute("SELECT status FROM run_state WHERE run_id = ?", (run_id,)).fetchone()
            seal = self._db.execute(
                "SELECT entries, head_mac, signature FROM seals WHERE run_id = ?", (run_id,)
            ).fetchone()
        count = len(rows)

        def bad(first_bad: int | None, problem: str) -> AuditReport:
            return AuditReport(run_id, False, count, seal is not None, first_bad, problem)

        if not rows and status_row is None and seal is None:
            return bad(None, f"no run {run_id} in the audit log at {self.path}")
        prev = _genesis(run_id)
        for position, row in enumerate(rows, start=1):
            problem, mac = self._check_entry(run_id, position, row, prev)
            if problem:
                return bad(position, problem)
            prev = mac
        status = str(status_row[0]) if status_row is not None else None
        if seal is None:
            if not rows:
                return bad(1, "the run has a state row but no entries: they were removed")
            if status is not None and status != RUNNING:
                return bad(
                    count + 1, f"the run ended ({status}) but is not sealed: its seal was removed or its tail cut off"
                )
            return AuditReport(run_id, True, count, False)
        return self._check_seal(run_id, rows, status, seal, bad)

    def _check_entry(self, run_id: str, position: int, row: tuple[Any, ...], prev: bytes) -> tuple[str, bytes]:
        seq, kind, at, data_json, mac_hex = row
        if seq != position:
            if isinstance(seq, int) and seq > position:
                return f"entry {position} is missing (the next one is numbered {seq})", b""
            return f"entry {position} is out of place (numbered {seq!r})", b""
        if not all(isinstance(value, str) for value in (kind, at, data_json, mac_hex)):
            return f"entry {position} has a field of the wrong type", b""
        try:
            data = json.loads(data_json)
            mac = bytes.fromhex(mac_hex)
        except ValueError:
            return f"entry {position} was edited: its data or MAC no longer parses", b""
        if canonical_json(data) != data_json:
            return f"entry {position} was edited: its data is not in the form it was written in", b""
        text = _entry_text(run_id, seq, kind, at, data_json)
        expected = hmac.new(self._keys.hmac_key, prev + text.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, mac):
            return (
                f"entry {position} does not match its MAC: it was edited, an entry before it was removed, inserted "
                "or moved, or the chain was rewritten without the key",
                b"",
            )
        return "", mac

    def _check_seal(
        self,
        run_id: str,
        rows: list[tuple[Any, ...]],
        status: str | None,
        seal: tuple[Any, ...],
        bad: Callable[[int | None, str], AuditReport],
    ) -> AuditReport:
        count = len(rows)
        sealed_count, head_mac, signature = seal
        try:
            self._keys.public_key.verify(bytes.fromhex(signature), _seal_message(run_id, sealed_count, head_mac))
        except (InvalidSignature, ValueError, TypeError):
            return bad(
                count + 1,
                "the seal's signature does not verify (forged, or signed with another key): the end of the log "
                f"cannot be trusted; entries after {count} may have been cut off",
            )
        if sealed_count > count:
            return bad(
                count + 1, f"the log ends at entry {count} but its seal covers {sealed_count}: the tail was cut off"
            )
        if rows[sealed_count - 1][4] != head_mac:
            return bad(1, f"entry {sealed_count} is not the entry the seal signed: the chain was rewritten")
        if sealed_count < count:
            if status == RUNNING:
                return AuditReport(run_id, True, count, False)  # resumed; it is sealed again when it ends
            return bad(sealed_count + 1, f"entries {sealed_count + 1} to {count} were added after the run was sealed")
        return AuditReport(run_id, True, count, True)

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
    key_dir = Path(config.key_dir).expanduser() if config.key_dir else default_key_dir(env)
    refuse_keys_beside_log(path, key_dir)  # before any key is written into the wrong place
    if create:
        return AuditLog(path, AuditKeys.load_or_create(key_dir))
    if not path.is_file():
        raise UserError(f"no audit log at {path} (nothing was recorded yet, or [audit] path points elsewhere)")
    return AuditLog(path, AuditKeys.load(key_dir), create=False)
