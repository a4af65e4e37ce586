"""What an audit entry and a seal are: the canonical JSON, the text each MAC covers, the signed seal message.

Writing (``supervisor.audit.log``) and checking (``supervisor.audit.verification``) share these, so the two can
never disagree on a byte.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

RUNNING = "running"
TRUNCATED = "truncated"
_GENESIS_LABEL = b"baton-audit-genesis\x00"
_SEAL_LABEL = "baton-audit-seal"


# One encoder for every entry: ``json.dumps`` with these options builds a new encoder per call, which cost more
# than the encoding itself for the small values an entry holds. The output is ``json.dumps``'s, byte for byte.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    """The one JSON form entries are written and checked in: sorted keys, no spaces, UTF-8 kept as is."""
    return _ENCODE(value)


def entry_text(run_id: str, seq: int, kind: str, at: str, data_json: str, *, state_digest: str | None) -> str:
    # Exactly canonical_json({"at", "data", "kind", "run_id", "seq"[, "state"]}) (keys in sorted order),
    # assembled around the data's canonical text so the data is serialized once per append, not twice.
    dump = canonical_json
    state = "" if state_digest is None else f',"state":{dump(state_digest)}'
    return f'{{"at":{dump(at)},"data":{data_json},"kind":{dump(kind)},"run_id":{dump(run_id)},"seq":{seq}{state}}}'


def state_digest(state_json: str) -> str:
    return hashlib.sha256(state_json.encode()).hexdigest()


def genesis(run_id: str) -> bytes:
    return hashlib.sha256(_GENESIS_LABEL + run_id.encode()).digest()


def seal_message(run_id: str, entries: int, head_mac: str) -> bytes:
    return canonical_json({"kind": _SEAL_LABEL, "run_id": run_id, "entries": entries, "head_mac": head_mac}).encode()
