"""The public surface is declared, the docs use only it, and importing it stays light."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import supervisor

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_all_names_exist_and_are_unique() -> None:
    assert len(supervisor.__all__) == len(set(supervisor.__all__))
    for name in supervisor.__all__:
        assert hasattr(supervisor, name), name


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def _imported_from_supervisor(source: str) -> tuple[set[str], set[str]]:
    """Names imported from ``supervisor`` itself, and the submodules imported directly."""
    names: set[str] = set()
    submodules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "supervisor":
                names |= {alias.name for alias in node.names}
            elif node.module.startswith("supervisor.") and node.module != "supervisor.testing":
                submodules.add(node.module)
    return names, submodules


def test_every_name_the_readme_and_the_example_teams_use_is_public() -> None:
    sources = _python_blocks(README) + [p.read_text() for p in sorted((ROOT / "specialists").glob("*.py"))]
    assert len(sources) > 5
    used: set[str] = set()
    for source in sources:
        names, submodules = _imported_from_supervisor(source)
        assert not submodules, f"reaches past the public API: {submodules}"
        used |= names
    assert used, "nothing imported: the parser is broken"
    missing = sorted(name for name in used if name not in supervisor.__all__)
    assert missing == []
    # Names the README mentions in prose as API (`Name`) must be public too.
    mentioned = set(re.findall(r"`((?:[A-Z][a-z]+){2,}(?:Error)?)`", README))
    assert sorted(n for n in mentioned if hasattr(supervisor, n) is False and n.endswith("Error")) == []


def _architecture_paths() -> list[Path]:
    section = README.split("## Architecture", 1)[1]
    tree = re.search(r"```\n(.*?)```", section, flags=re.DOTALL)
    assert tree is not None
    paths: list[Path] = []
    stack: list[tuple[int, str]] = []
    for line in tree.group(1).splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if match is None or not (match.group(2).endswith("/") or match.group(2).endswith(".py")):
            continue
        indent, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "".join(part for _, part in stack) + name
        paths.append(ROOT / path)
        if name.endswith("/"):
            stack.append((indent, name))
    return paths


def test_the_readme_architecture_names_every_module_and_only_real_ones() -> None:
    listed = _architecture_paths()
    assert [p for p in listed if not p.exists()] == []
    modules = {p for p in (ROOT / "supervisor").rglob("*.py") if "__pycache__" not in p.parts}
    described = {p for p in listed if p.suffix == ".py"}
    packages = {p for p in listed if p.is_dir()}
    undescribed = sorted(
        str(p.relative_to(ROOT))
        for p in modules
        if p not in described and not (p.name == "__init__.py" and p.parent in packages)
    )
    assert undescribed == []


def test_import_does_not_pull_in_provider_sdks() -> None:
    code = (
        "import sys, supervisor; "
        "print(','.join(m for m in ('openai', 'litellm', 'instructor', 'llama_cpp', 'jinja2', 'mcp') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_python_dash_m_supervisor_is_the_baton_command() -> None:
    shown = subprocess.run([sys.executable, "-m", "supervisor", "--help"], capture_output=True, text=True, check=True)
    assert "run" in shown.stdout and "audit" in shown.stdout


def test_import_loads_the_error_tree_only_and_each_name_on_first_use() -> None:
    code = (
        "import sys, supervisor; "
        "before = sorted(m for m in sys.modules if m.startswith('supervisor.')); "
        "from supervisor import Supervisor; "
        "import supervisor.supervisor as defined; "
        "print(before, Supervisor is defined.Supervisor)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "['supervisor.errors'] True"
    assert "Supervisor" in dir(supervisor)
    with pytest.raises(AttributeError, match="NoSuchName"):
        getattr(supervisor, "NoSuchName")  # noqa: B009 - a name no static check knows
