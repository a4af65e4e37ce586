"""The approval panel shows a tool call's arguments one per line, each with where its value came from, at the
terminal (``baton run --ask``) and in the REPL alike."""

from __future__ import annotations

from typing import Any, cast

import pytest
from rich.console import Console

from supervisor import Escalation
from supervisor.cli import printer
from supervisor.cli.printer import EscalationHandlerOnTerminal
from supervisor.repl.asking import EscalationAtPrompt

APPROVAL = Escalation(
    run_id="r",
    subtask_id="s1",
    agent="refunds",
    task="Refund the order",
    output="",
    reason="issue_refund has side effects",
    kind="tool_approval",
    tool="issue_refund",
    arguments='{"amount": "19.00", "order_id": "5531"}',
    argument_lines=("order_id = 5531  (from goal)", "amount = 19.00  (from tool:get_order)"),
)
SHOWN = [
    "tool: issue_refund",
    "arguments:",
    "  order_id = 5531  (from goal)",
    "  amount = 19.00  (from tool:get_order)",
]


def panel_lines(text: str) -> list[str]:
    return [line.strip("│ ").rstrip() for line in text.splitlines() if line.startswith("│")]


def test_the_terminal_panel_shows_each_argument_with_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(record=True, width=100)
    monkeypatch.setattr(printer.Prompt, "ask", lambda *a, **k: "reject")
    decision = EscalationHandlerOnTerminal(console)(APPROVAL)
    assert decision.action == "reject"
    lines = panel_lines(console.export_text())
    assert [line.strip() for line in lines] == [line.strip() for line in SHOWN]


def test_the_repl_panel_shows_each_argument_with_its_source() -> None:
    console = Console(record=True, width=100)
    EscalationAtPrompt(console, cast(Any, None)).show(APPROVAL)
    lines = panel_lines(console.export_text())
    assert [line.strip() for line in lines] == [line.strip() for line in SHOWN]


def test_a_one_text_call_still_shows_its_text() -> None:
    plain = APPROVAL.model_copy(update={"argument_lines": (), "arguments": "order 1042, 20 EUR"})
    assert plain.call_text() == "tool: issue_refund\narguments: order 1042, 20 EUR"
