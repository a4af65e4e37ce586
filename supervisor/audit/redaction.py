"""Secret values never reach the audit log: every occurrence of a known secret is replaced with ``***``.

The secrets are values, not patterns: the API keys named in the config, credentials in the environment
(``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``) and config values whose key looks secret. A model
that echoes a key, or a tool that leaks one into its output, is caught wherever the value appears.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from supervisor.audit.chain import canonical_json

if TYPE_CHECKING:
    from supervisor.config import BatonConfig

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values ("true", "1234") would mask ordinary words and numbers everywhere
_SECRET_ENV_NAME = re.compile(r"(?:^|_)(?:API_KEY|TOKEN|SECRET|PASSWORD|ACCESS_KEY|SECRET_KEY)$", re.IGNORECASE)
_SECRET_CONFIG_KEY = re.compile(
    r"(?:^|[_-])(?:api[_-]?key|key|token|secret|password|passwd|authorization)$", re.IGNORECASE
)


class Redactor:
    """Replaces every occurrence of the given secret values with ``***``; values under 6 characters are ignored."""

    def __init__(self, secrets: Iterable[str]) -> None:
        kept = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is masked whole rather than in pieces.
        ordered = sorted(kept, key=lambda s: (-len(s), s))
        self._count = len(ordered)
        self._pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None
        # Each secret as it appears in JSON text too: escaping is character by character, so a string holding a
        # secret holds its escaped form once encoded, and one search of an entry's JSON finds every secret in it.
        in_json = sorted(kept | {canonical_json(s)[1:-1] for s in kept}, key=lambda s: (-len(s), s))
        self._in_json = re.compile("|".join(re.escape(s) for s in in_json)) if in_json else None

    def __repr__(self) -> str:
        return f"<Redactor of {self._count} secret(s)>"  # never the values themselves

    def __bool__(self) -> bool:
        return self._pattern is not None

    def redact(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

    def may_hold(self, json_text: str) -> bool:
        """Whether JSON text may hold a secret; False means no string in it does (one search of the text, so
        data with no secret in it, the common case, is never walked)."""
        return self._in_json is not None and self._in_json.search(json_text) is not None

    def redact_data(self, obj: Any) -> Any:
        """A copy of ``obj`` with every string inside it (dict keys too) redacted; lists, tuples and dicts recurse."""
        if self._pattern is None:
            return obj
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, Mapping):
            return {self.redact_data(k): self.redact_data(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.redact_data(item) for item in obj]
        return obj

    @classmethod
    def from_config(cls, config: BatonConfig, env: Mapping[str, str] = os.environ) -> Redactor:
        """The secrets a run may meet: provider keys, credential-like environment variables, secret config values."""
        found: list[str] = []
        for settings in config.providers.values():
            variable = settings.get("api_key_env")
            if isinstance(variable, str) and env.get(variable):
                found.append(env[variable])
        found.extend(value for name, value in env.items() if _SECRET_ENV_NAME.search(name) and value)
        found.extend(_secret_config_values(config.model_dump(mode="json")))
        return cls(found)


def _secret_config_values(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from _secret_config_values(child, str(child_key))
    elif isinstance(node, list):
        for item in node:
            yield from _secret_config_values(item, key)
    elif isinstance(node, str) and _SECRET_CONFIG_KEY.search(key):
        yield node
