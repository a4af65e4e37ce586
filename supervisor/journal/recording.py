"""The journal of one run in progress: what was recorded (read once), and fenced writes of new steps."""

from __future__ import annotations

from typing import Any

from supervisor.journal.base import Journal

_MISSING = object()


class RunJournal:
    """One owner's handle on one run: look a step up by its key, record a new one under the owner's epoch."""

    def __init__(self, journal: Journal, run_id: str, epoch: int, recorded: dict[str, Any]) -> None:
        self.journal = journal
        self.run_id = run_id
        self.epoch = epoch
        self._recorded = recorded
        self._to_replay = set(recorded)
        self.replayed = 0
        self.recorded_now = 0

    def __repr__(self) -> str:
        return f"<RunJournal {self.run_id} epoch {self.epoch}: {len(self._recorded)} step(s)>"

    @property
    def replaying(self) -> bool:
        """Whether steps recorded before this owner took over are still to be replayed."""
        return bool(self._to_replay)

    def lookup(self, key: str) -> tuple[bool, Any]:
        """(True, value) for a recorded step, else (False, None)."""
        value = self._recorded.get(key, _MISSING)
        if value is _MISSING:
            return False, None
        if key in self._to_replay:
            self._to_replay.discard(key)
            self.replayed += 1
        return True, value

    def has(self, key: str) -> bool:
        return key in self._recorded

    async def record(self, key: str, value: Any) -> None:
        """Commit a step's outcome (refused with ``RunFencedError`` when another owner took the run over)."""
        await self.journal.record(self.run_id, self.epoch, key, value)
        self._recorded[key] = value
        self.recorded_now += 1
