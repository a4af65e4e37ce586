"""Files only their owner may touch: private directories (0700), private files (0600), and a refusal to trust
a file or directory that other users can write (or, for a secret such as a key, read).

Baton trusts its config, its audit keys and its audit log. Another user who can write one of them could change
settings, replace a key or rewrite history, so such files are refused rather than read.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from supervisor.errors import InsecureFileError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
_READABLE_BY_OTHERS = stat.S_IRGRP | stat.S_IROTH
# O_NOFOLLOW keeps a planted symlink from redirecting a write; it is absent on some platforms.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def refuse_if_writable_by_others(path: Path) -> None:
    """Raise ``InsecureFileError`` if the group or other users may write ``path`` (``FileNotFoundError`` if absent)."""
    mode = os.stat(path).st_mode
    if mode & _WRITABLE_BY_OTHERS:
        raise InsecureFileError(str(path), mode)


def refuse_if_readable_by_others(path: Path) -> None:
    """Raise ``InsecureFileError`` if the group or other users may read (or write) ``path``: for secrets."""
    mode = os.stat(path).st_mode
    if mode & (_READABLE_BY_OTHERS | _WRITABLE_BY_OTHERS):
        raise InsecureFileError(str(path), mode, readable=bool(mode & _READABLE_BY_OTHERS))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700, and any missing parents likewise; an existing directory others can write
    is refused.

    Missing parents are made 0700 too (as the XDG base directory spec asks): a parent others could write would
    let them swap the whole directory for their own.
    """
    missing = []
    for directory in (path, *path.parents):
        if directory.exists():
            break
        missing.append(directory)
    if not missing:
        if not path.is_dir():
            raise NotADirectoryError(f"{path} exists and is not a directory")
        refuse_if_writable_by_others(path)
        return path
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process; the leaf is checked below
        # mkdir's mode passes through the umask; a umask such as 0o277 would leave a directory we cannot write.
        os.chmod(directory, PRIVATE_DIR_MODE)
    refuse_if_writable_by_others(path)
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; an existing file others can write is refused.

    Returns whether the file was created. The file is born 0600 (``os.open`` with that mode), so there is no
    moment at which another user could open it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE_MODE)
    except FileExistsError:
        refuse_if_writable_by_others(path)
        return False
    os.close(fd)
    return True


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``path`` with mode 0600, all at once; never replaces an existing file.

    The bytes go to a private temporary file first, which is then linked to ``path``: a reader sees either no
    file or the whole content, and of two processes racing to create ``path`` exactly one wins (the other gets
    ``FileExistsError`` and should read what the winner wrote).
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:
            # Some file systems cannot hard-link; an exclusive create still never replaces a file.
            _write_exclusive(path, data)
    finally:
        temporary.unlink(missing_ok=True)


def _write_exclusive(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
