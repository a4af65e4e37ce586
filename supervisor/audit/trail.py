"""The audit trail of a ``Supervisor``: its log, opened on first use, and the fingerprint of its config.

Every run of the supervisor appends to the same log through an ``AuditSink``; the first entry of each run
carries the configuration's fingerprint (a SHA-256 of its canonical JSON, secrets redacted), so a run can be
tied to exactly the settings it ran under.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from supervisor.audit.redaction import Redactor
from supervisor.config import BatonConfig

if TYPE_CHECKING:
    from supervisor.audit.log import AuditLog
    from supervisor.audit.recorder import AuditSink


def config_fingerprint(config: BatonConfig, redactor: Redactor) -> str:
    data = redactor.redact_data(config.model_dump(mode="json"))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditTrail:
    """Opens the configured audit log when a run first needs it; ``close`` releases it."""

    def __init__(self, config: BatonConfig) -> None:
        self._settings = config.audit
        self._redactor = Redactor.from_config(config)
        self.fingerprint = config_fingerprint(config, self._redactor)
        self._log: AuditLog | None = None
        self._sink: AuditSink | None = None

    def sink(self) -> AuditSink | None:
        if not self._settings.enabled:
            return None
        if self._sink is None:
            # sqlite3 and cryptography load with the first run, not with ``import supervisor``.
            from supervisor.audit.log import open_audit_log
            from supervisor.audit.recorder import AuditSink

            self._log = open_audit_log(self._settings)
            if self._log is None:
                return None
            self._sink = AuditSink(self._log, self._redactor)
        return self._sink

    @property
    def log(self) -> AuditLog | None:
        return self._log

    def close(self) -> None:
        if self._sink is not None:
            self._sink.flush()
        if self._log is not None:
            self._log.close()
        self._log, self._sink = None, None
