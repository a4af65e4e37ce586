"""Private files and directories, and the refusal of config and key files that other users can write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervisor.audit.files import (
    create_private_file,
    ensure_private_dir,
    refuse_if_writable_by_others,
    write_private_bytes,
)
from supervisor.audit.keys import HMAC_KEY_FILE, SIGNING_KEY_FILE, AuditKeys, default_key_dir
from supervisor.config import load_config
from supervisor.errors import ConfigError, InsecureFileError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that masks nothing: the modes below must come from the code, not from the umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_private_dir_is_0700_with_any_umask(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "a" / "b"
    assert ensure_private_dir(target) == target
    assert mode(target) == 0o700 and mode(tmp_path / "a") == 0o700  # missing parents too
    assert ensure_private_dir(target) == target  # a second call accepts its own directory


def test_existing_dir_others_can_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(InsecureFileError, match="chmod go-w"):
        ensure_private_dir(shared)
    plain = tmp_path / "plain"
    plain.touch()
    with pytest.raises(NotADirectoryError):
        ensure_private_dir(plain)


def test_private_file_is_born_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "log"
    assert create_private_file(path) is True
    assert mode(path) == 0o600
    assert create_private_file(path) is False  # already there: kept, not truncated


def test_existing_file_others_can_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"x")
    path.chmod(0o666)
    with pytest.raises(InsecureFileError) as caught:
        create_private_file(path)
    assert caught.value.path == str(path) and caught.value.mode & 0o777 == 0o666


@pytest.mark.parametrize(("bits", "refused"), [(0o644, False), (0o600, False), (0o620, True), (0o602, True)])
def test_group_or_other_write_bit_is_refused(tmp_path: Path, bits: int, refused: bool) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    path.chmod(bits)
    if refused:
        with pytest.raises(InsecureFileError):
            refuse_if_writable_by_others(path)
    else:
        refuse_if_writable_by_others(path)


def test_private_bytes_are_written_whole_and_never_replace_a_file(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "secret"
    write_private_bytes(path, b"first")
    assert path.read_bytes() == b"first" and mode(path) == 0o600
    with pytest.raises(FileExistsError):
        write_private_bytes(path, b"second")
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]  # no temporary file left behind


# -- the config file ---------------------------------------------------------------------------------------


def test_config_file_others_can_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('[models]\ndefault = "scripted/x"\n')
    path.chmod(0o644)
    assert load_config(path).models.default == "scripted/x"
    path.chmod(0o666)
    with pytest.raises(InsecureFileError, match=str(path)):
        load_config(path)


def test_missing_config_file_is_still_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


# -- the audit keys ----------------------------------------------------------------------------------------


def test_keys_are_created_once_private_and_loaded_again(tmp_path: Path, open_umask: None) -> None:
    key_dir = tmp_path / "keys"
    keys = AuditKeys.load_or_create(key_dir)
    assert mode(key_dir) == 0o700
    assert mode(key_dir / HMAC_KEY_FILE) == 0o600 and mode(key_dir / SIGNING_KEY_FILE) == 0o600
    assert len(keys.hmac_key) == 32
    again = AuditKeys.load_or_create(key_dir)
    assert again.hmac_key == keys.hmac_key
    assert again.public_key.public_bytes_raw() == keys.public_key.public_bytes_raw()
    assert keys.hmac_key.hex() not in repr(keys)


@pytest.mark.parametrize("name", [HMAC_KEY_FILE, SIGNING_KEY_FILE])
def test_key_file_others_can_write_is_refused(tmp_path: Path, name: str) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    (tmp_path / "keys" / name).chmod(0o666)
    with pytest.raises(InsecureFileError, match=name):
        AuditKeys.load_or_create(tmp_path / "keys")


@pytest.mark.parametrize("name", [HMAC_KEY_FILE, SIGNING_KEY_FILE])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_key_file_others_can_read_is_refused_like_a_writable_one(tmp_path: Path, name: str, mode: int) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    (tmp_path / "keys" / name).chmod(mode)
    with pytest.raises(InsecureFileError, match=f"{name} can be read by other users.*chmod go-rwx"):
        AuditKeys.load(tmp_path / "keys")


def test_key_dir_others_can_write_is_refused(tmp_path: Path) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    (tmp_path / "keys").chmod(0o777)
    with pytest.raises(InsecureFileError):
        AuditKeys.load_or_create(tmp_path / "keys")
    with pytest.raises(InsecureFileError):
        AuditKeys.load(tmp_path / "keys")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (HMAC_KEY_FILE, b"not hex at all\n", "expected 64 hex digits"),
        (HMAC_KEY_FILE, b"abcd\n", "expected 64 hex digits"),
        (SIGNING_KEY_FILE, b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", "Ed25519"),
        (SIGNING_KEY_FILE, b"\xff\xfe", "Ed25519"),
    ],
)
def test_malformed_key_file_is_a_config_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    path = tmp_path / "keys" / name
    path.unlink()
    write_private_bytes(path, content)
    with pytest.raises(ConfigError, match=message) as caught:
        AuditKeys.load_or_create(tmp_path / "keys")
    assert caught.value.source == str(path)


def test_unreadable_key_file_is_a_config_error(tmp_path: Path) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    path = tmp_path / "keys" / HMAC_KEY_FILE
    path.unlink()
    path.mkdir(mode=0o700)  # unreadable as a file, even for root
    with pytest.raises(ConfigError, match="cannot read the audit key file"):
        AuditKeys.load_or_create(tmp_path / "keys")


def test_one_key_without_the_other_is_refused_not_replaced(tmp_path: Path) -> None:
    AuditKeys.load_or_create(tmp_path / "keys")
    (tmp_path / "keys" / SIGNING_KEY_FILE).unlink()
    lone = tmp_path / "keys" / HMAC_KEY_FILE
    os.utime(lone, (0, 0))  # an old file: nobody is writing its partner right now
    with pytest.raises(ConfigError, match=f"{SIGNING_KEY_FILE} does not"):
        AuditKeys.load_or_create(tmp_path / "keys")
    assert not (tmp_path / "keys" / SIGNING_KEY_FILE).exists()


def test_loading_keys_that_are_not_there_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        AuditKeys.load(tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_default_key_dir_comes_from_the_environment_else_home() -> None:
    assert default_key_dir({"BATON_KEY_DIR": "/srv/keys"}) == Path("/srv/keys")
    assert default_key_dir({}) == Path.home() / ".config" / "baton" / "keys"
