"""Tab completion at the REPL prompt: command names, then agent names, roles or run ids, by command."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from supervisor.repl.commands import COMMANDS

if TYPE_CHECKING:
    from supervisor.repl.session import Repl

TAKES_RUN_ID = ("/run", "/resume", "/audit")


class ReplCompleter(Completer):
    """Completes against the session's live state: the team in use and the runs it knows."""

    def __init__(self, repl: Repl) -> None:
        self.repl = repl

    def _agents(self) -> list[str]:
        return list(self.repl.supervisor.team.names)

    def _run_ids(self) -> list[str]:
        seen = dict.fromkeys([*reversed(self.repl.runs), *self.repl.known_runs])
        return list(seen)

    def _candidates(self, command: str, position: int) -> Iterable[str]:
        if command == "/card" and position == 1:
            return self._agents()
        if command == "/model" and position == 1:
            return ["default", "supervisor", *self._agents()]
        if command in TAKES_RUN_ID and position == 1:
            return self._run_ids()
        return []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/"):
            return  # a goal: nothing to complete
        words = text.split(" ")
        word = words[-1]
        if len(words) == 1:
            for command in COMMANDS:
                if command.name.startswith(word):
                    yield Completion(command.name, -len(word), display_meta=command.summary)
            return
        for candidate in self._candidates(words[0], len(words) - 1):
            if candidate.startswith(word):
                yield Completion(candidate, -len(word))
