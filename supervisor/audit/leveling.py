"""Bringing the audit log level with the step journal.

Why the two stay atomic: a journaled run's audit entries are committed in the journal itself, in the same
transaction as the steps they describe (every step row comes with a ``StepRecorded`` entry naming its key and
the digest of its value, and with the events the run emitted since its last write). The audit log file is then
a projection of that table: each write is appended to it right after the journal committed, and a crash between
the two commits (or a power loss that took the log's last commits) leaves entries the journal holds and the log
lacks. Those are appended here, in order, at the seqs the journal gave them, so the chain stays valid and nothing
is appended twice. A step never exists without its entry, nor an entry without its step, because both live in
one transaction of one store; the log only ever lags, and is brought level on resume, replay, ``baton audit
verify`` and ``baton runs``.

A crash only ever cuts a run's tail before the log recorded anything about it; a run whose seal or signed index
counts more entries than the log holds was cut afterwards, by someone, and is left for ``verify`` to report.
The journal's copy carries no MACs (the log computes them when it appends): whoever can write the journal and
cut an unsealed run's tail could have forged entries appended, so the journal is to be kept as private as the
log (both are created 0600).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supervisor.audit.log import AuditLog
    from supervisor.config import BatonConfig
    from supervisor.journal.base import Journal


async def bring_level(journal: Journal, log: AuditLog, run_ids: Iterable[str] | None = None) -> int:
    """Append to ``log`` every entry ``journal`` committed for ``run_ids`` (every run) that it lacks; how many."""
    heads = await journal.audit_heads()
    chosen = heads if run_ids is None else {r: heads[r] for r in run_ids if r in heads}
    appended = 0
    for run_id, last in chosen.items():
        have = log.head_seq(run_id)
        if have >= last or not log.may_level(run_id):
            continue  # level already, or cut by someone: what was cut is reported by verify, not written back
        records = await journal.audit_after(run_id, have)
        if log.append_at(run_id, have + 1, records):
            appended += len(records)
    return appended


async def level_configured(config: BatonConfig, log: AuditLog) -> int:
    """Bring ``log`` level with the configured journal, when there is one to read (none is created here)."""
    from pathlib import Path

    from supervisor.journal.stores import default_store, open_journal

    settings = config.journal
    if not settings.enabled:
        return 0
    store = settings.store
    if not (store or "").startswith(("postgresql://", "postgres://")):
        path = Path(store).expanduser() if store else default_store()
        if not path.is_file():
            return 0  # nothing was ever journaled here
    journal = await open_journal(settings)
    try:
        return await bring_level(journal, log)
    finally:
        await journal.close()
