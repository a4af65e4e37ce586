"""Every user mistake ends ``baton run`` with exit 2 and one line naming the setting, never a traceback."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supervisor.cli.app import app

MISTAKES_MODULE = """
from support.teams import make_team


def raising_team():
    raise RuntimeError("the team database is down")


def not_a_team():
    return {"writer": "a dict, not a team"}


def team_needing_an_argument(region):
    return make_team()


def classifier_without_arguments():
    return 0.0


def classifier_with_two_arguments(text, threshold):
    return 0.0
"""


@pytest.fixture(autouse=True)
def mistakes_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "user_mistakes.py").write_text(MISTAKES_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("user_mistakes", None)


def baton_run(tmp_path: Path, toml: str, goal: str = "Refund order 1042") -> tuple[int, list[str], str]:
    path = tmp_path / "baton.toml"
    path.write_text(textwrap.dedent(toml))
    path.chmod(0o600)
    outcome = CliRunner().invoke(app, ["run", goal, "-c", str(path)])
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    return outcome.exit_code, lines, outcome.output


SCRIPTED_TEAM = '[models]\ndefault = "scripted/mistakes"\n[team]\nfactory = "support.teams:make_team"\n'


@pytest.mark.parametrize(
    ("toml", "setting", "detail"),
    [
        ('[team]\nfactory = "user_mistakes:raising_team"\n', "team.factory", "RuntimeError: the team database is down"),
        ('[team]\nfactory = "user_mistakes:not_a_team"\n', "team.factory", "must return a Team"),
        ('[team]\nfactory = "user_mistakes:team_needing_an_argument"\n', "team.factory", "must accept no arguments"),
        (
            SCRIPTED_TEAM + '[guards]\nclassifier = "user_mistakes:classifier_without_arguments"\n',
            "guards.classifier",
            "must accept 1 positional argument",
        ),
        (
            SCRIPTED_TEAM + '[guards]\nclassifier = "user_mistakes:classifier_with_two_arguments"\n',
            "guards.classifier",
            "must accept 1 positional argument",
        ),
        (SCRIPTED_TEAM + '[providers.local]\nn_ctx = "big"\n', "providers.local.n_ctx", "integer"),
        (SCRIPTED_TEAM + "[providers.local]\ntemperature = -1\n", "providers.local.temperature", ""),
        (SCRIPTED_TEAM + "[providers.local]\nn_ctxx = 2048\n", "providers.local.n_ctxx", "unknown"),
        ("[limits]\nagent_runs = { writer = -1 }\n", "limits.agent_runs.writer", "greater than or equal to 1"),
        (SCRIPTED_TEAM + "[limits]\nagent_runs = { nobody = 2 }\n", "limits.agent_runs.nobody", "no such agent"),
        ("[limits]\nmin_subtasks = 5\nmax_subtasks = 3\n", "limits.max_subtasks", "below min_subtasks (5)"),
    ],
)
def test_a_user_mistake_is_exit_2_and_one_line_naming_the_setting(
    tmp_path: Path, toml: str, setting: str, detail: str
) -> None:
    from supervisor import ScriptedModel

    ScriptedModel(name="mistakes")  # what scripted/mistakes names
    code, lines, output = baton_run(tmp_path, toml)
    assert code == 2, output
    assert len(lines) == 1, output
    assert setting in lines[0] and detail in lines[0], output
    assert "Traceback" not in output


def test_audit_path_set_to_a_directory_is_exit_2_and_one_line(tmp_path: Path) -> None:
    from supervisor import ScriptedModel

    ScriptedModel(name="mistakes")
    (tmp_path / "logs").mkdir(mode=0o700)
    toml = SCRIPTED_TEAM + f'[audit]\npath = "{tmp_path / "logs"}"\nkey_dir = "{tmp_path / "keys"}"\n'
    code, lines, output = baton_run(tmp_path, toml)
    assert code == 2 and len(lines) == 1, output
    assert "audit.path" in lines[0] and "is a directory" in lines[0]
    assert "Traceback" not in output


def test_a_goal_that_is_not_utf8_is_exit_2_and_one_line(tmp_path: Path) -> None:
    # Python decodes command-line bytes that are not UTF-8 with surrogateescape: 0xff arrives as U+DCFF.
    goal = b"Refund order \xff1042".decode("utf-8", "surrogateescape")
    code, lines, output = baton_run(tmp_path, SCRIPTED_TEAM, goal=goal)
    assert code == 2 and len(lines) == 1, output
    assert "not valid UTF-8: byte 0xff at position 13" in lines[0]
    assert "Traceback" not in output
