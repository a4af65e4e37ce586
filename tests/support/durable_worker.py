"""A worker process for the scale-out test: the order desk on a scripted model with latency, on Postgres.

    python tests/support/durable_worker.py POSTGRES_URL HOME NAME [--latency 0.2] [--until-idle]

The carrier's bookings go to HOME/bookings.sqlite3, shared by every worker, so effects are counted across them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from specialists.order_desk import order_desk_team  # noqa: E402
from supervisor import Supervisor, load_config  # noqa: E402
from supervisor.testing import RunScript  # noqa: E402
from supervisor.workers import run_worker  # noqa: E402

PLAN = [
    ("s1", "Check stock for the order items", ()),
    ("s2", "Price the order", ()),
    ("s3", "Run a fraud check on the order", ()),
    ("s4", "Book the shipment and send the tracking number", ("s1", "s2", "s3")),
]


def desk(url: str, home: str, latency_s: float) -> Supervisor:
    os.environ["ORDER_DESK_BOOKINGS"] = str(Path(home) / "bookings.sqlite3")
    overrides = {
        "BATON_ROUTING__SIMILARITY": "bm25",
        "BATON_AUDIT__ENABLED": "false",  # every worker's runs in one audit file is not what this test checks
        "BATON_JOURNAL__STORE": f'"{url}"',
    }
    config = load_config(ROOT / "examples" / "order_desk" / "baton.toml", env=overrides)
    model = RunScript(plan=PLAN).model("worker-desk", latency_s=latency_s)
    return Supervisor(order_desk_team(), config=config, model=model)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("home")
    parser.add_argument("name")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--until-idle", action="store_true")
    args = parser.parse_args()
    supervisor = desk(args.url, args.home, args.latency)
    work = run_worker(
        supervisor,
        concurrency=args.concurrency,
        heartbeat_s=1.0,
        stalled_after_s=8.0,  # a busy machine delays heartbeats: a live worker must not look dead
        name=args.name,
        until_idle=args.until_idle,
    )
    asyncio.run(work)


if __name__ == "__main__":
    main()
