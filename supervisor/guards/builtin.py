"""The guards every run has, and the pipeline built from ``[guards]``.

Order matters: delimiters are stripped first (structural: untrusted text can never close a data block), then
the detector (second line: flags instructions hidden in data), then user guards, then the link filter on what
leaves Baton. Trusted text (the goal, a person's answer, the supervisor's own output) skips the detector: it may
quote anything it likes, and flagging the user's own goal would block the work it asks for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supervisor.config import load_callable
from supervisor.decisions.prompts import strip_data_markers
from supervisor.guards.links import strip_disallowed_links
from supervisor.guards.pipeline import Guard, GuardedMessage, GuardPipeline, GuardResult

if TYPE_CHECKING:
    from supervisor.config import GuardsConfig
    from supervisor.guards.detector.heuristic import HeuristicDetector

InjectionClassifier = Callable[[str], float | bool]
"""An injection classifier: a probability (>= 0.5 flags) or a plain yes/no."""


def data_markers(message: GuardedMessage) -> GuardResult:
    """Remove ``<data>`` delimiters from untrusted text so it cannot end its data block early."""
    if not message.untrusted:
        return GuardResult("pass", message.text)
    cleaned = strip_data_markers(message.text)
    if cleaned == message.text.strip():
        return GuardResult("pass", message.text)
    return GuardResult("sanitized", cleaned, "data_markers", ("data-block delimiters removed",))


@dataclass(frozen=True)
class InjectionGuard:
    """The injection detector over untrusted text: block (quarantine, escalate) or sanitize on a hit."""

    detector: HeuristicDetector
    sanitize: bool = False
    name: str = "injection"

    def __call__(self, message: GuardedMessage) -> GuardResult:
        if not message.untrusted or message.channel == "tool_args":
            return GuardResult("pass", message.text)
        findings = self.detector.scan(message.text)
        if not findings:
            return GuardResult("pass", message.text)
        reasons = tuple(dict.fromkeys(f"{f.kind}{' (encoded)' if f.encoded else ''}: {f.evidence}" for f in findings))
        if self.sanitize:
            return GuardResult("sanitized", self.detector.sanitize(message.text), self.name, reasons, findings)
        return GuardResult("blocked", message.text, self.name, reasons, findings)


@dataclass(frozen=True)
class ClassifierGuard:
    """A user-supplied injection classifier over untrusted text (e.g. a small fine-tuned model)."""

    classify: InjectionClassifier
    name: str = "classifier"

    def __call__(self, message: GuardedMessage) -> GuardResult:
        if not message.untrusted or message.channel == "tool_args":
            return GuardResult("pass", message.text)
        score = self.classify(message.text)
        if score is True or (not isinstance(score, bool) and score >= 0.5):
            return GuardResult("blocked", message.text, self.name, (f"classifier flagged it ({score})",))
        return GuardResult("pass", message.text)


@dataclass(frozen=True)
class LinkGuard:
    """Strip Markdown images, links and URLs to hosts off the allow-list from what Baton emits or passes on."""

    allowed_hosts: tuple[str, ...] = ()
    name: str = "links"

    def __call__(self, message: GuardedMessage) -> GuardResult:
        if message.channel not in ("output", "final"):
            return GuardResult("pass", message.text)
        text, removed = strip_disallowed_links(message.text, self.allowed_hosts)
        if not removed:
            return GuardResult("pass", message.text)
        shown = ", ".join(url[:60] for url in removed[:3])
        return GuardResult("sanitized", text, self.name, (f"{len(removed)} link(s) to hosts off the list: {shown}",))


@functools.cache
def shared_detector() -> HeuristicDetector:
    """One detector per process: its patterns are compiled once, and it keeps no state between messages."""
    from supervisor.guards.detector.heuristic import HeuristicDetector

    return HeuristicDetector()


@functools.cache
def shared_layered_detector() -> HeuristicDetector:
    """The rules with the shipped learned model beside them, loaded (and its sha256 checked) once per process."""
    from supervisor.guards.detector.layered import LayeredDetector
    from supervisor.guards.detector.learned import shipped_model

    return LayeredDetector(shipped_model())


def build_pipeline(config: GuardsConfig, extra: Sequence[Guard] = ()) -> GuardPipeline:
    """The run's pipeline: delimiters, detector, classifier, user guards, links."""
    guards: list[Guard] = [data_markers]
    if config.detector:
        detector = shared_layered_detector() if config.learned else shared_detector()
        guards.append(InjectionGuard(detector, sanitize=config.action == "sanitize"))
    if config.classifier:
        classify = load_callable(config.classifier, "guards.classifier", takes=1)
        guards.append(ClassifierGuard(classify))  # type: ignore[arg-type]
    for number, spec in enumerate(config.custom):
        guards.append(load_callable(spec, f"guards.custom[{number}]", takes=1))  # type: ignore[arg-type]
    guards.extend(extra)
    guards.append(LinkGuard(config.allowed_hosts))
    return GuardPipeline(guards)
