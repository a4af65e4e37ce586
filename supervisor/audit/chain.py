"""What an audit entry and a seal are: the canonical JSON, the text each MAC covers, the signed seal message.

Writing (``supervisor.audit.log``) and checking (``supervisor.audit.verification``) share these, so the two can
never disagree on a byte.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from _json import make_encoder  # the C encoder behind ``json.dumps``
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

RUNNING = "running"
TRUNCATED = "truncated"
_GENESIS_LABEL = b"baton-audit-genesis\x00"
_SEAL_LABEL = "baton-audit-seal"


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# One encoder for every entry, built once: ``json.dumps`` with these options builds a new encoder per call, and
# ``JSONEncoder.encode`` builds the C encoder's state per call, which cost more than the encoding itself for the
# small values an entry holds. The output is ``json.dumps(value, sort_keys=True, separators=(",", ":"),
# ensure_ascii=False)``'s, byte for byte (without its check for reference cycles: entry data is a tree).
_ENCODE = make_encoder(None, _unencodable, encode_basestring, None, ":", ",", True, False, True)


def canonical_json(value: Any) -> str:
    """The one JSON form entries are written and checked in: sorted keys, no spaces, UTF-8 kept as is."""
    if type(value) is str:
        return encode_basestring(value)
    return "".join(_ENCODE(value, 0))


def entry_text(run_id: str, seq: int, kind: str, at: str, data_json: str, *, state_digest: str | None) -> str:
    # Exactly canonical_json({"at", "data", "kind", "run_id", "seq"[, "state"]}) (keys in sorted order),
    # assembled around the data's canonical text so the data is serialized once per append, not twice.
    quote = encode_basestring  # what canonical_json does with a string
    state = "" if state_digest is None else f',"state":{quote(state_digest)}'
    return f'{{"at":{quote(at)},"data":{data_json},"kind":{quote(kind)},"run_id":{quote(run_id)},"seq":{seq}{state}}}'


_stamped_second = [(-1, "")]  # [(a second since the epoch, its date and time to the second)]


def now_stamp() -> str:
    """Now in UTC, as ``datetime.now(UTC).isoformat(timespec="microseconds")`` writes it, at a fraction of its
    cost: the date and time to the second are formatted once a second, and only the microseconds per call."""
    seconds, micros = divmod(time.time_ns() // 1000, 1_000_000)
    second, prefix = _stamped_second[0]
    if second != seconds:
        prefix = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _stamped_second[0] = (seconds, prefix)  # one store: a thread reads the old pair or the new one
    return f"{prefix}.{micros:06d}+00:00"


class Mac:
    """HMAC-SHA256 under one key, the standard library's: the key is set up once per log and each entry's MAC
    starts from a copy of that state (``hmac.digest`` would set the key up again for every entry)."""

    __slots__ = ("_keyed",)

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return "<Mac HMAC-SHA256>"  # never the key

    def __call__(self, message: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(message)
        return mac.digest()


def state_digest(state_json: str) -> str:
    return hashlib.sha256(state_json.encode()).hexdigest()


def genesis(run_id: str) -> bytes:
    return hashlib.sha256(_GENESIS_LABEL + run_id.encode()).digest()


def seal_message(run_id: str, entries: int, head_mac: str) -> bytes:
    return canonical_json({"kind": _SEAL_LABEL, "run_id": run_id, "entries": entries, "head_mac": head_mac}).encode()
