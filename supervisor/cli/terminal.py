"""What every ``baton`` command shares: its consoles, its one-line errors, and loading the config.

Output follows the usual conventions: colour only on a terminal and never under ``NO_COLOR`` (rich honours
both), plain text in a pipe, and with ``--json`` the data alone on stdout while messages go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from supervisor.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, BatonConfig, TeamConfig, load_config
from supervisor.errors import AuditStorageError, BatonError, JournalError, UserError
from supervisor.safe_text import one_line

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_TEAM = TeamConfig().factory


def out(*, as_json: bool = False) -> Console:
    """Where a command's human output goes: stdout, or stderr when stdout carries JSON."""
    return Console(stderr=as_json, highlight=False)


def err() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def fail(exc: BaseException, *, hint: str = "") -> NoReturn:
    """End the command with one clear message: exit 2 for a user mistake or a store that cannot be used (a full,
    read-only, locked or newer journal, an audit log that cannot be written: fixed outside the run), 1 for a run
    failure."""
    usage = isinstance(exc, UserError | JournalError | AuditStorageError) or not isinstance(exc, BatonError)
    label = "error" if usage else "run failed"
    tail = f" [dim](hint: {escape(hint)})[/]" if hint else ""  # one line, hint included
    err().print(f"[red]{label}[/]: {escape(one_line(str(exc)))}{tail}")
    raise typer.Exit(EXIT_USAGE if usage else EXIT_FAILED) from None


def config_file_in_use(path: Path | None) -> Path | None:
    """The file ``load_config(path)`` reads, or None when it runs on defaults and the environment."""
    chosen = path or os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    return Path(DEFAULT_CONFIG_FILE) if Path(DEFAULT_CONFIG_FILE).is_file() else None


def load(path: Path | None, *, announce_team: bool = True) -> BatonConfig:
    """The configuration; without a config file, say (on stderr) that the bundled example team is in use."""
    try:
        config = load_config(path)
    except UserError as exc:
        fail(exc, hint="'baton init' writes a commented starter baton.toml")
    if announce_team and config_file_in_use(path) is None and config.team.factory == DEFAULT_TEAM:
        err().print(
            f"[dim]no {DEFAULT_CONFIG_FILE} here: using the bundled support desk team ({DEFAULT_TEAM}); "
            "'baton init' writes a config and a team of your own[/]"
        )
    return config


@contextmanager
def working(console: Console, message: str) -> Iterator[None]:
    """A spinner with ``message`` while slow work runs, on a terminal only (a pipe or a log gets nothing)."""
    if not console.is_terminal:
        yield
        return
    with console.status(message):
        yield
