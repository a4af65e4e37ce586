"""Starting the test shop (``mcp_shop.py``): as a stdio ``MCPTools`` entry, or as a streamable HTTP server on
loopback, and checking that a server's process is gone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from supervisor import MCPTools

SHOP = Path(__file__).with_name("mcp_shop.py")


def shop(agents: tuple[str, ...] = ("clerk",), env: Mapping[str, str] | None = None, **fields: object) -> MCPTools:
    """The shop as a stdio server Baton starts (``env`` shapes it; see ``mcp_shop.py``)."""
    return MCPTools(
        name="shop", command=sys.executable, args=(str(SHOP),), env=dict(env or {}), agents=agents, **fields
    )


def process_gone(pid: int) -> bool:
    """Whether no process has this pid (an exited child that was reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def read_pid(path: Path) -> int:
    return int(path.read_text(encoding="utf-8"))


@contextmanager
def http_shop() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The shop serving streamable HTTP on a free loopback port: (its MCP URL, its process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, str(SHOP), str(port)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):  # until it listens; a start that never comes fails below, not here
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"the HTTP shop exited with {process.returncode}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", process
    finally:
        process.kill()
        process.wait()
