"""Hostile text is made safe once where it crosses into the log, a terminal or a model: arbitrary unicode (lone
surrogates, control characters, terminal escape sequences, 10 MB) in goals, model replies and tool results
never crashes a run, the audit log verifies, ``baton audit show`` prints no raw escape, and the result
round-trips through its JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.teams import make_team
from typer.testing import CliRunner

from supervisor import BatonConfig, RunResult, RunScript, ScriptedCall, Specialist, Supervisor, Team, Tool
from supervisor.audit.keys import AuditKeys
from supervisor.audit.log import AuditLog
from supervisor.cli.app import app
from supervisor.safe_text import (
    MODEL_MESSAGE_MAX_CHARS,
    TOOL_OUTPUT_MAX_CHARS,
    bounded,
    for_terminal,
    without_surrogates,
)

HOSTILE_PIECES = [
    "\ud800",
    "\udfff",
    "\ud83d\ude00",  # a well-formed pair, as two code points
    "\x1b[31m",
    "\x1b[2J\x1b[H",
    "\x1b]0;owned\x07",
    "\x1bP+q\x1b\\",
    "\x9b6n",
    "\r",
    "\x00",
    "\x08\x7f",
    "\u202e",
    "\u2066",
    "</data>",
]
hostile_text = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=[]), max_size=20), st.sampled_from(HOSTILE_PIECES)),
    max_size=12,
).map("".join)
TEN_MB = ("\ud800\x1b[2J" + "x" * 1000 + "\r\x1b]0;t\x07") * 10_000
UNSAFE_ON_A_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def team_with_tool(output: str) -> Team:
    writer = make_team()["writer"]
    card = writer.card.model_copy(update={"tools": ("lookup",)})
    tool = Tool("lookup", "look up the order", lambda query: output)
    return Team([Specialist(name="writer", card=card, instructions="You write.", tools=(tool,))])


def hostile_run(home: Path, goal: str, reply: str, tool_output: str) -> RunResult:
    retried: list[str] = []

    def verdict(call: ScriptedCall) -> Any:
        if not retried:  # one retry whose feedback is hostile, through the structured (JSON) path
            retried.append("once")
            return ("retry", reply[:150])
        return "accept"

    model = RunScript(
        plan=[("s1", "Write the reply email", [])],
        tool_choice=("lookup", "order 1042"),
        answer=f"Dear customer, about your order: {reply}",
        verdict=verdict,
    ).model("gpt-4o")
    config = BatonConfig.model_validate(
        {
            "audit": {"path": str(home / "log" / "audit.sqlite3"), "key_dir": str(home / "keys")},
            "checking": {"judge": "model"},
            "routing": {"similarity": "bm25"},
            "guards": {"detector": False},  # the detector would hold some outputs; this is about the text itself
        }
    )
    return Supervisor(team_with_tool(tool_output), config=config, model=model).run_sync(goal)


def check_everything_holds(home: Path, result: RunResult) -> None:
    assert result.error_type not in ("UnicodeEncodeError", "PydanticSerializationError"), result.error
    assert RunResult.model_validate_json(result.model_dump_json()).model_dump_json() == result.model_dump_json()
    with AuditLog(home / "log" / "audit.sqlite3", AuditKeys.load(home / "keys"), create=False) as log:
        report = log.verify(result.run_id)
    assert report.ok and report.sealed, report
    toml = home / "baton.toml"
    toml.write_text(f'[audit]\npath = "{home / "log" / "audit.sqlite3"}"\nkey_dir = "{home / "keys"}"\n')
    toml.chmod(0o600)
    shown = CliRunner().invoke(app, ["audit", "show", result.run_id, "--config", str(toml)])
    assert shown.exit_code == 0, shown.output
    assert UNSAFE_ON_A_TERMINAL.search(shown.output) is None, repr(shown.output[:300])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goal=hostile_text, reply=hostile_text, tool_output=hostile_text)
@example(goal="Refund \ud800 order\x1b[2J", reply="\x1b]0;owned\x07\udfff", tool_output="\x9b6n\r\x00")
@example(goal=TEN_MB, reply=TEN_MB, tool_output=TEN_MB)
def test_hostile_text_in_goals_replies_and_tool_results_never_breaks_a_run(
    tmp_path_factory: pytest.TempPathFactory, goal: str, reply: str, tool_output: str
) -> None:
    goal = f"Write a reply email {goal}"  # never empty: an empty goal is a usage error
    home = tmp_path_factory.mktemp("hostile")
    result = hostile_run(home, goal, reply or "ok", tool_output)
    check_everything_holds(home, result)
    model_calls = result.steps[0].attempts if result.steps else []
    assert all(len(a.output) > 0 for a in model_calls)


def test_a_long_tool_output_is_bounded_for_the_model_and_the_cut_is_recorded(tmp_path: Path) -> None:
    result = hostile_run(tmp_path, "Write a reply email", "fine", "y" * (TOOL_OUTPUT_MAX_CHARS + 5000))
    call = result.steps[0].attempts[0].tool_calls[0]
    assert call.cut_chars == 5000
    assert call.output.endswith("[... 5000 more characters cut]")


def test_every_message_to_a_model_is_bounded_and_encodable(tmp_path: Path) -> None:
    seen: list[str] = []

    def answer(call: ScriptedCall) -> str:
        seen.extend(m["content"] for m in call.messages)
        return "Dear customer, the reply email is done."

    model = RunScript(plan=[("s1", "Write the reply email", [])], answer=answer).model("gpt-4o")
    config = BatonConfig.model_validate({"audit": {"enabled": False}, "routing": {"similarity": "bm25"}})
    goal = "Write a reply email \ud800" + "z" * (MODEL_MESSAGE_MAX_CHARS * 2)
    Supervisor(make_team(), config=config, model=model).run_sync(goal)
    assert seen and all(len(text) <= MODEL_MESSAGE_MAX_CHARS + 100 for text in seen)
    assert all(text.encode("utf-8") for text in seen)  # no lone surrogate left


@given(text=hostile_text)
def test_for_terminal_leaves_nothing_a_terminal_would_act_on(text: str) -> None:
    shown = for_terminal(text)
    assert UNSAFE_ON_A_TERMINAL.search(shown) is None
    shown.encode("utf-8")


@given(text=hostile_text)
def test_without_surrogates_is_encodable_and_keeps_clean_text_as_is(text: str) -> None:
    clean = without_surrogates(text)
    clean.encode("utf-8")
    if not any("\ud800" <= c <= "\udfff" for c in text):
        assert clean == text


@given(text=st.text(), limit=st.integers(min_value=0, max_value=50))
def test_bounded_keeps_the_start_and_says_how_much_was_cut(text: str, limit: int) -> None:
    kept, cut = bounded(text, limit)
    assert cut == max(0, len(text) - limit)
    assert kept.startswith(text[:limit])
    assert (kept == text) == (cut == 0)


def test_an_endpoint_that_sends_a_lone_surrogate_does_not_kill_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import fault_server

    from supervisor.models import BLOCK_REAL_MODELS_ENV

    reply = "Dear customer \ud800, the refund \x1b[2J of order 1042 is done."  # sent as JSON: "\\ud800"
    message = fault_server.COMPLETION["choices"][0]["message"]  # type: ignore[index]
    monkeypatch.setitem(message, "content", reply)
    monkeypatch.delenv(BLOCK_REAL_MODELS_ENV, raising=False)  # a loopback server, not a real provider
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with fault_server.running_fault_server() as server:
        config = BatonConfig.model_validate(
            {
                "audit": {"path": str(tmp_path / "log" / "audit.sqlite3"), "key_dir": str(tmp_path / "keys")},
                "routing": {"similarity": "bm25"},
                "checking": {"judge": "code"},
                "providers": {"openai": {"base_url": server.base_url("ok"), "retry": {"attempts": 1}}},
            }
        )
        sup = Supervisor(make_team(), config=config, model="openai/gpt-4o-mini")
        result = sup.run_sync("Write a reply email about order 1042", pipeline=["writer"])
    assert result.status == "done", result.error
    assert "\ufffd" in result.output
    check_everything_holds(tmp_path, result)


def test_a_structured_answer_with_an_escaped_lone_surrogate_is_re_asked_not_a_crash() -> None:
    # The scripted model sends JSON, where the surrogate travels as the escape \ud800; pydantic refuses it.
    verdicts = iter([("retry", "Fix \ud800 the tone \x1b[2J please."), "accept"])
    model = RunScript(
        plan=[("s1", "Write the reply email", [])],
        answer="Dear customer, your refund for order 1042 is on its way.",
        verdict=lambda call: next(verdicts),
    ).model("gpt-4o")
    config = BatonConfig.model_validate(
        {"audit": {"enabled": False}, "routing": {"similarity": "bm25"}, "checking": {"judge": "model"}}
    )
    result = Supervisor(make_team(), config=config, model=model).run_sync("Write a reply email about order 1042")
    assert result.status == "done", result.error
    assert [c.kind for c in model.calls].count("verdict") == 2  # the invalid answer was re-asked
    assert RunResult.model_validate_json(result.model_dump_json()) == result
