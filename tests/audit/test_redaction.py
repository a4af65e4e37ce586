"""Secret values are masked wherever they appear, and never reach the audit log."""

from __future__ import annotations

from pathlib import Path

from supervisor import BatonConfig
from supervisor.audit.keys import AuditKeys
from supervisor.audit.log import AuditLog
from supervisor.audit.recorder import AuditSink
from supervisor.audit.redaction import Redactor
from supervisor.events import OutputProduced, RunFinished, RunStarted
from supervisor.result import RunResult

SECRET = "sk-test-4f9a2b7c1d"


def test_every_occurrence_is_masked_and_short_values_are_ignored() -> None:
    redactor = Redactor([SECRET, "abc", ""])
    assert redactor.redact(f"key {SECRET} and again {SECRET}.") == "key *** and again ***."
    assert redactor.redact("abc stays") == "abc stays"


def test_a_secret_containing_another_is_masked_whole() -> None:
    redactor = Redactor(["secret1", "secret1-long-form"])
    assert redactor.redact("x secret1-long-form y secret1") == "x *** y ***"


def test_data_is_redacted_recursively_keys_included() -> None:
    redactor = Redactor([SECRET])
    data = {"a": [f"token={SECRET}", 3, None, {"deep": (SECRET, 1.5)}], SECRET: True}
    assert redactor.redact_data(data) == {"a": ["token=***", 3, None, {"deep": ["***", 1.5]}], "***": True}


def test_no_secrets_leaves_text_alone() -> None:
    redactor = Redactor([])
    assert not redactor
    assert redactor.redact("anything") == "anything"


def test_repr_never_shows_the_secrets() -> None:
    assert SECRET not in repr(Redactor([SECRET]))


def test_from_config_collects_provider_keys_credential_variables_and_secret_settings() -> None:
    config = BatonConfig.model_validate(
        {
            "providers": {
                "openai": {"api_key_env": "MY_PROVIDER_VAR", "headers": {"Authorization": "Bearer hdr-value-99"}},
                "litellm": {"api_key": "inline-key-123"},
            },
            "audit": {"key_dir": "/srv/baton/keys"},
        }
    )
    env = {
        "MY_PROVIDER_VAR": "named-by-config-1",
        "ANTHROPIC_API_KEY": "anthropic-value-2",
        "GITHUB_TOKEN": "ghp-value-3",
        "DB_PASSWORD": "hunter22",
        "APP_SECRET": "app-secret-4",
        "HOME": "/home/someone",
        "SHORT_TOKEN": "abc",
    }
    redactor = Redactor.from_config(config, env=env)
    text = " ".join(
        [*env.values(), "inline-key-123", "Bearer hdr-value-99", "/srv/baton/keys", "MY_PROVIDER_VAR", "api_key_env"]
    )
    masked = redactor.redact(text)
    for secret in ("named-by-config-1", "anthropic-value-2", "ghp-value-3", "hunter22", "app-secret-4"):
        assert secret not in masked
    assert "inline-key-123" not in masked and "hdr-value-99" not in masked
    # ordinary values stay: paths, variable names, and values too short to be secrets
    for kept in ("/home/someone", "/srv/baton/keys", "MY_PROVIDER_VAR", "api_key_env", " abc "):
        assert kept in masked


def test_secrets_never_reach_the_audit_log(tmp_path: Path) -> None:
    path = tmp_path / "log" / "audit.sqlite3"
    log = AuditLog(path, AuditKeys.load_or_create(tmp_path / "keys"))
    sink = AuditSink(log, Redactor([SECRET]))
    sink(RunStarted(run_id="r1", seq=1, goal=f"use key {SECRET} to refund"))
    sink(OutputProduced(run_id="r1", seq=2, subtask_id="s1", agent="writer", attempt=1, output=f"leaked {SECRET}"))
    result = RunResult(run_id="r1", goal=f"use key {SECRET}", status="done", output=f"done with {SECRET}")
    sink(RunFinished(run_id="r1", seq=3, result=result))

    entries = log.entries("r1")
    assert log.verify("r1").ok
    assert [e.data.get("goal", e.data.get("output")) for e in entries] == [
        "use key *** to refund",
        "leaked ***",
        "done with ***",
    ]
    assert all(SECRET not in repr(e) and SECRET not in str(e.data) for e in entries)
    log.close()
    for stored in path.parent.iterdir():  # the database and anything SQLite left beside it
        assert SECRET.encode() not in stored.read_bytes()


def test_a_secret_that_json_escapes_is_found_in_the_encoded_entry(tmp_path: Path) -> None:
    # Entries are searched for secrets in their JSON text: a secret holding a quote, a backslash or a control
    # character appears there escaped, and must be found and masked all the same.
    odd = 'pa"ss\\word\t42'
    log = AuditLog(tmp_path / "log" / "audit.sqlite3", AuditKeys.load_or_create(tmp_path / "keys"))
    sink = AuditSink(log, Redactor([odd, SECRET]))
    sink(RunStarted(run_id="r1", seq=1, goal=f"login with {odd}"))
    sink(OutputProduced(run_id="r1", seq=2, subtask_id="s1", agent="writer", attempt=1, output=f"{odd}|{SECRET}"))
    sink(RunFinished(run_id="r1", seq=3, result=RunResult(run_id="r1", goal=odd, status="done", output=odd)))

    entries = log.entries("r1")
    assert log.verify("r1").ok
    assert [e.data.get("goal", e.data.get("output")) for e in entries] == ["login with ***", "***|***", "***"]
    log.close()


def test_a_secret_made_of_digits_masks_text_and_leaves_numbers_alone(tmp_path: Path) -> None:
    # The JSON text of a number can hold a digit secret; only strings are masked, and the entry stays valid.
    log = AuditLog(tmp_path / "log" / "audit.sqlite3", AuditKeys.load_or_create(tmp_path / "keys"))
    sink = AuditSink(log, Redactor(["123456"]))
    sink(RunStarted(run_id="r1", seq=1, goal="pin 123456"))
    sink(OutputProduced(run_id="r1", seq=2, subtask_id="s1", agent="writer", attempt=1234567, output="ok"))
    sink(RunFinished(run_id="r1", seq=3, result=RunResult(run_id="r1", goal="g", status="done", output="x")))

    entries = log.entries("r1")
    assert log.verify("r1").ok
    assert entries[0].data["goal"] == "pin ***"
    assert entries[1].data["attempt"] == 1234567
    log.close()


def test_may_hold_is_false_only_when_no_string_holds_a_secret() -> None:
    redactor = Redactor([SECRET, 'q"uote-secret'])
    assert redactor.may_hold(f'{{"a":"x{SECRET}y"}}')
    assert redactor.may_hold('{"a":"q\\"uote-secret"}')  # the escaped form, as canonical JSON writes it
    assert not redactor.may_hold('{"a":"nothing here"}')
    assert not Redactor([]).may_hold(f'{{"a":"{SECRET}"}}')
