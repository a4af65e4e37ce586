"""Write docs/configuration.md from the config models, so the reference cannot drift from the code.

Usage: python scripts/config_reference.py           rewrite docs/configuration.md
       python scripts/config_reference.py --check   exit 1 if it is out of date (tests/test_docs.py runs this)

Every table and key comes from the pydantic models (``supervisor.config.BatonConfig`` and the provider settings):
its type, default, bounds and description. Only the example values of keys whose default is empty are written
here, and the test loads every example to prove it valid.
"""

from __future__ import annotations

import inspect
import json
import sys
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supervisor.config import BatonConfig  # noqa: E402 - after the path is set
from supervisor.models.chat_http import ChatProviderSettings  # noqa: E402

OUTPUT = ROOT / "docs" / "configuration.md"

# Example values for keys whose default shows nothing useful (empty tables, unset values), by dotted key.
EXAMPLES: dict[str, str] = {
    "models.supervisor": '"openai/gpt-4o-mini"',
    "models.agents": '{ writer = "openai/gpt-4o-mini" }',
    "models.capabilities": '{ "openai/my-small-model" = "small" }',
    "limits.agent_runs": "{ research = 3 }",
    "limits.token_budget": "20000",
    "limits.cost_budget_usd": "0.50",
    "limits.step_timeout_s": "60",
    "limits.goal_timeout_s": "300",
    "routing.decide_gap": "0.25",
    "checking.min_relevance": "0.2",
    "guards.allowed_hosts": '["docs.example.com"]',
    "guards.tools": '{ issue_refund = "ask" }',
    "guards.tools.NAME.default": '"allow"',
    "guards.tools.NAME.arguments": '{ amount = { model = "deny" } }',
    "guards.custom": '["my_guards:no_pii"]',
    "guards.classifier": '"my_guards:classifier"',
    "audit.path": '"/var/lib/baton/audit.sqlite3"',
    "audit.key_dir": '"/etc/baton/keys"',
    "routing.rules.pattern": '"(?i)refund"',
    "routing.rules.keywords": '["invoice", "charge"]',
    "providers.base_url": '"http://localhost:8080/v1"',
    "providers.api_key_env": '"OPENAI_API_KEY"',
    "providers.temperature": "0.2",
    "tools.mcp.command": '"python"',
    "tools.mcp.args": '["shop_server.py"]',
    "tools.mcp.env": '{ SHOP_DB = "orders.sqlite3" }',
    "tools.mcp.pass_env": '["SHOP_API_KEY"]',
    "tools.mcp.cwd": '"servers"',
    "tools.mcp.tools": '["lookup_order", "refund_amount"]',
    "tools.mcp.side_effects": "{ refund_amount = true }",
}
# The name shown in the example header of a table of named tables.
TABLE_NAMES = {"guards.tools": "issue_refund"}
REQUIRED_EXAMPLES = {
    "routing.rules.agent": '"research"',
    "prices.input_per_mtok": "0.15",
    "prices.output_per_mtok": "0.6",
    "tools.mcp.name": '"shop"',
    "tools.mcp.agents": '["clerk"]',
}


