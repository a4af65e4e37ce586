"""Escalations answered at the REPL: the person sees the subtask, the output and the reason, and decides.

``EscalationAtPrompt`` is the supervisor's escalation handler while the REPL runs a goal. Its answer enters the
run through the approval channel like any other, so it is recorded in the audit log (``HumanDecided``).
Editing opens ``$VISUAL`` / ``$EDITOR`` on the output when one is set, else an inline multi-line editor.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from collections.abc import Awaitable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from supervisor.audit.redaction import Redactor
from supervisor.result import Escalation, HumanAction, HumanDecision

ACTIONS: dict[str, HumanAction] = {"a": "approve", "r": "reject", "e": "edit", "n": "answer"}
DECIDED_BY = "repl"


class Terminal(Protocol):
    """What the handler needs from the REPL: a question, and the live view paused meanwhile."""

    def ask(self, message: str, *, default: str = "", multiline: bool = False) -> Awaitable[str]: ...

    def paused(self) -> AbstractContextManager[None]: ...


def editor_command(env: dict[str, str] | None = None) -> list[str] | None:
    """``$VISUAL``, else ``$EDITOR``, split as a shell would; None when neither is set."""
    env = dict(os.environ) if env is None else env
    chosen = env.get("VISUAL") or env.get("EDITOR")
    return shlex.split(chosen) if chosen else None


def edit_in_editor(command: list[str], text: str) -> str:
    """Open ``text`` in the person's editor and return what they saved."""
    with tempfile.TemporaryDirectory(prefix="baton-edit-") as folder:
        path = Path(folder) / "output.md"
        path.write_text(text, encoding="utf-8")
        subprocess.run([*command, str(path)], check=True)
        return path.read_text(encoding="utf-8")


class EscalationAtPrompt:
    """Puts an escalation to the person at the REPL and returns their decision."""

    def __init__(self, console: Console, terminal: Terminal, redactor: Redactor | None = None) -> None:
        self.console = console
        self.terminal = terminal
        self.redactor = redactor or Redactor(())

    def show(self, escalation: Escalation) -> None:
        t = self.redactor.redact
        if escalation.kind == "tool_approval":
            body = t(escalation.call_text())
        else:
            body = t(escalation.output) or "(no output)"
        title = f"{escalation.subtask_id} · {escalation.agent} · {escalation.kind}"
        self.console.print(
            Panel(escape(body), title=escape(title), title_align="left", subtitle=escape(t(escalation.task)[:70]))
        )
        self.console.print(f"[magenta]A person must decide[/]: {escape(t(escalation.reason))}")

    async def __call__(self, escalation: Escalation) -> HumanDecision:
        with self.terminal.paused():
            self.show(escalation)
            tool = escalation.kind == "tool_approval"
            choices = "[a]pprove / [r]eject" if tool else "[a]pprove / [r]eject / [e]dit / a[n]swer"
            action = await self._choose(choices, tool_call=tool)
            text = ""
            if action == "edit":
                text = await self._edit(escalation.output)
            elif action == "answer":
                text = await self.terminal.ask("your answer", multiline=True)
            if action in ("edit", "answer") and not text.strip():
                self.console.print("[yellow]nothing was written: the output is rejected[/]")
                action, text = "reject", ""
            return HumanDecision(action=action, text=text.strip(), by=DECIDED_BY)

    async def _choose(self, choices: str, *, tool_call: bool) -> HumanAction:
        while True:
            said = (await self.terminal.ask(f"decide ({choices}): ")).strip().lower()
            action = ACTIONS.get(said[:1]) if said else None
            if action is not None and (not tool_call or action in ("approve", "reject")):
                return action
            self.console.print(f"[yellow]please type one of: {choices}[/]")

    async def _edit(self, output: str) -> str:
        command = editor_command()
        if command is None:
            return await self.terminal.ask("edit the output", default=output, multiline=True)
        try:
            return await asyncio.to_thread(edit_in_editor, command, output)
        except (OSError, subprocess.CalledProcessError) as exc:
            self.console.print(f"[yellow]the editor {escape(' '.join(command))} failed ({exc}); edit inline[/]")
            return await self.terminal.ask("edit the output", default=output, multiline=True)
