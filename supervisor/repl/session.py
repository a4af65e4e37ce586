"""The REPL session: a prompt, goals run with a live view, slash commands, and escalations answered in place.

Plain text is a goal. While it runs, the plan is drawn live (on a terminal; one line per event in a pipe), Ctrl-C
cancels that run (it is recorded in the journal, and ``/resume`` continues it, in this session or a later one,
as ``baton resume`` would) and the session goes on; Ctrl-D leaves. A bad
command or a failing run is one line with a hint, never a traceback (``debug=True`` shows one).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel

from supervisor.audit.redaction import Redactor
from supervisor.config import BatonConfig
from supervisor.errors import (
    BatonError,
    ConfigError,
    MissingCredentialError,
    ModelFileNotFoundError,
    UnknownAgentError,
    UnknownProviderError,
    UserError,
)
from supervisor.events import Event, EventSink
from supervisor.journal.base import RunRow
from supervisor.models import Usage
from supervisor.repl.asking import EscalationAtPrompt
from supervisor.repl.commands import Commands
from supervisor.repl.completion import ReplCompleter
from supervisor.repl.prompts import PlainPrompter, Prompter, TerminalPrompter
from supervisor.repl.view import RunView
from supervisor.result import RunResult
from supervisor.supervisor import Supervisor

HISTORY_FILE = "repl_history"
PROMPT = "baton> "
RunStarter = Callable[[EventSink], Coroutine[Any, Any, RunResult]]


def one_line(exc: BaseException) -> str:
    """An error as one line: a config error's problems joined, anything else its first line."""
    if isinstance(exc, ConfigError):
        return f"invalid configuration in {exc.source}: " + "; ".join(exc.problems)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def hint_for(exc: BatonError) -> str:
    """Where to look next, by whose mistake it was."""
    if isinstance(exc, UnknownAgentError):
        return "/agents lists the team"
    if isinstance(exc, UnknownProviderError | ModelFileNotFoundError | MissingCredentialError):
        return "nothing changed; /agents shows the models in use"
    if isinstance(exc, ConfigError):
        return "nothing changed; /config shows the configuration in force"
    if isinstance(exc, UserError):
        return "/help lists the commands"
    return "the session goes on; /runs lists the runs"


def history_of(home: Path | None) -> History:
    if home is None:
        return InMemoryHistory()
    from supervisor.audit.files import ensure_private_dir

    ensure_private_dir(home)
    return FileHistory(str(home / HISTORY_FILE))


