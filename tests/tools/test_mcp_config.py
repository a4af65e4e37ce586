"""``[[tools.mcp]]`` in baton.toml: entries are validated like every table, a bad one is a clear ``ConfigError``,
and a configured server's tools reach the specialists it names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.mcp_servers import SHOP

from supervisor import BatonConfig, Card, ConfigError, RunScript, Specialist, Supervisor, Team, load_config
from supervisor.tools.mcp import baton_names


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def shop_entry(extra: str = "") -> str:
    return f"""
[routing]
similarity = "bm25"
[[tools.mcp]]
name = "shop"
command = {sys.executable!r}
args = [{str(SHOP)!r}]
agents = ["clerk"]
{extra}
"""


def clerk() -> Team:
    card = Card(description="Looks up orders and answers customers")
    return Team([Specialist(name="clerk", card=card, instructions="Answer the customer.")])


def test_a_configured_stdio_server_gives_its_tools_to_the_agents_it_names(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, shop_entry('tools = ["lookup_order"]')), env={})
    (server,) = config.tools.mcp
    assert (server.name, server.transport, server.agents, server.tools) == (
        "shop",
        "stdio",
        ("clerk",),
        ("lookup_order",),
    )
    answer = "Your order 1042 is paid and on its way to you."
    model = RunScript(plan=[("s1", "Tell the customer about order 1042", [])], answer=answer).model()
    Supervisor(clerk(), config=config, model=model).run_sync("Where is order 1042?")
    offered = "\n".join(spec.name for c in model.calls if c.kind == "tool_call" for spec in c.tools or ())
    assert "shop__lookup_order" in offered
    assert "shop__refund_amount" not in offered  # only the tools the entry lists


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('name = "shop"\ncommand = "x"\nurl = "http://127.0.0.1:1/mcp"\nagents = ["clerk"]', "not both or neither"),
        ('name = "shop"\nagents = ["clerk"]', "not both or neither"),
        ('name = "shop"\nurl = "http://127.0.0.1:1/mcp"\nargs = ["-v"]\nagents = ["clerk"]', "a url server takes"),
        ('name = "shop"\ncommand = "x"\nagents = []', "tools.mcp.0.agents"),
        ('name = "Shop Server"\ncommand = "x"\nagents = ["clerk"]', "tools.mcp.0.name"),
        ('name = "shop"\ncommand = "x"\nagents = ["clerk"]\nprot = 3', "tools.mcp.0.prot: unknown key"),
        ('name = "shop"\nurl = "ftp://host/mcp"\nagents = ["clerk"]', "tools.mcp.0.url"),
    ],
)
def test_a_bad_entry_is_a_config_error_naming_it(tmp_path: Path, entry: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, f"[[tools.mcp]]\n{entry}\n"), env={})


def test_two_servers_of_one_name_are_a_config_error(tmp_path: Path) -> None:
    twice = '[[tools.mcp]]\nname = "shop"\ncommand = "a"\nagents = ["clerk"]\n' * 2
    with pytest.raises(ConfigError, match="two MCP servers are named shop"):
        load_config(write(tmp_path, twice), env={})


def test_an_entry_for_an_agent_not_on_the_team_is_refused_when_the_supervisor_is_built() -> None:
    config = BatonConfig.model_validate({"tools": {"mcp": [{"name": "shop", "command": "x", "agents": ["cashier"]}]}})
    with pytest.raises(ConfigError, match=r"tools.mcp \(shop\).agents: no agent 'cashier' on the team; it has: clerk"):
        Supervisor(clerk(), config=config, model=RunScript().model())


def test_a_tool_policy_may_name_a_server_tool_before_the_server_runs_but_not_an_unknown_one() -> None:
    server = {"name": "shop", "command": "x", "agents": ["clerk"]}
    named = BatonConfig.model_validate({"tools": {"mcp": [server]}, "guards": {"tools": {"shop__refund": "ask"}}})
    Supervisor(clerk(), config=named, model=RunScript().model())  # accepted: the shop's tools are shop__*
    stray = BatonConfig.model_validate({"tools": {"mcp": [server]}, "guards": {"tools": {"till__refund": "ask"}}})
    with pytest.raises(ConfigError, match=r"guards\.tools\.till__refund: no specialist has that tool"):
        Supervisor(clerk(), config=stray, model=RunScript().model())


def test_an_entry_naming_a_tool_the_server_does_not_list_fails_the_run_saying_what_it_lists(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, shop_entry('tools = ["lookup"]')), env={})
    model = RunScript(plan=[("s1", "Tell the customer about order 1042", [])]).model()
    result = Supervisor(clerk(), config=config, model=model).run_sync("Where is order 1042?")
    assert result.status == "failed" and result.error_type == "ConfigError"
    assert "the server lists no tool 'lookup'; it lists: lookup_order, refund_amount" in (result.error or "")


def test_server_tool_names_become_valid_baton_names_and_stay_distinct() -> None:
    names = baton_names("files", ["read", "Read-File", "read_file", "x" * 60, "ünïcode"])
    assert names["read"] == "files__read"
    assert names["Read-File"] == "files__read_file"
    assert names["read_file"].startswith("files__read_file_") and names["read_file"] != "files__read_file"
    assert len(names["x" * 60]) == 40
    assert names["ünïcode"] == "files___n_code"
    assert baton_names("files", ["x" * 60]) == {"x" * 60: names["x" * 60]}  # stable from run to run
