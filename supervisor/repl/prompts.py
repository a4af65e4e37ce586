"""Where the REPL reads what the person types: a prompt_toolkit prompt on a terminal, plain lines from a pipe.

Both raise ``EOFError`` at the end of the input (Ctrl-D) and ``KeyboardInterrupt`` for Ctrl-C at the prompt.
While a run goes on, ``listening`` turns Ctrl-C into a call (the run's cancel) instead of a signal.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer
from prompt_toolkit.history import History
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import store_typeahead
from prompt_toolkit.keys import Keys
from prompt_toolkit.output import Output
from rich.console import Console
from rich.markup import escape

END_OF_TEXT = "."  # in a pipe, a line holding only this ends a multi-line answer


class Prompter(Protocol):
    async def prompt(self, message: str) -> str: ...

    async def ask(self, message: str, *, default: str = "", multiline: bool = False) -> str: ...

    def listening(self, on_ctrl_c: Callable[[], object]) -> AbstractContextManager[None]: ...

    def multiline_hint(self) -> str: ...


class TerminalPrompter:
    """prompt_toolkit: history, suggestions from it, completion; the same input for goals and questions."""

    def __init__(
        self, history: History, completer: Completer, input: Input | None = None, output: Output | None = None
    ) -> None:
        self.session: PromptSession[str] = PromptSession(
            history=history,
            auto_suggest=AutoSuggestFromHistory(),
            completer=completer,
            complete_while_typing=True,
            input=input,
            output=output,
        )
        self._questions: PromptSession[str] = PromptSession(input=input, output=output)
        self.keys = self.session.input

    async def prompt(self, message: str) -> str:
        return await self.session.prompt_async(message)

    async def ask(self, message: str, *, default: str = "", multiline: bool = False) -> str:
        with self.keys.detach():  # a run's Ctrl-C listener steps aside while the question is asked
            return await self._questions.prompt_async(message, default=default, multiline=multiline)

    @contextmanager
    def listening(self, on_ctrl_c: Callable[[], object]) -> Iterator[None]:
        """Raw mode, so Ctrl-C arrives as a key rather than a signal; other keys wait for the next prompt."""

        def ready() -> None:
            presses = self.keys.read_keys()
            if any(p.key == Keys.ControlC for p in presses):
                on_ctrl_c()
            store_typeahead(self.keys, [p for p in presses if p.key != Keys.ControlC])

        with self.keys.raw_mode(), self.keys.attach(ready):
            yield

    def multiline_hint(self) -> str:
        return "Esc then Enter to finish"


class PlainPrompter:
    """Lines from a pipe or a file: no terminal to draw on, each line echoed after its prompt so a log reads well."""

    def __init__(self, console: Console, stream: TextIO | None = None) -> None:
        self.console = console
        self.stream = stream or sys.stdin

    async def _line(self) -> str:
        line: str = await asyncio.to_thread(self.stream.readline)
        if not line:
            raise EOFError
        return line.rstrip("\n")

    async def prompt(self, message: str) -> str:
        line = await self._line()
        self.console.print(f"{escape(message)}{escape(line)}", highlight=False)
        return line

    async def ask(self, message: str, *, default: str = "", multiline: bool = False) -> str:
        if not multiline:
            return await self.prompt(message)
        self.console.print(escape(message), highlight=False, end="")
        lines = []
        while (line := await self._line()) != END_OF_TEXT:
            lines.append(line)
        return "\n".join(lines) or default

    @contextmanager
    def listening(self, on_ctrl_c: Callable[[], object]) -> Iterator[None]:
        yield  # no keys to read while a run goes on: Ctrl-C is the SIGINT the session handles

    def multiline_hint(self) -> str:
        return f"a line with only '{END_OF_TEXT}' to finish"