class Repl:
    """One interactive session with a team. ``main()`` runs it until /quit or Ctrl-D."""

    def __init__(
        self,
        config: BatonConfig,
        *,
        console: Console | None = None,
        input: Input | None = None,  # prompt_toolkit's own name for it
        output: Output | None = None,
        home: Path | None = None,
        debug: bool = False,
        live: bool | None = None,
    ) -> None:
        self.console = console or Console()
        self.debug = debug
        self.live = self.console.is_terminal if live is None else live
        self.runs: dict[str, RunResult] = {}
        """This session's runs as they ended (the journal holds every run, this session's and others')."""
        self.known_runs: list[str] = []
        """The journal's run ids, most recent first, as last read (Tab completes them)."""
        self.session_usage = Usage()
        self.last_view: RunView | None = None
        self.commands = Commands(self)
        plain = input is None and not (sys.stdin.isatty() and sys.stdout.isatty())
        self.prompter: Prompter = (
            PlainPrompter(self.console)
            if plain
            else TerminalPrompter(history_of(home), ReplCompleter(self), input=input, output=output)
        )
        self._live: Live | None = None
        self._watched: RunView | None = None
        self._current: asyncio.Task[RunResult] | None = None
        self.config = config
        self.redactor = Redactor.from_config(config)
        self.desk = EscalationAtPrompt(self.console, self, self.redactor)
        self.supervisor = self.build(config)

    # -- the team and its models ---------------------------------------------------------------------------

    def build(self, config: BatonConfig) -> Supervisor:
        """A supervisor for ``config``; every model is resolved now, so a bad name fails here, not mid-run."""
        with self.console.status("loading the team and its models...") if self.live else _nothing():
            return Supervisor(config=config, escalation_handler=self.desk)

    async def reconfigure(self, config: BatonConfig) -> None:
        """Swap to ``config``; if it does not build, the session keeps what it had."""
        replacement = self.build(config)
        await self.supervisor.aclose()
        self.supervisor, self.config = replacement, config
        self.redactor = self.desk.redactor = Redactor.from_config(config)

    # -- the loop ------------------------------------------------------------------------------------------

    async def main(self) -> None:
        self.console.print(
            f"[bold]Baton[/] · team: {', '.join(self.supervisor.team.names)} · model: {self.config.supervisor_model}"
        )
        self.console.print("[dim]Type a goal to run it, /help for commands; Ctrl-C cancels a run, Ctrl-D leaves.[/]")
        try:
            await self.journal_runs()
        except BatonError as exc:  # a journal that cannot be read now is said once; the session still starts
            self.error(one_line(exc), "runs cannot be listed or resumed until it is fixed")
        try:
            while True:
                try:
                    line = await self.prompter.prompt(PROMPT)
                except KeyboardInterrupt:
                    continue  # Ctrl-C at the prompt clears the line, as in a shell
                except EOFError:
                    break
                if line.strip() and not await self.handle(line.strip()):
                    break
        finally:
            await self.supervisor.aclose()

    async def handle(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        try:
            if line.startswith("/"):
                return await self.commands.dispatch(line)
            await self.run_goal(line)
        except BatonError as exc:
            self.error(one_line(exc), hint_for(exc))
        except Exception as exc:  # the session outlives any one failure; --debug shows where it came from
            self.error(f"{type(exc).__name__}: {one_line(exc)}", "start with --debug to see the traceback")
            if self.debug:
                self.console.print(escape(traceback.format_exc()))
        return True

    def error(self, message: str, hint: str = "") -> None:
        tail = f" [dim]({escape(hint)})[/]" if hint else ""
        self.console.print(f"[red]error[/]: {escape(message)}{tail}", soft_wrap=True)

    # -- running goals -------------------------------------------------------------------------------------

    async def run_goal(self, goal: str) -> RunResult | None:
        return await self.watch(lambda sink: self.supervisor.run(goal, on_event=sink))

    async def watch(self, start: RunStarter, resuming: RunResult | None = None) -> RunResult | None:
        """Run what ``start`` starts under the live view; Ctrl-C cancels it. None if it never began."""
        view = RunView(self.redactor, usage_so_far=self._usage_so_far)
        if resuming is not None:
            view.seed(resuming)
        self.last_view = view

        def sink(event: Event) -> None:
            view(event)
            if self._live is not None:
                self._live.refresh()
            elif (line := view.line_for(event)) is not None:
                self.console.print(escape(line), highlight=False)

        task = asyncio.create_task(start(sink))
        self._current = task
        result: RunResult | None
        try:
            with self._live_view(view), self._ctrl_c_cancels(task):
                result = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the session itself is being stopped, not just the run
            result = view.result
        finally:
            self._current = None
        if result is None:
            self.console.print("[yellow]run cancelled before it started[/]")
            return None
        self.finished(result, view)
        return result

    async def journal_runs(self, limit: int = 200) -> list[RunRow]:
        """The journal's runs, most recent first (none while it is disabled)."""
        rows = await self.supervisor.runs(limit)
        self.known_runs = [row.run_id for row in rows]
        return rows

    def _usage_so_far(self, run_id: str) -> Usage | None:
        progress = self.supervisor.progress(run_id)
        return progress.usage if progress is not None else None

    def finished(self, result: RunResult, view: RunView) -> None:
        self.runs[result.run_id] = result
        self.known_runs = [result.run_id, *(r for r in self.known_runs if r != result.run_id)]
        self.session_usage.add(result.usage)
        if not self.live:
            self.console.print(view.tree())
        t = self.redactor.redact
        rid = result.run_id
        if result.status == "done":
            self.console.print(Panel(Markdown(t(result.output)), title="Final answer", title_align="left"))
        elif result.status == "waiting_for_human" and result.pending is not None:
            self.console.print(f"[magenta]run {rid} waits for a person[/]: {escape(t(result.pending.reason))}")
            self.console.print(f"[dim]{self._resumable(f'/resume {rid} answers it')}[/]")
        elif result.status == "cancelled":
            how = self._resumable(f"recorded; [bold]/resume {rid}[/] continues it")
            self.console.print(f"[yellow]run {rid} cancelled[/] ({how})")
        else:
            self.error(f"run {rid} {result.status}: {one_line(Exception(t(result.error or '')))}", f"/run {rid}")
        self.console.print(f"[dim]run {rid} · {view.usage_line()} · /run {rid} tells its story[/]")

    def _resumable(self, how: str) -> str:
        """How to go on with a stopped run: ``how`` when the journal recorded it, else why it cannot."""
        if not self.config.journal.enabled:
            return escape("the journal is off ([journal] enabled = false): it cannot be resumed")
        return how

    @contextmanager
    def _live_view(self, view: RunView) -> Iterator[None]:
        if not self.live:
            yield
            return
        self._watched = view
        self._live = self._start_live(view)
        try:
            yield
        finally:
            if self._live is not None:
                self._live.refresh()
                self._live.stop()
            self._live, self._watched = None, None

    def _start_live(self, view: RunView) -> Live:
        # Drawn afresh at every refresh, not only at events: the tokens so far move while a model is answering.
        live = Live(console=self.console, get_renderable=view.render, refresh_per_second=4, transient=False)
        live.start()
        return live

    @contextmanager
    def _ctrl_c_cancels(self, task: asyncio.Task[RunResult]) -> Iterator[None]:
        """While ``task`` runs, Ctrl-C (a key in raw mode, or SIGINT) cancels it, not the session."""
        loop = asyncio.get_running_loop()
        with suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            with self.prompter.listening(task.cancel):
                yield
        finally:
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGINT)

    # -- what the escalation handler needs (asking.Terminal) ------------------------------------------------

    async def ask(self, message: str, *, default: str = "", multiline: bool = False) -> str:
        """A question put during a run; Ctrl-C or Ctrl-D here cancels the run."""
        if multiline:
            message = f"{message.rstrip()} ({self.prompter.multiline_hint()}):\n"
        try:
            return await self.prompter.ask(message, default=default, multiline=multiline)
        except (KeyboardInterrupt, EOFError):
            if self._current is not None:
                self._current.cancel()
            raise asyncio.CancelledError from None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The live view stops while a person is asked, and starts afresh below the question and the answer."""
        live, view = self._live, self._watched
        if live is not None:
            live.stop()
            self._live = None
        try:
            yield
        finally:
            if live is not None and view is not None:
                # A new Live: restarting the old one would redraw over the lines printed meanwhile.
                self._live = self._start_live(view)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
