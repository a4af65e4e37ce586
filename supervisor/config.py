"""Typed configuration: one TOML file (``baton.toml``) plus environment overrides.

Every table forbids unknown keys, so a typo is an error rather than a silently ignored setting. An environment
variable ``BATON_<TABLE>__<KEY>`` (double underscore between levels) overrides one key, e.g.
``BATON_MODELS__DEFAULT=local/smollm2`` or ``BATON_LIMITS__MAX_ATTEMPTS=3``; its value is read as a TOML value
when it parses as one (numbers, booleans) and as a string otherwise. Errors name the file or variable, the key
and, for TOML syntax, the line.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from supervisor.audit.files import refuse_if_writable_by_others
from supervisor.errors import ConfigError
from supervisor.models.capabilities import ModelSize
from supervisor.models.pricing import Price
from supervisor.tools.mcp import MCPTools

CONFIG_ENV = "BATON_CONFIG"
DEFAULT_CONFIG_FILE = "baton.toml"
ENV_PREFIX = "BATON_"
ENV_LEVEL_SEPARATOR = "__"
DEFAULT_MODEL = "local/smollm2"
_Declared = TypeVar("_Declared")


class _Strict(BaseModel):
    # Validators are built on first use, not at ``import supervisor``: most programs validate a few of these.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ModelsConfig(_Strict):
    """Which model each role uses: ``default`` for all, ``supervisor`` and ``agents.<name>`` to override."""

    default: str = DEFAULT_MODEL
    supervisor: str | None = None
    agents: dict[str, str] = Field(default_factory=dict)
    capabilities: dict[str, ModelSize] = Field(
        default_factory=dict,
        description="by model string: 'small' (adapts the workflow, not asked to judge) or 'capable'; "
        "overrides what Baton infers from the model's name",
    )


class LimitsConfig(_Strict):
    """Bounds on the work of one goal."""

    max_attempts: int = Field(default=3, ge=1, le=10, description="tries per subtask (first + retries)")
    max_reasks: int = Field(default=2, ge=0, le=10, description="re-asks of a model whose answer is invalid")
    min_subtasks: int = Field(default=2, ge=1, description="least subtasks in a plan a model writes")
    max_subtasks: int = Field(
        default=4, ge=1, description="most subtasks in a plan a model writes (a plan the caller gives has no bound)"
    )
    specialist_max_tokens: int = Field(default=384, ge=16, le=8192)
    answer_max_tokens: int = Field(default=320, ge=16, le=8192)
    max_review_rounds: int = Field(default=2, ge=0, le=10, description="revisions a reviewer may ask for")
    max_concurrency: int = Field(default=4, ge=1, le=256, description="subtasks running at once")
    max_agent_runs: int = Field(default=8, ge=1, description="runs of any one agent per goal")
    agent_runs: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="per-agent override of max_agent_runs (agents on the team)"
    )
    max_steps: int = Field(default=40, ge=1, description="specialist runs per goal, all agents together")
    max_replans: int = Field(default=1, ge=0)
    max_reroutes: int = Field(default=2, ge=0, description="reroutes per subtask")
    token_budget: int | None = Field(default=None, ge=1, description="tokens per goal, all calls together")
    cost_budget_usd: float | None = Field(default=None, ge=0)
    max_tool_calls: int = Field(
        default=8, ge=1, le=100, description="tool calls per attempt; past it the specialist answers with what it has"
    )
    max_tool_calls_per_goal: int = Field(default=64, ge=1, description="tool calls per goal, all agents together")
    step_timeout_s: float | None = Field(default=None, gt=0, description="wall clock per specialist step")
    goal_timeout_s: float | None = Field(default=None, gt=0, description="wall clock per goal")

    @field_validator("max_subtasks")
    @classmethod
    def _not_below_min_subtasks(cls, value: int, info: ValidationInfo) -> int:
        least = info.data.get("min_subtasks")
        if isinstance(least, int) and value < least:
            raise ValueError(f"max_subtasks ({value}) is below min_subtasks ({least})")
        return value


SimilarityMode = Literal["auto", "embeddings", "bm25"]


class RouteRule(_Strict):
    """``[[routing.rules]]``: subtasks matching ``pattern`` (a regex) or any of ``keywords`` go to ``agent``."""

    agent: str
    pattern: str | None = None
    keywords: tuple[str, ...] = ()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> RouteRule:
        if self.pattern is None and not self.keywords:
            raise ValueError("a rule needs a pattern or keywords")
        return self


class RoutingConfig(_Strict):
    """How subtasks find their agent: rules first, then card similarity, the model between close candidates."""

    rules: tuple[RouteRule, ...] = ()
    similarity: SimilarityMode = Field(
        default="auto",
        description="card ranking: embeddings (all-MiniLM-L6-v2), bm25, or auto (embeddings if installed)",
    )
    candidates: int = Field(default=2, ge=2, le=20, description="agents the model chooses between")
    ask_model: bool = Field(
        default=True,
        description="the supervisor model chooses between close candidates; false: the best-scoring card wins",
    )
    decide_gap: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="relative lead of the best card over the runner-up, (best - second) / best, at which no model "
        "is asked; None: the ranker's default",
    )


PlanningMode = Literal["auto", "free", "skeleton"]


class PlanningConfig(_Strict):
    """How plans are made: ``free`` (the model writes them), ``skeleton`` (the model adapts the team's
    workflow), or ``auto``: a team built with a ``pipeline`` always runs it; a team with a ``workflow`` is
    adapted by a small model (see ``[models.capabilities]``) and planned freely by a capable one."""

    mode: PlanningMode = "auto"


JudgeMode = Literal["auto", "model", "code"]


class CheckingConfig(_Strict):
    """Who judges outputs after the code checks pass: ``model`` (the supervisor's model), ``code`` (code checks
    alone), or ``auto`` (``code`` for a small model, which judges close to chance; else ``model``)."""

    judge: JudgeMode = "auto"
    min_relevance: float | None = Field(
        default=None, ge=0, le=1, description="least similarity of an output to its task; None: the ranker's default"
    )


GuardAction = Literal["quarantine", "sanitize", "escalate"]
ToolApproval = Literal["allow", "ask", "deny"]
ArgumentOrigin = Literal["goal", "input", "tool", "model"]


class ToolRules(_Strict):
    """``[guards.tools.<name>]`` as a table: what a call needs, argument by argument.

    Each argument's value is traced to its source: ``goal``, ``input`` (a dependency's output), ``tool`` (an
    earlier tool's result) or ``model`` (the specialist wrote it). ``arguments.<arg>`` gives an approval for that
    argument, for every untrusted source (a string) or per source (a table); an untrusted source no rule names
    gets ``default``. The call needs the strictest approval any argument gets (deny, then ask, then allow).
    """

    default: ToolApproval | None = Field(
        default=None,
        description="untrusted arguments no rule names (None: deny for a tool with side effects, else allow)",
    )
    arguments: dict[str, ToolApproval | dict[ArgumentOrigin, ToolApproval]] = Field(
        default_factory=dict, description='per argument, e.g. { amount = { model = "deny", tool = "allow" } }'
    )


class GuardsConfig(_Strict):
    """``[guards]``: what happens when a detector flags a message between agents, and which side effects need whom.

    ``action``: ``quarantine`` (the message is withheld from every model; the step is retried, then escalated),
    ``sanitize`` (the flagged parts are removed and the run goes on) or ``escalate`` (a person decides).
    ``tools.<name>``: a side-effecting tool called with arguments that came from agent or tool output is
    ``allow``-ed, needs a person (``ask``) or is refused (``deny``, the default for every tool not listed); a
    table (``ToolRules``) decides argument by argument, by where each value came from.
    """

    action: GuardAction = "quarantine"
    detector: bool = Field(default=True, description="run the injection detector")
    learned: bool = Field(default=True, description="the detector also runs its learned model (rules alone if false)")
    allowed_hosts: tuple[str, ...] = Field(default=(), description="hosts whose links and images may be emitted")
    tools: dict[str, ToolApproval | ToolRules] = Field(default_factory=dict)
    custom: tuple[str, ...] = Field(default=(), description="extra guards, each 'module:function'")
    classifier: str | None = Field(default=None, description="an injection classifier, 'module:function'")


class AuditConfig(_Strict):
    """``[audit]``: the tamper-evident log of every decision.

    ``path`` defaults to ``$BATON_HOME/audit.sqlite3`` (``BATON_HOME`` defaults to ``./.baton``). The keys live
    apart from the log, in ``key_dir`` (default ``$BATON_KEY_DIR``, else ``~/.config/baton/keys``).
    """

    enabled: bool = True
    path: str | None = None
    key_dir: str | None = None


class JournalConfig(_Strict):
    """``[journal]``: the step journal that makes runs durable (resume after a crash, no repeated side effects).

    ``store`` defaults to ``$BATON_HOME/journal.sqlite3``; a ``postgresql://`` URL names a Postgres store.
    """

    enabled: bool = True
    store: str | None = None
    busy_timeout_s: float = Field(
        default=10.0, gt=0, description="how long a write waits for a lock another process holds, then fails"
    )


class ToolsConfig(_Strict):
    """``[tools]``: tools from outside the team's code. Each ``[[tools.mcp]]`` entry is an MCP server whose tools
    the specialists in its ``agents`` may call (a tool ``lookup`` of the server ``shop`` is ``shop__lookup``, and
    ``[guards.tools]`` takes that name); the server is started with each run, or once for a supervisor used as
    ``async with``, and stopped with it."""

    mcp: tuple[MCPTools, ...] = ()

    @field_validator("mcp")
    @classmethod
    def _names_differ(cls, value: tuple[MCPTools, ...]) -> tuple[MCPTools, ...]:
        names = [server.name for server in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"two MCP servers are named {', '.join(twice)}: each needs a name of its own")
        return value


class TeamConfig(_Strict):
    """Where the team comes from: ``module:function`` returning a list of specialists."""

    factory: str = Field(default="specialists:support_desk_team", pattern=r"^[\w.]+:\w+$")


class BatonConfig(_Strict):
    """The whole configuration."""

    models: ModelsConfig = Field(default_factory=ModelsConfig)
    providers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    planning: PlanningConfig = Field(default_factory=PlanningConfig)
    checking: CheckingConfig = Field(default_factory=CheckingConfig)
    team: TeamConfig = Field(default_factory=TeamConfig)
    guards: GuardsConfig = Field(default_factory=GuardsConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    journal: JournalConfig = Field(default_factory=JournalConfig)
    tools: ToolsConfig = Field(default_factory=ToolsConfig)
    prices: dict[str, Price] = Field(default_factory=dict, description="by model string, e.g. openai/gpt-4o-mini")

    def model_for(self, agent: str, declared: _Declared | None = None) -> str | _Declared:
        """The one role -> model rule: config per agent, else what the specialist declares, else the default."""
        return self.models.agents.get(agent) or declared or self.models.default

    @property
    def supervisor_model(self) -> str:
        return self.models.supervisor or self.models.default


def _parse_env_value(raw: str) -> Any:
    import tomllib  # loaded with the first TOML read, not with the package

    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Overlay ``BATON_A__B`` variables onto ``data``; return dotted key -> variable name."""
    applied: dict[str, str] = {}
    for var, raw in sorted(env.items()):
        if not var.startswith(ENV_PREFIX) or ENV_LEVEL_SEPARATOR not in var:
            continue
        path = [part.lower() for part in var[len(ENV_PREFIX) :].split(ENV_LEVEL_SEPARATOR)]
        if any(not part for part in path):
            raise ConfigError(var, [f"{var}: empty key level in the variable name"])
        node = data
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(var, [f"{var}: {'.'.join(path)} crosses a key that is not a table"])
            node = child
        node[path[-1]] = _parse_env_value(raw)
        applied[".".join(path)] = var
    return applied


def validation_problems(exc: ValidationError, prefix: str = "", renamed: Mapping[str, str] | None = None) -> list[str]:
    """One line per problem, named by its dotted key (``providers.openai.timeout_s: ...``)."""
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in ((prefix,) if prefix else ()) + tuple(error["loc"]))
        where = f"{renamed[key]} ({key})" if renamed and key in renamed else key
        if error["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown key")
        else:
            problems.append(f"{where}: {error['msg']} (got {error['input']!r})")
    return problems


