"""A run's trail in the default audit log: whether it verifies, and the kinds of its entries in order."""

from __future__ import annotations

from supervisor.audit.log import open_audit_log
from supervisor.audit.verification import AuditReport
from supervisor.config import AuditConfig


def verified_kinds(run_id: str) -> tuple[AuditReport, list[str]]:
    """The verification report of ``run_id`` in the default audit log and its entries' kinds, oldest first."""
    log = open_audit_log(AuditConfig(), create=False)
    assert log is not None, "the run wrote no audit log"
    with log:
        return log.verify(run_id), [entry.kind for entry in log.entries(run_id)]
