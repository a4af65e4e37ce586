"""Every error Baton raises, in one place.

Errors say whose fault it is: a ``UserError`` is a mistake the caller can fix (bad config, unknown model or
agent, a broken team); a ``RunError`` is something that went wrong while running (a model that never gave a
valid answer, a provider that failed). The CLI prints ``UserError`` as one clear line with exit code 2 and a
``RunError`` with exit code 1; neither shows a traceback.

    BatonError
    ├── UserError
    │   ├── ConfigError                 malformed baton.toml, unknown key, wrong type, bad env override
    │   ├── UnknownProviderError        model string with a prefix no provider is registered for
    │   ├── ModelFileNotFoundError      local/<path>.gguf that does not exist
    │   ├── TeamError                   duplicate specialist names, a card naming a missing tool
    │   ├── UnknownAgentError           a name that is not on the team
    │   ├── MissingCredentialError      the env var a provider's key should come from is not set
    │   ├── PromptTemplateError         missing template or an undefined template variable
    │   ├── InsecureFileError           a config, key or audit file others can write; a key others can read
    │   ├── UnknownRunError             a run id the journal does not hold
    │   └── AnswerRefusedError          a person's answer to a run that is not waiting for it (or answered twice)
    └── RunError
        ├── ModelError                  a provider failed to answer
        │   ├── RealModelBlockedError   a unit test reached for a real provider
        │   └── ProviderError           an HTTP provider failed; names provider, model and endpoint
        │       ├── ProviderAuthError           401/403: bad or missing key
        │       ├── ProviderModelNotFoundError  404: the endpoint does not serve that model
        │       ├── ProviderRateLimitError      429 until the retry budget ran out
        │       ├── ProviderServerError         5xx until the retry budget ran out
        │       ├── ProviderTimeoutError        no answer within the timeout, every attempt
        │       ├── ProviderUnreachableError    the host refused or could not be reached
        │       ├── ProviderConnectionLostError the connection dropped mid-response
        │       └── ProviderResponseError       the answer was not the JSON the API promises
        ├── StructuredOutputError       a model never produced a valid structured answer (carries attempts)
        ├── ScriptExhaustedError        a ScriptedModel was asked more often than it was scripted
        ├── ScriptError                 a test script's own responder raised (a bug in the test)
        ├── ToolError                   a tool's result could not be read as text (what a tool raises keeps its type)
        ├── ToolArgumentsError          a tool call's arguments do not fit the tool's parameters (never reaches it)
        ├── ToolSourceError             a source of tools failed; names the source
        │   └── MCPServerError          an MCP server did not start, list its tools or answer a call (it died, hung
        │                               up, or broke the protocol); carries the end of its stderr
        ├── SubtaskFailedError          a subtask was rejected after all its attempts (or by a person)
        ├── EmbeddingModelError         the sentence-embedding weights are incomplete, corrupt or not the pinned file
        ├── DetectorModelError          the injection detector's shipped weights or rule files are missing or broken
        ├── AuditIntegrityError         the audit log of a run was changed, cut or rewritten; names the first bad entry
        ├── AuditFileError              the audit log's file is damaged: not SQLite, or pages SQLite cannot read
        ├── AuditStorageError           the audit log cannot be written: a full disk, read-only, held by another process
        ├── JournalError                the step journal cannot be written or read (no committed step is lost);
        │   │                           names the store
        │   ├── JournalFullError        the disk (or the store's size limit) is full
        │   ├── JournalReadOnlyError    the store or its folder cannot be written
        │   ├── JournalLockedError      another process holds the store's lock past the busy timeout
        │   └── JournalVersionError     the store was written by a newer Baton
        ├── RunFencedError              another owner took the run over; this one may write nothing more
        ├── OutcomeUnknownError         an at-most-once tool's intent has no result and nothing can settle it
        ├── ReplayDivergedError         a replay reached a step the recorded run never made
        ├── GuardTripwire               a guard blocked a message between agents (carries the guard's findings)
        │   ├── PromptInjectionError    untrusted text carried instructions (detector hit, action escalate/block)
        │   ├── ToolNotAllowedError     a tool outside the card or outside the step's capability token
        │   ├── PrivilegeEscalationError work would move to a more privileged agent on an agent's say-so
        │   └── TaintedArgumentsError   a side-effecting tool with arguments from untrusted text, not approved
        └── PolicyStopError             a policy bound the work; the run stops with what was accepted
            ├── AgentRunLimitError      an agent would run more than its limit per goal
            ├── StepLimitError          more specialist steps than the goal allows
            ├── ReplanLimitError        more re-plans than allowed
            ├── ReplanScopeError        a re-plan named an agent or a target that neither the goal nor the plan did
            ├── TokenBudgetError        the goal's token budget is spent
            ├── CostBudgetError         the goal's cost budget is spent
            ├── StepTimeoutError        one step ran past its wall-clock limit
            └── GoalTimeoutError        the goal ran past its wall-clock limit
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class BatonError(Exception):
    """Base of every error Baton raises on purpose."""


class UserError(BatonError):
    """A mistake the caller can fix; reported without a traceback."""


class ConfigError(UserError):
    """The configuration file or an environment override is invalid."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        if len(self.problems) == 1:  # the common case reads as one line
            super().__init__(f"invalid configuration in {source}: {self.problems[0]}")
            return
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration in {source}:\n{lines}")


