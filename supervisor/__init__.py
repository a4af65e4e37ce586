"""Baton: LLM-supervised multi-agent orchestration.

A supervisor model plans a goal into subtasks, routes each to a specialist by its capability card, checks every
output, and answers. Heavy provider SDKs are imported only when a model of theirs is first used.
"""

from supervisor.cards import Card, Specialist, Team, Tool, WorkflowStep
from supervisor.checking import CheckedVerdict, Verdict
from supervisor.config import BatonConfig, LimitsConfig, ModelsConfig, load_config
from supervisor.context import StepKey
from supervisor.escalation import Escalation, HumanDecision
from supervisor.events import (
    AttemptStarted,
    EscalationRaised,
    Event,
    GuardTripped,
    HumanDecided,
    OutputProduced,
    PlanMade,
    PolicyStopped,
    Replanned,
    Rerouted,
    RunFinished,
    RunStarted,
    SubtaskRouted,
    ToolCalled,
    VerdictGiven,
)
from supervisor.exceptions import (
    AuditIntegrityError,
    BatonError,
    ConfigError,
    GuardTripwire,
    InsecureFileError,
    ModelError,
    ModelFileNotFoundError,
    PolicyStopError,
    PrivilegeEscalationError,
    PromptInjectionError,
    PromptTemplateError,
    RealModelBlockedError,
    RunError,
    ScriptExhaustedError,
    StructuredOutputError,
    SubtaskFailedError,
    TaintedArgumentsError,
    TeamError,
    ToolError,
    ToolNotAllowedError,
    UnknownAgentError,
    UnknownProviderError,
    UserError,
)
from supervisor.guards.pipeline import Guard, GuardedMessage, GuardResult
from supervisor.guards.provenance import Tainted
from supervisor.models import Completion, Message, Model, Usage, register_provider, resolve_model
from supervisor.models.scripted import ScriptedCall, ScriptedModel
from supervisor.plan import Plan, Subtask
from supervisor.routing import RouteDecision
from supervisor.runner import Supervisor
from supervisor.state import Attempt, RunResult, StepRecord, ToolCall

__version__ = "0.1.0"

__all__ = [
    "Attempt",
    "AttemptStarted",
    "AuditIntegrityError",
    "BatonConfig",
    "BatonError",
    "Card",
    "CheckedVerdict",
    "Completion",
    "ConfigError",
    "Escalation",
    "EscalationRaised",
    "Event",
    "Guard",
    "GuardResult",
    "GuardTripped",
    "GuardTripwire",
    "GuardedMessage",
    "HumanDecided",
    "HumanDecision",
    "InsecureFileError",
    "LimitsConfig",
    "Message",
    "Model",
    "ModelError",
    "ModelFileNotFoundError",
    "ModelsConfig",
    "OutputProduced",
    "Plan",
    "PlanMade",
    "PolicyStopError",
    "PolicyStopped",
    "PrivilegeEscalationError",
    "PromptInjectionError",
    "PromptTemplateError",
    "RealModelBlockedError",
    "Replanned",
    "Rerouted",
    "RouteDecision",
    "RunError",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "ScriptExhaustedError",
    "ScriptedCall",
    "ScriptedModel",
    "Specialist",
    "StepKey",
    "StepRecord",
    "StructuredOutputError",
    "Subtask",
    "SubtaskFailedError",
    "SubtaskRouted",
    "Supervisor",
    "Tainted",
    "TaintedArgumentsError",
    "Team",
    "TeamError",
    "Tool",
    "ToolCall",
    "ToolCalled",
    "ToolError",
    "ToolNotAllowedError",
    "UnknownAgentError",
    "UnknownProviderError",
    "Usage",
    "UserError",
    "Verdict",
    "VerdictGiven",
    "WorkflowStep",
    "__version__",
    "load_config",
    "register_provider",
    "resolve_model",
]
