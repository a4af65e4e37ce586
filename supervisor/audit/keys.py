"""The audit log's two keys, kept apart from the log: an HMAC key that chains the entries and an Ed25519 key
that seals a finished run.

Someone who can edit the log but not read the key directory can neither forge an entry (no HMAC key) nor
re-seal a cut-off run (no signing key). The keys live in ``$BATON_KEY_DIR`` (else ``~/.config/baton/keys``),
created 0700 with files 0600 on first use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from supervisor.audit.files import (
    ensure_private_dir,
    refuse_if_readable_by_others,
    refuse_if_writable_by_others,
    write_private_bytes,
)
from supervisor.errors import ConfigError

KEY_DIR_ENV = "BATON_KEY_DIR"
HMAC_KEY_FILE = "audit-hmac.key"
SIGNING_KEY_FILE = "audit-signing.pem"
HMAC_KEY_BYTES = 32
_PAIR_WAIT_STEPS, _PAIR_WAIT_S = 20, 0.05


def default_key_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$BATON_KEY_DIR``, else ``~/.config/baton/keys``."""
    env = os.environ if env is None else env
    chosen = env.get(KEY_DIR_ENV)
    return Path(chosen).expanduser() if chosen else Path.home() / ".config" / "baton" / "keys"


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The HMAC key (32 random bytes) and the Ed25519 signing key of the audit log."""

    hmac_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False)
    key_dir: Path | None = None  # None for keys that live in memory only

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @classmethod
    def generate(cls) -> AuditKeys:
        """Fresh keys held in memory only (tests, benchmarks)."""
        return cls(secrets.token_bytes(HMAC_KEY_BYTES), Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, key_dir: Path) -> AuditKeys:
        """Read the keys in ``key_dir``; a missing, unreadable or malformed key is a ``ConfigError``."""
        key_dir = key_dir.expanduser()
        hmac_path, signing_path = key_dir / HMAC_KEY_FILE, key_dir / SIGNING_KEY_FILE
        missing = [p.name for p in (hmac_path, signing_path) if not p.exists()]
        if missing:
            raise ConfigError(
                str(key_dir),
                [
                    f"the audit key file {name} is missing; without it the audit log cannot be checked"
                    for name in missing
                ],
            )
        refuse_if_writable_by_others(key_dir)
        return cls(
            _parse_hmac_key(hmac_path, _read(hmac_path)), _parse_signing_key(signing_path, _read(signing_path)), key_dir
        )

    @classmethod
    def load_or_create(cls, key_dir: Path) -> AuditKeys:
        """Read the keys in ``key_dir``, creating the directory (0700) and both key files (0600) on first use.

        One key file without the other is refused: quietly making a new one would leave every past run
        unverifiable.
        """
        key_dir = key_dir.expanduser()
        try:
            ensure_private_dir(key_dir)
        except OSError as exc:
            raise ConfigError(str(key_dir), [f"cannot create the audit key directory: {exc.strerror or exc}"]) from None
        paths = (key_dir / HMAC_KEY_FILE, key_dir / SIGNING_KEY_FILE)
        if not any(p.exists() for p in paths):
            _create_keys(*paths)
        _wait_for_pair(paths)
        return cls.load(key_dir)


def _wait_for_pair(paths: tuple[Path, Path]) -> None:
    """Refuse one key file without the other, after giving a process that is creating them a moment to finish."""
    for _ in range(_PAIR_WAIT_STEPS):
        present = [p for p in paths if p.exists()]
        if len(present) != 1:
            return
        if time.time() - present[0].stat().st_mtime > _PAIR_WAIT_STEPS * _PAIR_WAIT_S:
            break  # an old lone file: nobody is about to write its partner
        time.sleep(_PAIR_WAIT_S)
    present = [p for p in paths if p.exists()]
    if len(present) != 1:
        return
    there = present[0]
    gone = paths[1] if there == paths[0] else paths[0]
    raise ConfigError(
        str(there.parent),
        [
            f"{there.name} exists but {gone.name} does not; restore {gone.name} from a backup "
            "(or move both away to start a new audit key pair)"
        ],
    )


def _create_keys(hmac_path: Path, signing_path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    hmac_hex = secrets.token_bytes(HMAC_KEY_BYTES).hex().encode() + b"\n"
    for path, data in ((signing_path, pem), (hmac_path, hmac_hex)):
        # Another process may have created the keys first; load() then reads theirs.
        with contextlib.suppress(FileExistsError):
            write_private_bytes(path, data)


def _read(path: Path) -> bytes:
    refuse_if_readable_by_others(path)  # a key others can read lets them forge entries or seals
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the audit key file: {exc.strerror or exc}"]) from None


def _parse_hmac_key(path: Path, raw: bytes) -> bytes:
    try:
        key = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != HMAC_KEY_BYTES:
        raise ConfigError(str(path), [f"not an audit HMAC key: expected {HMAC_KEY_BYTES * 2} hex digits"])
    return key


def _parse_signing_key(path: Path, raw: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(str(path), ["not an audit signing key: expected an unencrypted Ed25519 private key (PEM)"])
    return key