class UnknownProviderError(UserError):
    """A model string whose prefix has no registered provider."""

    def __init__(self, spec: str, known: Sequence[str], what: str = "provider prefixes") -> None:
        self.spec = spec
        self.known = sorted(known)
        super().__init__(f"unknown model {spec!r}; known {what}: {', '.join(self.known)}")


class ModelFileNotFoundError(UserError):
    """A ``local/<path>.gguf`` model whose file does not exist."""

    def __init__(self, spec: str, path: str, available: Sequence[str]) -> None:
        self.spec = spec
        self.path = path
        self.available = list(available)
        hint = ", ".join(self.available) if self.available else "none found"
        super().__init__(f"model file for {spec!r} not found at {path}; available local models: {hint}")


class TeamError(UserError):
    """The team cannot be built: duplicate names or dangling tool references."""

    def __init__(self, message: str, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(message)


class UnknownAgentError(UserError):
    """A specialist name that is not on the team."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown agent {name!r}; the team has: {', '.join(self.known)}")


class MissingCredentialError(UserError):
    """A provider needs a key and the environment variable named for it is not set."""

    def __init__(self, provider: str, variable: str) -> None:
        self.provider = provider
        self.variable = variable
        super().__init__(
            f"{provider}: the API key variable {variable} is not set "
            f"(set it, or name another one with providers.{provider}.api_key_env)"
        )


class PromptTemplateError(UserError):
    """A prompt template is missing or uses a variable that was not given."""


class RunError(BatonError):
    """Something went wrong while running a goal."""


class ModelError(RunError):
    """A model provider failed to answer."""


class RealModelBlockedError(ModelError):
    """A real provider was asked for while real models are blocked (unit tests)."""


class ProviderError(ModelError):
    """An HTTP model provider failed; the message names the provider, the model and the endpoint."""

    def __init__(self, provider: str, model: str, endpoint: str, detail: str, attempts: int = 1) -> None:
        self.provider = provider
        self.model = model
        self.endpoint = endpoint
        self.detail = detail
        self.attempts = attempts
        tries = f" after {attempts} attempt(s)" if attempts > 1 else ""
        super().__init__(f"{provider} model {model!r} at {endpoint}: {detail}{tries}")


class ProviderAuthError(ProviderError):
    """The endpoint rejected the credentials (401/403)."""


class ProviderModelNotFoundError(ProviderError):
    """The endpoint does not serve the requested model (404)."""


class ProviderRateLimitError(ProviderError):
    """Still rate limited (429) when the retry budget ran out."""


class ProviderServerError(ProviderError):
    """Still failing with 5xx when the retry budget ran out."""


class ProviderTimeoutError(ProviderError):
    """No answer within the timeout on every attempt."""


class ProviderUnreachableError(ProviderError):
    """The host refused the connection or could not be resolved."""


class ProviderConnectionLostError(ProviderError):
    """The connection dropped in the middle of a response."""


class ProviderResponseError(ProviderError):
    """The endpoint answered with something that is not the JSON its API promises."""


class StructuredOutputError(RunError):
    """A model never produced an answer that validates against the requested schema."""

    def __init__(self, schema_name: str, attempts: int, last_output: str, errors: str) -> None:
        self.schema_name = schema_name
        self.attempts = attempts
        self.last_output = last_output
        self.errors = errors
        self.usage: Any = None  # the Usage of every attempt, set by whoever made the calls
        shown = last_output if len(last_output) <= 300 else last_output[:300] + "..."
        super().__init__(
            f"no valid {schema_name} after {attempts} attempt(s); last error: {errors}; last output: {shown!r}"
        )


class ScriptExhaustedError(RunError):
    """A ``ScriptedModel`` was called more times than answers were queued."""


class ScriptError(RunError):
    """A test script's own responder or handler raised: a bug in the test, reported as such."""


class ToolError(RunError):
    """A tool's result could not be turned into text. What a tool itself raises propagates with its own type."""

    def __init__(self, tool: str, cause: BaseException) -> None:
        self.tool = tool
        super().__init__(f"tool {tool!r} failed: {type(cause).__name__}: {cause}")


class ToolArgumentsError(RunError):
    """A call's arguments do not fit the tool's parameters; the tool never saw them. ``errors`` says what is wrong
    in words a model can act on (the tool loop sends it back as feedback)."""

    def __init__(self, tool: str, errors: str) -> None:
        self.tool = tool
        self.errors = errors
        super().__init__(f"invalid arguments for tool {tool!r}: {errors}")


class ToolSourceError(RunError):
    """A source of tools failed; ``source`` names it and ``phase`` says what it was doing (``start``, ``list``,
    ``call``); ``tool`` is the tool being called, if any."""

    kind = "tool source"

    def __init__(self, source: str, phase: str, detail: str, *, tool: str | None = None, stderr: str = "") -> None:
        self.source = source
        self.phase = phase
        self.detail = detail
        self.tool = tool
        self.stderr = stderr
        what = {"start": "start", "list": "list its tools", "call": f"answer a call of {tool}"}.get(phase, phase)
        said = f"; its stderr ends: {stderr!r}" if stderr else ""
        super().__init__(f"{self.kind} {source!r} did not {what}: {detail}{said}")


class MCPServerError(ToolSourceError):
    """An MCP server did not start, list its tools or answer a call: it died, hung up, or broke the protocol.

    ``stderr`` is the end of what a stdio server wrote to its standard error (empty for an HTTP server): where a
    server says why it stopped.
    """

    kind = "MCP server"


class SubtaskFailedError(RunError):
    """A subtask's output was rejected on every allowed attempt."""

    def __init__(self, subtask_id: str, attempts: int, feedback: str) -> None:
        self.subtask_id = subtask_id
        self.attempts = attempts
        self.feedback = feedback
        super().__init__(f"subtask {subtask_id} rejected after {attempts} attempt(s): {feedback}")


class PolicyStopError(RunError):
    """A policy stopped the run; accepted outputs are kept in the result."""

    policy = "policy"

    def __init__(self, detail: str, limit: float | None = None) -> None:
        self.detail = detail
        self.limit = limit
        super().__init__(f"policy {self.policy} stopped the run: {detail}")


class AgentRunLimitError(PolicyStopError):
    policy = "max_agent_runs"


class StepLimitError(PolicyStopError):
    policy = "max_steps"


class ReplanLimitError(PolicyStopError):
    policy = "max_replans"


class ReplanScopeError(PolicyStopError):
    """A re-plan would widen the work: an agent, a link or an address that neither the goal nor the plan named.

    A re-plan's reason is written by a model that read untrusted work, so it may carry an attacker's request; a
    re-plan may narrow or reorder the work, never widen it.
    """

    policy = "replan_scope"


class TokenBudgetError(PolicyStopError):
    policy = "token_budget"


class CostBudgetError(PolicyStopError):
    policy = "cost_budget_usd"


class StepTimeoutError(PolicyStopError):
    policy = "step_timeout_s"


class GoalTimeoutError(PolicyStopError):
    policy = "goal_timeout_s"


class EmbeddingModelError(RunError):
    """The sentence-embedding model's files are missing, malformed, or not the exact weights Baton pins."""

    def __init__(self, model_dir: str, detail: str) -> None:
        self.model_dir = model_dir
        self.detail = detail
        super().__init__(f"sentence-embedding model at {model_dir}: {detail}")


class DetectorModelError(RunError):
    """The injection detector's shipped weights or rule files are missing, malformed, or not what was built."""


class InsecureFileError(UserError):
    """A file Baton trusts (config, key, audit log) can be written by other users, or a key read by them."""

    def __init__(self, path: str, mode: int, *, readable: bool = False) -> None:
        self.path = path
        self.mode = mode
        what, fix = ("read", "go-rwx") if readable else ("written", "go-w")
        super().__init__(
            f"{path} can be {what} by other users (mode {mode & 0o777:o}); run 'chmod {fix} {path}' and try again"
        )


class AuditIntegrityError(RunError):
    """The audit log of a run does not verify: an entry was changed, removed, inserted, reordered or cut off."""

    def __init__(self, run_id: str, first_bad: int | None, problem: str) -> None:
        self.run_id = run_id
        self.first_bad = first_bad
        self.problem = problem
        where = f" at entry {first_bad}" if first_bad is not None else ""
        super().__init__(f"audit log of run {run_id} does not verify{where}: {problem}")


class AuditFileError(RunError):
    """The audit log's file is damaged: SQLite cannot read it as a database, or some of its pages."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"the audit log file {path} is damaged and cannot be trusted: {detail}")


class AuditStorageError(RunError):
    """The audit log's file is sound but cannot be written: its disk is full, it or its folder refuses writes, or
    another process holds it past the busy timeout. Fixed outside the run; nothing already recorded is lost."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"the audit log {path} cannot be written: {problem}")


class GuardTripwire(RunError):  # noqa: N818 - a tripwire is what it is, named as guard libraries name it
    """A guard blocked a message that crosses between agents; ``findings`` say what it saw."""

    tripwire = "guard"

    def __init__(self, detail: str, findings: Sequence[Any] = (), *, channel: str = "", agent: str = "") -> None:
        self.detail = detail
        self.findings = list(findings)
        self.channel = channel
        self.agent = agent
        where = f" ({channel}{' from ' + agent if agent else ''})" if channel else ""
        super().__init__(f"{self.tripwire} tripwire{where}: {detail}")


class PromptInjectionError(GuardTripwire):
    tripwire = "prompt_injection"


class ToolNotAllowedError(GuardTripwire):
    tripwire = "tool_not_allowed"


class PrivilegeEscalationError(GuardTripwire):
    tripwire = "privilege_escalation"


class TaintedArgumentsError(GuardTripwire):
    tripwire = "tainted_arguments"


class UnknownRunError(UserError):
    """A run id the journal does not hold."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no run {run_id!r} in the journal (see 'baton runs')")


class AnswerRefusedError(UserError):
    """A person's answer to a run that is not waiting for one, or to a question already answered."""


class JournalError(RunError):
    """The step journal cannot be written or read; what it says is what to fix. No committed step is lost.

    ``store`` names the file or server; ``run_id`` the run it stopped (None when no run was under way or the
    run was never recorded): once the fault is fixed, that run resumes by its id."""

    def __init__(self, message: str, *, store: str = "", run_id: str | None = None) -> None:
        self.store = store
        self.run_id = run_id
        super().__init__(message)

    def __str__(self) -> str:
        base = super().__str__()
        if self.run_id is None:
            return base
        return f"{base}; nothing committed is lost: once fixed, 'baton resume {self.run_id}' continues the run"


class JournalFullError(JournalError):
    """The disk holding the journal (or the store's own size limit) is full."""


class JournalReadOnlyError(JournalError):
    """The journal's file, its folder or the database refuses writes."""


class JournalLockedError(JournalError):
    """Another process held the journal's lock for longer than the busy timeout."""


class JournalVersionError(JournalError):
    """The journal was written by a newer Baton, whose layout this one does not know: it is never guessed at."""


class RunFencedError(RunError):
    """Another owner claimed the run (a newer epoch): this writer is fenced out and may write nothing more."""

    def __init__(self, run_id: str, epoch: int) -> None:
        self.run_id = run_id
        self.epoch = epoch
        super().__init__(f"run {run_id} was taken over by another owner; this owner (epoch {epoch}) is fenced out")


class OutcomeUnknownError(RunError):
    """An at-most-once tool recorded its intent but no result: it may or may not have acted."""

    def __init__(self, tool: str, key: str) -> None:
        self.tool = tool
        self.key = key
        super().__init__(f"{tool} may or may not have acted for {key} (intent recorded, no result)")


class ReplayDivergedError(RunError):
    """A replay reached a step the recorded run never made: a decision went another way, and nothing recorded
    can answer it (replay calls no model and no tool)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the replay reached {key}, a step the recorded run never made")
