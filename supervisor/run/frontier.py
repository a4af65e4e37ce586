"""Which subtasks of a plan may start: the DAG's frontier, kept up to date as subtasks settle.

Only a subtask whose dependencies settled since it was last looked at can have become ready, so a long pipeline
is not scanned whole at every step (that made each step cost as much as the plan is long). Ready subtasks start
in plan order; a subtask sent back for revision waits again, last in line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

from supervisor.decisions.schemas import Plan, Subtask


class Frontier:
    """The subtasks of ``plan`` not yet accepted or skipped, and which of them may start."""

    def __init__(self, plan: Plan, accepted: Mapping[str, str], skipped: Set[str]) -> None:
        self._accepted, self._skipped = accepted, skipped
        self.pending = [s for s in plan.subtasks if s.id not in accepted and s.id not in skipped]
        """Subtasks not started yet, in the order they start when ready."""
        self._rank = {s.id: i for i, s in enumerate(self.pending)}
        self._waiting = set(self._rank)
        self._dependents: dict[str, list[Subtask]] = {}
        for subtask in plan.subtasks:
            for dep in subtask.depends_on:
                self._dependents.setdefault(dep, []).append(subtask)
        self._candidates = list(self.pending)

    def _settled(self, subtask: Subtask) -> bool:
        return all(d in self._accepted or d in self._skipped for d in subtask.depends_on)

    def take_ready(self, slots: int, skip: Callable[[Subtask], None]) -> list[Subtask]:
        """Up to ``slots`` subtasks that may start now, taken off the frontier; a ready subtask one of whose
        dependencies was skipped is handed to ``skip`` instead (and takes no slot)."""
        considered = sorted(
            {s.id: s for s in self._candidates if s.id in self._waiting}.values(), key=lambda s: self._rank[s.id]
        )
        self._candidates = []
        starting: list[Subtask] = []
        for i, subtask in enumerate(considered):
            if not self._settled(subtask):
                continue
            if len(starting) >= slots:
                self._candidates.extend(considered[i:])  # looked at again when a slot frees
                break
            self.pending.remove(subtask)
            self._waiting.discard(subtask.id)
            if any(d in self._skipped for d in subtask.depends_on):
                skip(subtask)
                self.settle(subtask)
                continue
            starting.append(subtask)
        return starting

    def settle(self, subtask: Subtask) -> None:
        """``subtask`` ended: its dependents may have become ready."""
        self._candidates.extend(self._dependents.get(subtask.id, ()))

    def wait_again(self, subtask: Subtask) -> None:
        """``subtask`` (already back in ``pending``) was sent back for revision: it waits again, last in line."""
        self._rank[subtask.id] = max(self._rank.values()) + 1
        self._waiting.add(subtask.id)
        self._candidates.append(subtask)

    def rescan(self) -> bool:
        """Whether any pending subtask is ready (a skip or a review may have made one so); if so, every pending
        subtask is looked at again."""
        if any(self._settled(s) for s in self.pending):
            self._candidates = list(self.pending)
            return True
        return False
