"""The REPL's slash commands: one table (name, arguments, what it does) and one method per command."""

from __future__ import annotations

import asyncio
import difflib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from supervisor.config import BatonConfig, TeamConfig, validation_problems
from supervisor.errors import ConfigError, UserError
from supervisor.models import Usage
from supervisor.result import RunResult

if TYPE_CHECKING:
    from supervisor.repl.session import Repl


@dataclass(frozen=True)
class Command:
    name: str
    arguments: str
    summary: str


COMMANDS = (
    Command("/help", "", "this list"),
    Command("/agents", "", "the team: each specialist, its card in one line, its model"),
    Command("/card", "NAME", "a specialist's whole card"),
    Command("/plan", "", "the last plan and the state of each subtask"),
    Command("/runs", "", "the journal's runs (this session's and earlier ones), most recent first"),
    Command("/run", "ID", "a run's story, from the audit log"),
    Command("/resume", "ID", "continue a stopped run: waiting for a person, cancelled, crashed or stopped"),
    Command("/audit", "ID", "verify a run's audit log, then tell its story"),
    Command("/config", "", "the configuration in force (secrets redacted)"),
    Command("/model", "[ROLE] NAME", "use model NAME for ROLE (default, supervisor or an agent) this session"),
    Command("/policy", "", "the limits in force: attempts, budgets, guards, tool approvals"),
    Command("/cost", "", "tokens and cost of the last run and of this session"),
    Command("/team", "MODULE:FUNCTION", "load another team"),
    Command("/quit", "", "leave (Ctrl-D too)"),
)
ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help"}
# A config value under a name like these is a secret itself (an ``api_key_env`` names a variable: not secret).
_SECRET_KEY = re.compile(r"(?:^|_)(?:api_key|key|secret|password|token)$", re.IGNORECASE)


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict) and data:
        return [pair for key, value in data.items() for pair in _flatten(value, f"{prefix}{key}.")]
    return [(prefix.rstrip("."), data)]


