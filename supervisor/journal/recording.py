"""The journal of one run in progress: what was recorded (read once), and fenced writes of new steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supervisor.errors import ReplayDivergedError
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

    def peek(self, key: str) -> Any:
        """The recorded value of ``key`` (None when absent), without counting it as replayed."""
        return self._recorded.get(key)

    def going_live(self, key: str) -> None:
        """Called before a step that was never recorded runs; a replay refuses here."""

    def asked(self, key: str, prompt: str) -> None:
        """The prompt a model call is about to be asked with (a replay compares it with the recorded one)."""

    async def record(self, key: str, value: Any) -> None:
        """Commit a step's outcome (refused with ``RunFencedError`` when another owner took the run over)."""
        await self.journal.record(self.run_id, self.epoch, key, value)
        self._recorded[key] = value
        self.recorded_now += 1


@dataclass(frozen=True)
class Divergence:
    """Where a replay parted from the recorded run: the step's key and what differed."""

    key: str
    what: str

    def __str__(self) -> str:
        return f"{self.key}: {self.what}"


class ReplayJournal(RunJournal):
    """A recorded run read back without writing: a step never recorded stops the replay, a changed prompt is
    noted, and steps the replay never reached are reported after it."""

    def __init__(self, journal: Journal, run_id: str, recorded: dict[str, Any]) -> None:
        super().__init__(journal, run_id, epoch=0, recorded=recorded)
        self.divergences: list[Divergence] = []

    @property
    def replaying(self) -> bool:
        return True  # a replay emits no event to anyone's audit log

    def going_live(self, key: str) -> None:
        self.divergences.append(Divergence(key, "a step the recorded run never made"))
        raise ReplayDivergedError(key)

    def asked(self, key: str, prompt: str) -> None:
        before = self.peek(key)
        if isinstance(before, dict) and before.get("prompt") not in (None, prompt):
            self.divergences.append(Divergence(key, "asked with another prompt (a prompt, card or input changed)"))

    async def record(self, key: str, value: Any) -> None:
        self.divergences.append(Divergence(key, "a step the recorded run never made"))
        raise ReplayDivergedError(key)  # an intent about to be written: the recorded run never got here

    def unreached(self) -> list[str]:
        """Recorded steps the replay never asked for (intents and answers to questions included)."""
        return sorted(self._to_replay)
