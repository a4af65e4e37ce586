"""``baton repl`` in a real terminal: tmux runs it, types into it, and reads the screen back."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (scripts/setup --dev installs it)")

TEAM_MODULE = """
from supervisor import Card, RunScript, Specialist, Team


def team() -> Team:
    # The model is scripted inside this process: the config names it "scripted/terminal".
    RunScript(
        plan=[("s1", "Write the reply email about the refund", []), ("s2", "Review the reply for tone", ["s1"])],
        final_answer="Dear customer, your **refund** for order 1042 is on its way.",
    ).model(name="terminal")
    writer = Specialist(name="writer", card=Card(description="Writes reply emails."), instructions="Write.")
    reviewer = Specialist(name="reviewer", card=Card(description="Reviews replies for tone."), instructions="Review.")
    return Team([writer, reviewer])
"""
CONFIG = (
    '[models]\ndefault = "scripted/terminal"\n[team]\nfactory = "terminal_team:team"\n[routing]\nsimilarity = "bm25"\n'
)
PATIENCE_S = 90  # how long to wait for the screen before failing; nothing is asserted about how fast it is


class Terminal:
    """One tmux server of our own (its own socket), one 80-column window running a command."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        done = subprocess.run([TMUX or "tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "repl", "-l", text)
        self.tmux("send-keys", "-t", "repl", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-500", "-t", "repl")

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    (tmp_path / "baton.toml").write_text(CONFIG)
    (tmp_path / "terminal_team.py").write_text(TEAM_MODULE)
    env = {
        "PYTHONPATH": str(ROOT),
        "BATON_HOME": os.environ["BATON_HOME"],
        "BATON_KEY_DIR": os.environ["BATON_KEY_DIR"],
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }
    command = " ".join(
        [
            "env",
            *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
            shlex.quote(sys.executable),
            "-m",
            "supervisor",
            "repl",
            "; echo baton-exited-with-$?; sleep 600",
        ]
    )
    term = Terminal(f"baton-test-{os.getpid()}")
    term.tmux("new-session", "-d", "-s", "repl", "-x", "80", "-y", "50", "-c", str(tmp_path), command)
    try:
        yield term
    finally:
        subprocess.run([TMUX or "tmux", "-L", term.socket, "kill-server"], capture_output=True, check=False)


def test_help_a_goal_and_quit_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for("baton>")
    terminal.type("/help")
    terminal.wait_for("/quit")
    terminal.type("I was charged twice for order 1042")
    terminal.wait_for("Final answer")
    terminal.type("/quit")
    screen = terminal.wait_for("baton-exited-with-")

    assert "/agents" in screen and "/model [ROLE] NAME" in screen  # the command list
    assert "Plan: I was charged twice for order 1042" in screen  # the plan tree, its nodes accepted
    assert "✓ s1 writer Write the reply email about the refund [accepted]" in screen
    assert "✓ s2 reviewer Review the reply for tone [accepted]" in screen
    assert "your refund for order 1042 is on its way" in screen and "**refund**" not in screen  # Markdown rendered
    assert "Traceback" not in screen
    assert "baton-exited-with-0" in screen
