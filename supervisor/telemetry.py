"""OpenTelemetry spans from the event stream, following the GenAI semantic conventions.

Only ``opentelemetry-api`` is used. When no SDK tracer provider is configured the sink is not even attached,
so a run pays nothing; when one is (``trace.set_tracer_provider(TracerProvider(...))``), a run becomes one
``invoke_agent supervisor`` span with an ``invoke_agent <agent>`` child per attempt and an
``execute_tool <tool>`` child per tool call; guard hits, verdicts and escalations are span events.
"""

from __future__ import annotations

import sys
from typing import Any

from supervisor.events import (
    AttemptStarted,
    EscalationRaised,
    Event,
    GuardTripped,
    PolicyStopped,
    RunFinished,
    RunStarted,
    ToolCalled,
    VerdictGiven,
)

SYSTEM = "baton"


def span_sink(tracer_provider: Any = None) -> SpanSink | None:
    """A sink for the configured tracer provider, or None when only the no-op API is there."""
    if tracer_provider is None and "opentelemetry.trace" not in sys.modules:
        # Configuring a provider imports the API first: when nothing has, there is none, and a run need not
        # import it (several megabytes) to find that out.
        return None
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - opentelemetry-api is a dependency
        return None
    provider = tracer_provider or trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        return None
    return SpanSink(provider.get_tracer("baton"))


class SpanSink:
    """Opens a span when a run or an attempt starts and closes it when it ends."""

    def __init__(self, tracer: Any) -> None:
        from opentelemetry import trace

        self._trace = trace
        self._tracer = tracer
        self._runs: dict[str, Any] = {}
        self._attempts: dict[tuple[str, str], Any] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            span = self._tracer.start_span(
                "invoke_agent supervisor",
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.system": SYSTEM,
                    "gen_ai.agent.name": "supervisor",
                    "gen_ai.conversation.id": event.run_id,
                    "baton.team": list(event.team),
                },
            )
            self._runs[event.run_id] = span
            return
        run_span = self._runs.get(event.run_id)
        if run_span is None:
            return  # a run resumed in another process: its spans belong to that trace
        parent = self._trace.set_span_in_context(run_span)
        if isinstance(event, AttemptStarted):
            self._end_attempt(event.run_id, event.subtask_id)
            self._attempts[(event.run_id, event.subtask_id)] = self._tracer.start_span(
                f"invoke_agent {event.agent}",
                context=parent,
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.system": SYSTEM,
                    "gen_ai.agent.name": event.agent,
                    "baton.subtask.id": event.subtask_id,
                    "baton.attempt": event.attempt,
                },
            )
        elif isinstance(event, ToolCalled):
            attempt = self._attempts.get((event.run_id, event.subtask_id))
            context = self._trace.set_span_in_context(attempt) if attempt is not None else parent
            self._tracer.start_span(
                f"execute_tool {event.tool}",
                context=context,
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": event.tool},
            ).end()
        elif isinstance(event, VerdictGiven):
            span = self._attempts.get((event.run_id, event.subtask_id))
            if span is not None:
                span.set_attribute("baton.verdict", event.verdict.decision)
                span.set_attribute("baton.verdict.decided_by", event.verdict.decided_by)
            self._end_attempt(event.run_id, event.subtask_id)
        elif isinstance(event, GuardTripped):
            run_span.add_event("baton.guard", {"guard": event.guard, "status": event.status, "channel": event.channel})
        elif isinstance(event, EscalationRaised):
            run_span.add_event(
                "baton.escalation", {"kind": event.escalation.kind, "subtask": event.escalation.subtask_id}
            )
        elif isinstance(event, PolicyStopped):
            run_span.add_event("baton.policy_stop", {"policy": event.policy})
        elif isinstance(event, RunFinished):
            for key in [k for k in self._attempts if k[0] == event.run_id]:
                self._end_attempt(*key)
            usage = event.result.usage
            run_span.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
            run_span.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
            run_span.set_attribute("baton.status", event.result.status)
            if event.result.status == "failed":
                run_span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, event.result.error or ""))
            run_span.end()
            del self._runs[event.run_id]

    def _end_attempt(self, run_id: str, subtask_id: str) -> None:
        span = self._attempts.pop((run_id, subtask_id), None)
        if span is not None:
            span.end()
