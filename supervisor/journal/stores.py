"""Opening the configured journal: a SQLite file (the embedded default) or a Postgres URL."""

from __future__ import annotations

from pathlib import Path

from supervisor.config import JournalConfig
from supervisor.errors import ConfigError
from supervisor.journal.base import Journal

JOURNAL_FILE = "journal.sqlite3"


def default_store() -> Path:
    from supervisor.audit.log import baton_home

    return baton_home() / JOURNAL_FILE


async def open_journal(settings: JournalConfig) -> Journal:
    """The journal ``settings`` name; sqlite3 (or psycopg) loads here, with the first run, not on import."""
    store = settings.store
    if store is not None and store.startswith(("postgresql://", "postgres://")):
        try:
            from supervisor.journal.postgres import PostgresJournal
        except ImportError as exc:
            raise ConfigError(
                "journal.store", [f"journal.store: a Postgres store needs the postgres extra ({exc.name} is missing)"]
            ) from None
        return await PostgresJournal.connect(store, busy_timeout_s=settings.busy_timeout_s)
    from supervisor.journal.sqlite import SqliteJournal

    path = Path(store).expanduser() if store else default_store()
    return SqliteJournal(path, busy_timeout_s=settings.busy_timeout_s)
