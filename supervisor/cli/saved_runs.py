"""Run results the CLI and the REPL keep under ``$BATON_HOME/runs``, so a run can be listed and resumed later.

Each finished run is one JSON file (``RunResult``), readable only by its owner. This is what ``baton runs``,
``baton resume``, ``/runs`` and ``/resume`` read: a run that waits for a person, or was cancelled, continues
from here after the process that started it has ended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from supervisor.errors import UserError
from supervisor.result import RunResult

RUNS_FOLDER = "runs"


@dataclass(frozen=True)
class SavedRun:
    """One line of the listing: enough to choose a run without reading it whole."""

    run_id: str
    status: str
    goal: str
    saved_at: datetime


class SavedRuns:
    """The saved results in ``folder`` (default ``$BATON_HOME/runs``)."""

    def __init__(self, folder: Path | None = None) -> None:
        from supervisor.audit.log import baton_home

        self.folder = folder or baton_home() / RUNS_FOLDER

    def save(self, result: RunResult) -> Path:
        from supervisor.audit.files import ensure_private_dir

        ensure_private_dir(self.folder)
        path = self.folder / f"{result.run_id}.json"
        temporary = path.with_suffix(".tmp")
        # Written aside then renamed: a reader never sees half a file. 0600: outputs may hold customer data.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(result.model_dump_json())
        temporary.replace(path)
        return path

    def load(self, run_id: str) -> RunResult:
        """The run ``run_id`` (or the one run whose id starts with it)."""
        path = self._path_of(run_id)
        try:
            return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise UserError(f"cannot read the saved run {path}: {str(exc).splitlines()[0]}") from None

    def _path_of(self, run_id: str) -> Path:
        exact = self.folder / f"{run_id}.json"
        if exact.is_file():
            return exact
        matches = sorted(self.folder.glob(f"{run_id}*.json")) if run_id and self.folder.is_dir() else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(f"{run_id!r} names {len(matches)} runs; give more of the id ('baton runs' lists them)")
        raise UserError(f"no saved run {run_id!r} in {self.folder}; 'baton runs' lists the runs")

    def ids(self) -> list[str]:
        return [run.run_id for run in self.list()]

    def list(self) -> list[SavedRun]:
        """Every saved run, oldest first."""
        if not self.folder.is_dir():
            return []
        listed = []
        for path in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                result = RunResult.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValidationError):
                continue  # a damaged file is skipped in the listing; loading it by id says what is wrong
            saved_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            listed.append(SavedRun(result.run_id, result.status, result.goal, saved_at))
        return listed
