"""Checking one run of the audit log: its chain, its state row, its seal, its records in the signed run index, and
whether a run that is not sealed is still live.

The report names the first entry that cannot be trusted. ``supervisor.audit.log`` reads the rows; nothing here
touches the database.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from supervisor.audit import index
from supervisor.audit.chain import RUNNING, Mac, canonical_json, entry_text, genesis, seal_message, state_digest
from supervisor.audit.keys import AuditKeys


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of verifying one run: ``first_bad`` is the first entry that cannot be trusted."""

    run_id: str
    ok: bool
    entries: int
    sealed: bool
    first_bad: int | None = None
    problem: str = ""
    truncated: bool = False
    """Neither sealed nor live: the run was cut off (its process stopped, or its end was deleted)."""

    def __repr__(self) -> str:
        if self.ok:
            return f"<AuditReport {self.run_id} ok: {self.entries} entries, {'sealed' if self.sealed else 'live'}>"
        return f"<AuditReport {self.run_id} BAD at entry {self.first_bad}: {self.problem}>"


def check_run(
    keys: AuditKeys,
    run_id: str,
    rows: list[tuple[Any, ...]],
    *,
    state_row: tuple[Any, ...] | None,
    seal: tuple[Any, ...] | None,
    listed: index.IndexedRun | None,
    live_within_s: float,
    where: str,
) -> AuditReport:
    """Check one run from its rows: entries (seq, kind, at, data, mac, state digest), its state row (status,
    state, heartbeat, updated), its seal (entries, head MAC, signature) and what the run index recorded of it."""
    count = len(rows)

    def bad(first_bad: int | None, problem: str) -> AuditReport:
        return AuditReport(run_id, False, count, seal is not None, first_bad, problem)

    if not rows and state_row is None and seal is None:
        if listed is not None:
            return bad(None, f"run {run_id} is in the signed index but its entries were deleted")
        return bad(None, f"no run {run_id} in the audit log at {where}")
    prev, digest, mac_of = genesis(run_id), None, Mac(keys.hmac_key)
    for position, row in enumerate(rows, start=1):
        problem, mac = _check_entry(mac_of, run_id, position, row, prev)
        if problem:
            return bad(position, problem)
        prev, digest = mac, row[5] if row[5] is not None else digest
    status = str(state_row[0]) if state_row is not None else None
    if seal is None:
        if not rows:
            return bad(1, "the run has a state row but no entries: they were removed")
        if status is not None and status != RUNNING:
            return bad(
                count + 1, f"the run ended ({status}) but is not sealed: its seal was removed or its tail cut off"
            )
    else:
        sealed = _check_seal(keys, run_id, rows, status=status, seal=seal, bad=bad)
        if not sealed.ok:
            return sealed
    problem = _state_problem(state_row, digest) or _index_problem(run_id, listed, rows, seal)
    if problem:
        return bad(None, problem)
    if seal is None or seal[0] < count:  # never sealed, or resumed since: it must be live
        return _unsealed(run_id, count, state_row, live_within_s)
    return AuditReport(run_id, True, count, True)


def _unsealed(run_id: str, count: int, state_row: tuple[Any, ...] | None, live_within_s: float) -> AuditReport:
    beat = (state_row[2] or state_row[3]) if state_row is not None else None
    if live(beat, live_within_s):
        return AuditReport(run_id, True, count, False)
    return AuditReport(
        run_id,
        False,
        count,
        False,
        count + 1,
        f"the run is truncated: it was never sealed and nothing was written to it since {beat or 'it began'} "
        "(its process stopped, or its end was deleted)",
        truncated=True,
    )


def _check_entry(mac_of: Mac, run_id: str, position: int, row: tuple[Any, ...], prev: bytes) -> tuple[str, bytes]:
    seq, kind, at, data_json, mac_hex, digest = row
    if digest is not None and not isinstance(digest, str):
        return f"entry {position} has a field of the wrong type", b""
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
    text = entry_text(run_id, seq, kind, at, data_json, state_digest=digest)
    expected = mac_of(prev + text.encode())
    if not hmac.compare_digest(expected, mac):
        return (
            f"entry {position} does not match its MAC: it was edited, an entry before it was removed, inserted "
            "or moved, or the chain was rewritten without the key",
            b"",
        )
    return "", mac


def _check_seal(
    keys: AuditKeys,
    run_id: str,
    rows: list[tuple[Any, ...]],
    *,
    status: str | None,
    seal: tuple[Any, ...],
    bad: Callable[[int | None, str], AuditReport],
) -> AuditReport:
    count = len(rows)
    sealed_count, head_mac, signature = seal
    try:
        keys.public_key.verify(bytes.fromhex(signature), seal_message(run_id, sealed_count, head_mac))
    except (InvalidSignature, ValueError, TypeError):
        return bad(
            count + 1,
            "the seal's signature does not verify (forged, or signed with another key): the end of the log "
            f"cannot be trusted; entries after {count} may have been cut off",
        )
    if sealed_count > count:
        return bad(count + 1, f"the log ends at entry {count} but its seal covers {sealed_count}: the tail was cut off")
    if rows[sealed_count - 1][4] != head_mac:
        return bad(1, f"entry {sealed_count} is not the entry the seal signed: the chain was rewritten")
    if sealed_count < count:
        if status == RUNNING:
            return AuditReport(run_id, True, count, False)  # resumed; it is sealed again when it ends
        return bad(sealed_count + 1, f"entries {sealed_count + 1} to {count} were added after the run was sealed")
    return AuditReport(run_id, True, count, True)


def live(beat: Any, within_s: float) -> bool:
    """Whether a heartbeat written at ``beat`` (ISO time) is less than ``within_s`` old."""
    try:
        written = datetime.fromisoformat(str(beat))
    except ValueError:
        return False
    return (datetime.now(UTC) - written).total_seconds() < within_s


def _state_problem(state_row: tuple[Any, ...] | None, digest: str | None) -> str:
    """What is wrong with a run's state row, given the digest of the state its chain last committed ("" if fine)."""
    if state_row is None:
        return "its state row was deleted" if digest is not None else ""
    status, state_json = state_row[0], state_row[1]
    if digest is None:
        return "its state row was not written by any entry of its chain: it was inserted"
    if not isinstance(state_json, str) or state_digest(state_json) != digest:
        return "its state row was rewritten: it is not the state its last entry committed (status or result changed)"
    try:
        recorded = json.loads(state_json).get("status", RUNNING)
    except (ValueError, AttributeError):
        recorded = None
    if status != recorded:
        return f"its status was rewritten: the row says {status!r}, the state its chain committed says {recorded!r}"
    return ""


def _index_problem(
    run_id: str, listed: index.IndexedRun | None, rows: list[tuple[Any, ...]], seal: tuple[Any, ...] | None
) -> str:
    """What the signed index says that this run's chain and seal contradict ("" if nothing)."""
    if listed is None or listed.opened is None:
        return f"run {run_id} is not in the signed run index: it was inserted, or the index was cut"
    for entries, head_mac in (listed.opened, *listed.sealed):
        if entries > len(rows):
            return (
                f"the signed index recorded the run at {entries} entries but it has {len(rows)}: its tail was cut off"
            )
        if rows[entries - 1][4] != head_mac:
            return f"entry {entries} is not the one the signed index recorded: the chain was rewritten"
    if seal is not None and (int(seal[0]), str(seal[1])) not in listed.sealed:
        return "its seal is not one the signed index recorded"
    if seal is None and listed.sealed:
        return f"the signed index recorded the run sealed at {listed.sealed[-1][0]} entries, but its seal is gone"
    return ""
