"""A specialist uses an MCP server's tools in a run (scripted model, real server started by the test): both of the
shop's tools in one attempt, over stdio and over streamable HTTP; the tool policy holds a side effect whose
arguments the model wrote; a server that dies mid-run fails the run with a typed error and loses no accepted
output."""

from __future__ import annotations

from pathlib import Path

from support.audit_trail import verified_kinds
from support.mcp_servers import http_shop, process_gone, read_pid, shop

from supervisor import (
    BatonConfig,
    Card,
    Event,
    GuardTripped,
    MCPServerError,
    MCPTools,
    RunScript,
    Specialist,
    Supervisor,
    Team,
)

GOAL = "Order 1042 arrived broken. How much can I get back?"
ANSWER = "Order 1042 (2 mugs) was paid 24.00 EUR, and 24.00 EUR can be refunded to you."
CONFIG = BatonConfig.model_validate({"routing": {"similarity": "bm25"}})
LOOKUP = ("shop__lookup_order", {"order_id": "1042"})
REFUND = ("shop__refund_amount", {"order_id": "1042"})


def clerk(privilege: str = "read") -> Specialist:
    card = Card(description="Looks up orders and refunds for customers", privilege=privilege)  # type: ignore[arg-type]
    return Specialist(name="clerk", card=card, instructions="Answer the customer about their order.")


def greeter() -> Specialist:
    card = Card(description="Writes the greeting of a reply to a customer")
    return Specialist(name="greeter", card=card, instructions="Write the greeting.")


def test_a_specialist_looks_up_then_asks_the_refund_from_the_server_and_answers_with_both(tmp_path: Path) -> None:
    calls, pid_file = tmp_path / "calls.log", tmp_path / "shop.pid"
    script = RunScript(
        plan=[("s1", "Tell the customer how much of order 1042 can be refunded", [])],
        tool_calls=[LOOKUP, REFUND, None],
        answer=ANSWER,
    )
    server = shop(env={"SHOP_CALLS": str(calls), "SHOP_PID_FILE": str(pid_file)})
    result = Supervisor(Team([clerk()]), model=script.model(), config=CONFIG, mcp=[server]).run_sync(GOAL)
    assert result.status == "done", result.error
    (attempt,) = result.steps[0].attempts
    assert [(c.tool, c.output) for c in attempt.tool_calls] == [
        ("shop__lookup_order", "order 1042: 2 mugs, paid 24.00 EUR"),
        ("shop__refund_amount", "refundable for order 1042: 24.00 EUR"),
    ]
    assert attempt.tool_calls[1].sources == {"order_id": "tool:shop__lookup_order"}
    assert calls.read_text(encoding="utf-8").splitlines() == ["lookup_order 1042", "refund_amount 1042"]
    assert result.steps[0].output == ANSWER
    assert process_gone(read_pid(pid_file))


def test_a_specialist_uses_a_streamable_http_server_on_loopback() -> None:
    script = RunScript(
        plan=[("s1", "Tell the customer how much of order 1042 can be refunded", [])],
        tool_calls=[LOOKUP, REFUND, None],
        answer=ANSWER,
    )
    with http_shop() as (url, process):
        server = MCPTools(name="shop", url=url, agents=("clerk",))
        result = Supervisor(Team([clerk()]), model=script.model(), config=CONFIG, mcp=[server]).run_sync(GOAL)
        still_serving = process.poll() is None  # Baton did not start this server, so it does not stop it
    assert result.status == "done", result.error
    outputs = [c.output for c in result.steps[0].attempts[0].tool_calls]
    assert outputs == ["order 1042: 2 mugs, paid 24.00 EUR", "refundable for order 1042: 24.00 EUR"]
    assert still_serving


def test_the_tool_policy_refuses_a_server_side_effect_whose_arguments_the_model_wrote(tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    written = ("shop__refund_amount", {"order_id": "2077"})  # an order the goal never named: the model's own
    script = RunScript(
        plan=[("s1", "Tell the customer how much of order 1042 can be refunded", [])],
        tool_calls=[written, None],
        answer="I could not check the refund of order 1042; a colleague will get back to you.",
    )
    refunding = shop(env={"SHOP_CALLS": str(calls)}, side_effects={"refund_amount": True})
    events: list[Event] = []
    sup = Supervisor(Team([clerk("write")]), model=script.model(), config=CONFIG, mcp=[refunding])
    result = sup.run_sync(GOAL, on_event=events.append)
    (call,) = result.steps[0].attempts[0].tool_calls
    assert call.tool == "shop__refund_amount" and "the tool policy refuses it" in call.refused
    assert not calls.exists()  # the server never received the call
    refused = [e for e in events if isinstance(e, GuardTripped) and e.guard == "tainted_arguments"]
    assert refused and refused[0].agent == "clerk"


def test_a_server_that_dies_mid_run_fails_the_run_with_a_typed_error_and_keeps_the_accepted_work(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "shop.pid"
    greeting = "Hello, and thank you for writing to us about your order."

    def answer(call: object) -> str:
        return greeting if getattr(call, "agent", "") == "greeter" else ANSWER

    script = RunScript(
        plan=[("s1", "Write the greeting of the reply", []), ("s2", "Find what can be refunded", ["s1"])],
        route=lambda call: "greeter" if "greeting" in str(call.messages[-1]["content"]) else "clerk",
        tool_calls=[LOOKUP, REFUND, None],
        answer=answer,
    )
    dying = shop(env={"SHOP_DIE_ON": "refund_amount", "SHOP_PID_FILE": str(pid_file)})
    team = Team([greeter(), clerk()], pipeline=("greeter", "clerk"))
    result = Supervisor(team, model=script.model(), config=CONFIG, mcp=[dying]).run_sync(GOAL)

    assert result.status == "failed"
    assert result.error_type == "MCPServerError"
    assert "MCP server 'shop' did not answer a call of refund_amount" in (result.error or "")
    assert "refund_amount lost its database connection" in (result.error or "")  # the server's last words
    by_id = {s.subtask.id: s for s in result.steps}
    assert by_id["s1"].status == "accepted" and by_id["s1"].output == greeting
    assert by_id["s2"].status == "failed"
    assert result.accepted == {"s1": greeting}
    try:
        result.raise_for_status()
    except MCPServerError as exc:
        assert (exc.source, exc.tool) == ("shop", "refund_amount")
    else:
        raise AssertionError("a failed run must raise its error")
    assert process_gone(read_pid(pid_file))
    report, kinds = verified_kinds(result.run_id)
    assert report.ok and report.sealed, report.problem
    assert kinds[-1] == "RunFinished"


def test_a_call_that_never_returns_ends_at_the_step_deadline_and_the_server_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "shop.pid"
    script = RunScript(plan=[("s1", "Tell the customer what order 1042 was", [])], tool_calls=[LOOKUP, None])
    hanging = shop(env={"SHOP_HANG_ON": "lookup_order", "SHOP_PID_FILE": str(pid_file)})
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "limits": {"step_timeout_s": 3}})
    result = Supervisor(Team([clerk()]), model=script.model(), config=config, mcp=[hanging]).run_sync(GOAL)
    assert (result.status, result.error_type) == ("stopped", "StepTimeoutError")
    assert process_gone(read_pid(pid_file))