def load_callable(spec: str, setting: str, *, takes: int | None = None) -> Callable[..., object]:
    """Import ``module:function`` named by a setting; a module in the working directory is found too.

    ``takes``: how many positional arguments Baton will call it with; a callable that cannot take them is a
    ``ConfigError`` now, rather than a ``TypeError`` in the middle of a run.

    People keep their team or guard module beside their ``baton.toml``, as they do with pytest and uvicorn, so
    the working directory is searched like an installed package.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(setting, [f"{setting}: {spec!r} is not 'module:function'"])
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.append(cwd)  # appended, so an installed module of the same name still wins
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(setting, [f"{setting}: cannot load {spec!r}: {exc}"]) from None
    if not callable(found):
        raise ConfigError(setting, [f"{setting}: {spec!r} is not callable"])
    if takes is not None:
        _check_arguments(found, spec, setting, takes)
    return found  # type: ignore[no-any-return]


def _check_arguments(found: Callable[..., object], spec: str, setting: str, takes: int) -> None:
    try:
        signature = inspect.signature(found)
    except (TypeError, ValueError):
        return  # a builtin without a signature: nothing to check before the call
    try:
        signature.bind(*range(takes))
    except TypeError:
        wanted = "no arguments" if takes == 0 else f"{takes} positional argument(s)"
        raise ConfigError(setting, [f"{setting}: {spec}{signature} must accept {wanted}"]) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        refuse_if_writable_by_others(path)  # a config others can write could point Baton anywhere
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from None
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already carries "(at line N, column M)".
        raise ConfigError(str(path), [f"TOML syntax error: {exc}"]) from None


def load_config(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> BatonConfig:
    """Load ``path`` (else ``$BATON_CONFIG``, else ``./baton.toml`` if present, else defaults) and env overrides."""
    env = os.environ if env is None else env
    chosen = path or env.get(CONFIG_ENV)
    source = "defaults"
    data: dict[str, Any] = {}
    if chosen:
        source = str(chosen)
        data = _read_toml(Path(chosen))
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        source = DEFAULT_CONFIG_FILE
        data = _read_toml(Path(DEFAULT_CONFIG_FILE))
    from_env = _apply_env(data, env)
    if from_env and source == "defaults":
        source = "environment"
    try:
        return BatonConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, renamed=from_env)) from None
