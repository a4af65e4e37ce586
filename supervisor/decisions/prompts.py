"""Prompt templates: data files rendered strictly (an undefined variable is an error, never an empty string).

A template holds the system message, a line ``=== user ===``, then the user message. Templates live in the
repository's ``prompts/`` folder; an installed wheel carries them as ``supervisor/_prompts``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from supervisor.errors import PromptTemplateError
from supervisor.models import Message
from supervisor.safe_text import MODEL_MESSAGE_MAX_CHARS, bounded, without_surrogates

USER_MARKER = "=== user ==="
_DATA_MARKER = re.compile(r"</?\s*data\s*>", re.IGNORECASE)


def strip_data_markers(text: str) -> str:
    """Remove the ``<data>`` delimiters prompts wrap untrusted text in.

    Model output may echo them, or try to close a data block early; neither may reach the next prompt.
    """
    return _DATA_MARKER.sub("", text).strip()


def _template_dirs() -> list[Path]:
    # Installed wheels carry the templates as ``supervisor/_prompts``; a checkout has them at the top level.
    package_dir = Path(__file__).resolve().parent.parent
    return [package_dir / "_prompts", package_dir.parent / "prompts"]


@functools.cache
def _environment() -> Any:
    import jinja2

    dirs = [str(d) for d in _template_dirs() if d.is_dir()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=False,
    )


@functools.cache
def _template(name: str) -> tuple[Any, dict[str, Any]]:
    """The compiled template, and its globals copied into a plain dict (see ``_render``)."""
    import jinja2

    try:
        template = _environment().get_template(f"{name}.j2")
    except jinja2.TemplateNotFound:
        searched = ", ".join(str(d) for d in _template_dirs())
        raise PromptTemplateError(f"prompt template {name}.j2 not found (searched {searched})") from None
    return template, dict(template.globals)


def _render(name: str, variables: dict[str, Any]) -> str:
    """What jinja2's ``Template.render`` does, with the template's globals read from a dict made once: its own
    context reads them through a ``ChainMap`` at every call, half the cost of rendering a prompt."""
    from jinja2.runtime import new_context

    template, globals_ = _template(name)
    environment = template.environment
    context = new_context(environment, template.name, template.blocks, {**globals_, **variables}, True, globals_)
    try:
        return str(environment.concat(template.root_render_func(context)))
    except Exception:
        environment.handle_exception()
        raise  # handle_exception always raises; this line is for the type checker


def render(name: str, **variables: Any) -> list[Message]:
    """Render template ``name`` into a system and a user message."""
    import jinja2

    try:
        text = _render(name, variables)
    except jinja2.UndefinedError as exc:
        raise PromptTemplateError(f"prompt template {name}.j2: {exc}") from None
    system, marker, user = text.partition(USER_MARKER)
    if not marker:
        raise PromptTemplateError(f"prompt template {name}.j2 has no '{USER_MARKER}' line")
    # Goals, outputs and tool results are untrusted text: made encodable and bounded once, here, on their way in.
    return [
        {"role": "system", "content": _safe(system.strip())},
        {"role": "user", "content": _safe(user.strip())},
    ]


def _safe(text: str) -> str:
    return bounded(without_surrogates(text), MODEL_MESSAGE_MAX_CHARS)[0]
