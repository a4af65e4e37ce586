"""Config: defaults, file, env overrides, and errors that name the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from supervisor import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text(text)
    return path


def test_defaults_use_the_embedded_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.models.default == "local/smollm2"
    assert config.supervisor_model == "local/smollm2"
    assert config.limits.max_attempts == 3


def test_file_sets_models_per_role(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[models]\ndefault = "local/a.gguf"\nsupervisor = "scripted/boss"\n[models.agents]\nresearch = "scripted/r"\n',
    )
    config = load_config(path, env={})
    assert config.supervisor_model == "scripted/boss"
    assert config.model_for("research") == "scripted/r"
    assert config.model_for("drafting") == "local/a.gguf"


def test_unknown_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[models]\ndefalt = "local/smollm2"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert str(path) in message
    assert "models.defalt: unknown key" in message


def test_wrong_type_names_the_key_and_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, '[limits]\nmax_attempts = "three"\n')
    with pytest.raises(ConfigError, match=r"limits\.max_attempts: .*'three'"):
        load_config(path, env={})


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[models]\ndefault = "local/smollm2"\n[limits\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "line 3" in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})


def test_env_overrides_a_file_value_with_toml_typing(tmp_path: Path) -> None:
    path = write(tmp_path, "[limits]\nmax_attempts = 2\n")
    env = {"BATON_LIMITS__MAX_ATTEMPTS": "4", "BATON_MODELS__DEFAULT": "scripted/env"}
    config = load_config(path, env=env)
    assert config.limits.max_attempts == 4
    assert config.models.default == "scripted/env"


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BATON_LIMITS__MAX_ATTEMPTS"):
        load_config(write(tmp_path, ""), env={"BATON_LIMITS__MAX_ATTEMPTS": "many"})


def test_baton_config_variable_chooses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[models]\ndefault = "scripted/fromfile"\n')
    assert load_config(env={"BATON_CONFIG": str(path)}).models.default == "scripted/fromfile"
