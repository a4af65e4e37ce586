"""The runs in an audit log, listed without its keys: listing reads, it proves nothing (``verify`` does).

Opened read-only, so listing never writes to the log, and needs no key: who may read the file may list it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from supervisor.errors import UserError

_RUNS = """
    SELECT r.run_id, MIN(e.at), COALESCE(s.status, ''), COUNT(e.seq),
           (SELECT data FROM entries WHERE run_id = r.run_id AND kind = 'RunStarted' ORDER BY seq LIMIT 1)
    FROM (SELECT run_id FROM entries UNION SELECT run_id FROM run_state) AS r
    LEFT JOIN run_state AS s ON s.run_id = r.run_id
    LEFT JOIN entries AS e ON e.run_id = r.run_id
    GROUP BY r.run_id
    ORDER BY COALESCE(MIN(e.at), s.updated_at), r.run_id
"""


@dataclass(frozen=True)
class ListedRun:
    run_id: str
    started_at: str
    status: str
    entries: int
    goal: str


def _goal(data: str | None) -> str:
    try:
        found = json.loads(data or "{}").get("goal", "")
    except (ValueError, AttributeError):
        return ""  # a damaged first entry: 'baton audit verify' says what is wrong with it
    return found if isinstance(found, str) else ""


def list_runs(path: Path) -> list[ListedRun]:
    """Every run in the log at ``path``, oldest first: id, first entry's time, status, entries, goal."""
    if not path.is_file():
        raise UserError(f"no audit log at {path} (nothing was recorded yet, or [audit] path points elsewhere)")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot open the audit log {path}: {exc}") from None
    try:
        rows = db.execute(_RUNS).fetchall()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot read the audit log {path}: {exc}") from None
    finally:
        db.close()
    return [ListedRun(str(r), str(at or ""), str(s), int(n), _goal(d)) for r, at, s, n, d in rows]
