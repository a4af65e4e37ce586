"""Scale-out on procrastinate (Postgres-native, async): the only module that imports it.

``submit`` records a run in the Postgres journal and enqueues it; ``run_worker`` executes queued runs. The job's
procrastinate lock is the run id, so one run never executes twice at once. Workers heartbeat; each worker also
re-queues the jobs of workers whose heartbeat stopped, and the journal makes that retry a resume (recorded steps
replay, side effects are not repeated) rather than a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from supervisor.errors import ConfigError, UserError

if TYPE_CHECKING:
    import procrastinate

    from supervisor.supervisor import Supervisor

TASK = "baton.run_goal"
QUEUE = "baton"
_SCHEMA_LOCK = 4242002


def _app(url: str) -> procrastinate.App:
    try:
        import procrastinate
    except ImportError as exc:
        raise ConfigError("journal.store", [f"workers need the postgres extra ({exc.name} is missing)"]) from None
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))


def postgres_store(supervisor: Supervisor) -> str:
    """The supervisor's Postgres journal URL: runs only travel between machines through a shared store."""
    store = supervisor.config.journal.store or ""
    if not supervisor.config.journal.enabled or not store.startswith(("postgresql://", "postgres://")):
        raise UserError("submitting runs to workers needs a Postgres journal ([journal] store = 'postgresql://...')")
    return store


async def prepare(url: str) -> None:
    """Create procrastinate's tables once (workers starting together take turns)."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db, db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = await (await db.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if found is not None and found[0] is not None:
            return
    app = _app(url)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()


async def submit(supervisor: Supervisor, goal: str) -> str:
    """Record ``goal`` as a new run in the journal and enqueue it; returns the run id."""
    url = postgres_store(supervisor)
    await prepare(url)
    run_id = await supervisor.record_submitted(goal)
    app = _app(url)
    async with app.open_async():
        await app.configure_task(TASK, lock=run_id, queue=QUEUE).defer_async(run_id=run_id)
    return run_id


async def run_worker(
    supervisor: Supervisor,
    *,
    concurrency: int = 4,
    heartbeat_s: float = 10.0,
    stalled_after_s: float = 30.0,
    name: str = "baton-worker",
    until_idle: bool = False,
) -> None:
    """Execute queued runs until stopped (or, ``until_idle``, until the queue is empty)."""
    url = postgres_store(supervisor)
    await prepare(url)
    app = _app(url)

    @app.task(name=TASK, queue=QUEUE)
    async def run_goal(run_id: str) -> None:
        try:
            await supervisor.resume(run_id)
        except UserError as exc:
            if "is done" not in str(exc):  # a retry of a run that already finished has nothing to do
                raise

    async with app.open_async():
        rescuer = asyncio.create_task(_requeue_stalled(app, every_s=heartbeat_s, stalled_after_s=stalled_after_s))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name,
                wait=not until_idle,
                update_heartbeat_interval=heartbeat_s,
                stalled_worker_timeout=stalled_after_s,
                install_signal_handlers=not until_idle,
            )
        finally:
            rescuer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rescuer
            await supervisor.aclose()


async def _requeue_stalled(app: procrastinate.App, *, every_s: float, stalled_after_s: float) -> None:
    """Put the runs of workers that stopped heartbeating back in the queue (they resume from the journal)."""
    while True:
        await asyncio.sleep(every_s)
        stalled: Any = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after_s)
        for job in stalled:
            await app.job_manager.retry_job(job)