def type_name(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin is dict:
        return f"table of {type_name(args[1])}"
    if origin is tuple:
        return f"list of {type_name(args[0])}"
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return "table"
    if annotation is Any:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


def toml_value(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, BaseModel):
        return "(table)"
    return json.dumps(value.model_dump() if isinstance(value, BaseModel) else value).replace('":', '" =')


def bounds(field: FieldInfo) -> str:
    marks = {Ge: ("≥", "ge"), Gt: (">", "gt"), Le: ("≤", "le"), Lt: ("<", "lt")}
    marks |= {MinLen: ("length ≥", "min_length"), MaxLen: ("length ≤", "max_length")}
    parts = []
    for meta in field.metadata:
        for kind, (sign, attribute) in marks.items():
            if isinstance(meta, kind):
                parts.append(f"{sign} {getattr(meta, attribute)}")
        if getattr(meta, "pattern", None):
            parts.append(f"matches `{meta.pattern}`")
    return ", ".join(parts)


def doc_of(model: type[BaseModel]) -> str:
    # Docstrings are written for Python (double backticks, wrapped lines); Markdown wants single ones, one line.
    return " ".join(inspect.cleandoc(model.__doc__ or "").replace("``", "`").split())


def default_of(field: FieldInfo) -> Any:
    return field.get_default(call_default_factory=True)


def key_table(model: type[BaseModel]) -> list[str]:
    lines = ["| key | type | default | notes |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = "required" if field.is_required() else f"`{toml_value(default_of(field))}`"
        notes = "; ".join(x for x in (field.description or "", bounds(field)) if x)
        lines.append(f"| `{name}` | {type_name(field.annotation)} | {default} | {notes} |")
    return lines


def example(header: str, model: type[BaseModel], path: str, required: dict[str, str] | None = None) -> list[str]:
    """A TOML block for ``model``: defaults as they are, and an example for each key whose default is empty."""
    lines = ["```toml", header]
    for name, field in model.model_fields.items():
        dotted = f"{path}.{name}"
        annotation = field.annotation
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
            continue  # a sub-table gets its own section
        if field.is_required():
            lines.append(f"{name} = {(required or {})[dotted]}")
        elif dotted in EXAMPLES:
            lines.append(f"# {name} = {EXAMPLES[dotted]}")
        elif (default := default_of(field)) not in (None, (), {}):
            lines.append(f"{name} = {toml_value(default)}")
    lines.append("```")
    return lines


def section(
    title: str, header: str, model: type[BaseModel], path: str, required: dict[str, str] | None = None
) -> list[str]:
    return ["", f"## {title}", "", doc_of(model), "", *key_table(model), "", *example(header, model, path, required)]


def render() -> str:
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by scripts/config_reference.py from the config models: do not edit by hand. -->",
        "",
        "Baton reads `baton.toml` (or the file `--config` / `$BATON_CONFIG` names); every key is optional and "
        "unknown keys are errors. `BATON_<TABLE>__<KEY>` overrides one key from the environment, e.g. "
        "`BATON_MODELS__DEFAULT=openai/gpt-4o-mini` or `BATON_LIMITS__MAX_ATTEMPTS=3`. `baton init` writes a "
        "commented starter file. In the examples, a commented line shows a value to try where the default is empty.",
    ]
    for name, field in BatonConfig.model_fields.items():
        annotation = field.annotation
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
            lines += section(f"[{name}]", f"[{name}]", annotation, name)
            for sub_name, sub in annotation.model_fields.items():
                inner = get_args(sub.annotation)
                if get_origin(sub.annotation) is dict:  # a table of names, each a value or a table of its own
                    for table in get_args(inner[1]):
                        if inspect.isclass(table) and issubclass(table, BaseModel):
                            lines += section(
                                f"[{name}.{sub_name}.NAME]",
                                f"[{name}.{sub_name}.{TABLE_NAMES[f'{name}.{sub_name}']}]",
                                table,
                                f"{name}.{sub_name}.NAME",
                            )
                if get_origin(sub.annotation) is tuple and inner and issubclass(inner[0], BaseModel):
                    lines += section(
                        f"[[{name}.{sub_name}]]",
                        f"[[{name}.{sub_name}]]",
                        inner[0],
                        f"{name}.{sub_name}",
                        REQUIRED_EXAMPLES,
                    )
        elif name == "providers":
            lines += [
                "",
                "## [providers.*]",
                "",
                "Settings per provider prefix, `[providers.openai]`, `[providers.litellm]` or `[providers.local]`. "
                "The HTTP providers (openai, litellm) take the keys below; `local` passes its keys to llama.cpp "
                "(e.g. `n_ctx`, `n_threads`, `temperature`, `max_tokens`). Keys never go in the file: name the "
                "environment variable that holds one with `api_key_env`.",
            ]
            lines += section(
                "[providers.openai] / [providers.litellm]", "[providers.openai]", ChatProviderSettings, "providers"
            )
            retry = ChatProviderSettings.model_fields["retry"].annotation
            if not (inspect.isclass(retry) and issubclass(retry, BaseModel)):
                raise TypeError("providers' retry settings are expected to be a pydantic model")
            lines += section("[providers.openai.retry]", "[providers.openai.retry]", retry, "providers.retry")
        elif name == "prices":
            price = get_args(annotation)[1]
            lines += section('[prices."MODEL"]', '[prices."openai/gpt-4o-mini"]', price, "prices", REQUIRED_EXAMPLES)
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not OUTPUT.is_file() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
