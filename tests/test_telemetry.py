"""OpenTelemetry: no SDK, no sink; with an SDK, a run is a span tree in GenAI semantic conventions."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support.teams import make_team, plan_answer, responder

from supervisor import BatonConfig, ScriptedModel, Supervisor
from supervisor.telemetry import SpanSink, span_sink

PLAN = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))


def test_without_an_sdk_no_sink_is_attached() -> None:
    assert span_sink() is None  # the API's default provider is a no-op proxy


@pytest.fixture
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    sink = span_sink(provider)
    assert isinstance(sink, SpanSink)
    model = ScriptedModel(respond=responder(PLAN, verdicts=["retry"]), name="traced")
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "checking": {"judge": "model"}})
    result = Supervisor(make_team(), model=model, config=config).run_sync("Refund order #1042", on_event=sink)
    assert result.status == "done", result.error
    return exporter


def test_a_run_becomes_a_span_per_attempt_under_the_run_span(spans: InMemorySpanExporter) -> None:
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert names.count("invoke_agent supervisor") == 1
    assert names.count("invoke_agent writer") == 2  # retried once
    assert names.count("invoke_agent reviewer") == 1
    root = next(s for s in finished if s.name == "invoke_agent supervisor")
    children = [s for s in finished if s.parent is not None]
    assert children and all(s.parent.span_id == root.context.span_id for s in children)  # type: ignore[union-attr]
    writer = [s for s in finished if s.name == "invoke_agent writer"]
    assert [s.attributes["baton.verdict"] for s in writer] == ["retry", "accept"]  # type: ignore[index]
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"  # type: ignore[index]
    assert root.attributes["gen_ai.usage.input_tokens"] > 0  # type: ignore[index, operator]