class Commands:
    """Dispatches ``/name args`` to its method; every command reads or changes the ``Repl`` it belongs to."""

    def __init__(self, repl: Repl) -> None:
        self.repl = repl
        self.console = repl.console

    async def dispatch(self, line: str) -> bool:
        """Run a command line; False for /quit."""
        word, _, rest = line.partition(" ")
        name = ALIASES.get(word.lower(), word.lower())
        if name == "/quit":
            return False
        handler: Callable[[str], Awaitable[None]] | None = getattr(self, f"do_{name[1:]}", None)
        if handler is None or name not in {c.name for c in COMMANDS}:
            close = difflib.get_close_matches(name, [c.name for c in COMMANDS], n=1)
            hint = f"did you mean {close[0]}? /help lists the commands" if close else "/help lists the commands"
            self.repl.error(f"unknown command {word}", hint)
            return True
        await handler(rest.strip())
        return True

    @staticmethod
    def _needs(args: str, usage: str) -> str:
        if not args:
            raise UserError(f"missing argument: {usage}")
        return args

    # -- the team ------------------------------------------------------------------------------------------

    async def do_help(self, args: str) -> None:
        table = Table(title="Commands", title_justify="left", show_header=False, box=None, pad_edge=False)
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for command in COMMANDS:
            table.add_row(f"{command.name} {command.arguments}".rstrip(), command.summary)
        self.console.print(table)
        self.console.print("[dim]Anything else is a goal. Ctrl-C cancels a run, Ctrl-D leaves.[/]")

    async def do_agents(self, args: str) -> None:
        models = self.repl.supervisor.models_by_role()
        table = Table(title="Team", title_justify="left")
        for column in ("agent", "does", "tools", "model"):
            table.add_column(column, no_wrap=column == "agent")
        for member in self.repl.supervisor.team:
            tools = ", ".join(member.card.tools) or "-"
            table.add_row(member.name, escape(member.card.description), tools, models[member.name].name)
        self.console.print(table)
        self.console.print(f"[dim]supervisor: {models['supervisor'].name}; /card NAME shows a whole card[/]")

    async def do_card(self, args: str) -> None:
        name = self._needs(args, "/card NAME")
        member = self.repl.supervisor.team[name]  # an unknown name is an UnknownAgentError listing the team
        table = Table(title=f"Card of {name}", title_justify="left", show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, value in member.card.model_dump(mode="json").items():
            shown = "\n".join(map(str, value)) if isinstance(value, list) else json.dumps(value) if value else "-"
            table.add_row(key, escape(str(value) if isinstance(value, str) else shown))
        self.console.print(table)

    async def do_team(self, args: str) -> None:
        factory = self._needs(args, "/team MODULE:FUNCTION")
        try:
            team = TeamConfig(factory=factory)
        except ValidationError as exc:
            raise ConfigError("/team", validation_problems(exc, "team")) from None
        await self.repl.reconfigure(self.repl.config.model_copy(update={"team": team}))
        self.console.print(f"team {factory}: {', '.join(self.repl.supervisor.team.names)}")

    async def do_model(self, args: str) -> None:
        words = self._needs(args, "/model [ROLE] NAME").split()
        if len(words) > 2:
            raise UserError("usage: /model [ROLE] NAME, e.g. /model writer openai/gpt-4o-mini")
        role, name = ("default", words[0]) if len(words) == 1 else (words[0], words[1])
        models = self.repl.config.models
        if role == "default":
            changed = models.model_copy(update={"default": name})
        elif role == "supervisor":
            changed = models.model_copy(update={"supervisor": name})
        elif role in self.repl.supervisor.team:
            changed = models.model_copy(update={"agents": {**models.agents, role: name}})
        else:
            known = ", ".join(["default", "supervisor", *self.repl.supervisor.team.names])
            raise UserError(f"no role {role!r}; roles: {known}")
        await self.repl.reconfigure(self.repl.config.model_copy(update={"models": changed}))
        self.console.print(f"{role} now uses {name}")

    # -- runs ----------------------------------------------------------------------------------------------

    async def do_plan(self, args: str) -> None:
        view = self.repl.last_view
        if view is None or not view.nodes:
            self.console.print("no plan yet: type a goal")
            return
        self.console.print(view.tree())

    async def do_runs(self, args: str) -> None:
        if not self.repl.config.journal.enabled:
            self._session_runs()
            return
        rows = await self.repl.journal_runs(50)
        if not rows:
            self.console.print("no runs yet: type a goal")
            return
        table = Table(title="Runs", title_justify="left")
        for column in ("run", "updated", "state", "goal"):
            table.add_column(column, no_wrap=column in ("run", "updated"))
        for row in rows:
            when = row.updated_at[5:16].replace("T", " ")
            table.add_row(row.run_id, when, row.state, escape(self.repl.redactor.redact(row.goal)[:60]))
        self.console.print(table)

    def _session_runs(self) -> None:
        """Without a journal, only this session's runs are known (and none can be resumed)."""
        if not self.repl.runs:
            self.console.print("no runs yet: type a goal")
            return
        table = Table(title="Runs of this session (the journal is off)", title_justify="left")
        for column in ("run", "status", "goal"):
            table.add_column(column, no_wrap=column == "run")
        for result in self.repl.runs.values():
            table.add_row(result.run_id, result.status, escape(self.repl.redactor.redact(result.goal)[:60]))
        self.console.print(table)

    async def do_run(self, args: str) -> None:
        run_id = self._needs(args, "/run ID")
        self._story(await self._full_id(run_id), verify=False)

    async def do_audit(self, args: str) -> None:
        run_id = self._needs(args, "/audit ID")
        self._story(await self._full_id(run_id), verify=True)

    async def _full_id(self, run_id: str) -> str:
        """The run ``run_id`` names: its id, or the one run (of the session or the journal) it begins."""
        if run_id in self.repl.runs or run_id in self.repl.known_runs:
            return run_id
        if self.repl.config.journal.enabled:
            await self.repl.journal_runs()
        known = dict.fromkeys([*self.repl.runs, *self.repl.known_runs])
        matches = [known_id for known_id in known if known_id.startswith(run_id)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UserError(f"{run_id!r} names {len(matches)} runs; give more of the id (/runs lists them)")
        raise UserError(f"no run {run_id!r} (/runs lists the runs)")

    def _story(self, run_id: str, *, verify: bool) -> None:
        from supervisor.audit.log import open_audit_log
        from supervisor.audit.story import format_story

        log = open_audit_log(self.repl.config.audit, create=False)
        if log is None:
            raise UserError("the audit log is disabled ([audit] enabled = false): no story to tell")
        with log:
            if not log.has_run(run_id):
                raise UserError(f"no run {run_id} in the audit log at {log.path}")
            if verify:
                report = log.verify(run_id)
                if report.ok:
                    sealed = "sealed" if report.sealed else "not sealed yet"
                    self.console.print(
                        f"[green]audit log of run {run_id} verifies[/]: {report.entries} entries, {sealed}"
                    )
                else:
                    self.console.print(f"[red]audit log of run {run_id} does not verify[/]: {escape(report.problem)}")
            lines = format_story(log.entries(run_id))
        self.console.print(f"[bold]run {run_id}[/]")
        for line in lines:
            self.console.print(escape(line), highlight=False, soft_wrap=False, overflow="fold")

    async def do_resume(self, args: str) -> None:
        """Resume from the journal, as ``baton resume`` does; a question the run waits for is asked here first."""
        given = self._needs(args, "/resume ID")
        if not self.repl.config.journal.enabled:
            raise UserError("/resume needs the journal ([journal] enabled = true): with it off, no run is resumable")
        run_id = await self._full_id(given)
        row = await self.repl.supervisor.recorded_run(run_id)
        stopped = RunResult.model_validate(row.result) if row.result is not None else self.repl.runs.get(run_id)
        decision = None
        if row.state == "waiting_for_human" and stopped is not None and stopped.pending is not None:
            try:
                decision = await self.repl.desk(stopped.pending)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                self.console.print(f"run {run_id} still waits for a person")
                return
        await self.repl.watch(lambda sink: self.repl.supervisor.resume(run_id, decision, on_event=sink), stopped)

    # -- settings ------------------------------------------------------------------------------------------

    async def do_config(self, args: str) -> None:
        config: BatonConfig = self.repl.config
        data = self.repl.redactor.redact_data(config.model_dump(mode="json"))
        for key, value in _flatten(data):
            secret = _SECRET_KEY.search(key.rsplit(".", 1)[-1]) and value
            shown = "***" if secret else json.dumps(value)
            self.console.print(f"{escape(key)} = {escape(shown)}", highlight=False)

    async def do_policy(self, args: str) -> None:
        config = self.repl.config
        table = Table(title="Limits in force", title_justify="left", show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, value in config.limits.model_dump(mode="json").items():
            table.add_row(f"limits.{key}", "none" if value is None else json.dumps(value))
        table.add_row("guards.action", config.guards.action)
        ruled = config.guards.model_dump(mode="json")["tools"]  # "allow", or a table of rules per argument
        tools = ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in ruled.items())
        tools = tools or "side effects denied"
        table.add_row("guards.tools", tools)
        table.add_row("checking.judge", config.checking.judge)
        self.console.print(table)

    async def do_cost(self, args: str) -> None:
        from supervisor.cli.printer import usage_table

        last = next(reversed(self.repl.runs.values()), None)
        if last is not None:
            self.console.print(usage_table(last))
        total: Usage = self.repl.session_usage
        self.console.print(
            f"this session: {len(self.repl.runs)} run(s), {total.calls} model call(s), "
            f"{total.total_tokens} tokens, ${total.cost_usd:.4f}"
        )
