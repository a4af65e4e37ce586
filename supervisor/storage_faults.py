"""What an SQLite or file-system error says about the store behind it, in a word both stores put in their errors.

The journal and the audit log are SQLite files under the same ``BATON_HOME``: a full disk, a read-only file or a
lock held by another process reaches whichever writes first, and each must name the same fault the same way.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path
from typing import Literal

StorageFault = Literal["full", "read-only", "locked"]

FULL_BELOW_BYTES = 1 << 20
"""An I/O error on a filesystem with less free space than this is a full disk."""


def storage_fault(path: Path, exc: BaseException) -> StorageFault | None:
    """``full``, ``read-only`` or ``locked`` when ``exc`` (raised while using the SQLite file ``path``) says so;
    None for anything else (a damaged file, a bug)."""
    if isinstance(exc, OSError):  # creating the folder or the file
        if exc.errno == errno.ENOSPC:
            return "full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "read-only"
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and nearly_full(path)):
        # A full disk surfaces as SQLITE_FULL, or as an I/O error from a write or from growing the WAL's
        # shared memory (SQLITE_IOERR_WRITE, _SHMSIZE): told apart from a failing disk by the space left.
        return "full"
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return "read-only"
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "locked"
    return None


def nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False
