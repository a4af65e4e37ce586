"""The provider registry and the ScriptedModel double."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel, Field

from supervisor import (
    Completion,
    ModelFileNotFoundError,
    RealModelBlockedError,
    ScriptedModel,
    ScriptExhaustedError,
    StructuredOutputError,
    UnknownProviderError,
    register_provider,
    resolve_model,
)


class Answer(BaseModel):
    value: int = Field(ge=0, le=10)


def test_unknown_prefix_names_what_was_asked_and_what_exists() -> None:
    with pytest.raises(UnknownProviderError) as info:
        resolve_model("nosuch/model")
    assert "nosuch/model" in str(info.value)
    assert "local/..." in str(info.value) and "scripted/..." in str(info.value)


def test_missing_gguf_names_the_path_and_the_available_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATON_BLOCK_REAL_MODELS")
    with pytest.raises(ModelFileNotFoundError) as info:
        resolve_model("local/missing/model.gguf")
    assert "missing/model.gguf" in str(info.value)
    assert "local/smollm2" in str(info.value)


def test_real_models_are_blocked_in_unit_tests() -> None:
    with pytest.raises(RealModelBlockedError, match="local/smollm2"):
        resolve_model("local/smollm2")


def test_scripted_models_resolve_by_name() -> None:
    model = ScriptedModel(["hi"], name="by-name")
    assert resolve_model("scripted/by-name") is model
    with pytest.raises(UnknownProviderError, match="scripted/by-name"):
        resolve_model("scripted/other-name")


def test_registered_providers_resolve_through_their_factory() -> None:
    made: list[str] = []

    def factory(rest: str, settings: object) -> ScriptedModel:
        made.append(rest)
        return ScriptedModel(["x"], name=f"custom-{rest}")

    register_provider("custom-test", factory, offline=True)
    assert resolve_model("custom-test/abc").name == "scripted/custom-abc"
    assert made == ["abc"]
    register_provider("custom-real", factory)
    with pytest.raises(RealModelBlockedError):
        resolve_model("custom-real/abc")


def test_scripted_model_answers_in_order_records_calls_and_checks_completion() -> None:
    model = ScriptedModel(["one", "two"])
    first = asyncio.run(model.complete([{"role": "user", "content": "a b c"}]))
    assert isinstance(first, Completion) and first.text == "one"
    assert first.usage.prompt_tokens == 3 and first.usage.completion_tokens == 1
    assert model.calls[0].last_user == "a b c"
    with pytest.raises(AssertionError, match="1 scripted answer"):
        model.assert_complete()
    asyncio.run(model.complete([{"role": "user", "content": "again"}]))
    model.assert_complete()
    with pytest.raises(ScriptExhaustedError):
        asyncio.run(model.complete([{"role": "user", "content": "one more"}]))


def test_scripted_exceptions_are_raised() -> None:
    model = ScriptedModel([ConnectionError("provider crashed")])
    with pytest.raises(ConnectionError, match="crashed"):
        asyncio.run(model.complete([{"role": "user", "content": "x"}]))


def test_structured_answer_is_validated_and_an_invalid_one_re_asked() -> None:
    model = ScriptedModel(['{"value": 99}', {"value": 7}])
    completion = asyncio.run(model.complete([{"role": "user", "content": "pick"}], output_type=Answer, max_reasks=1))
    assert isinstance(completion.output, Answer) and completion.output.value == 7
    assert completion.attempts == 2
    assert completion.usage.calls == 2
    assert "less than or equal to 10" in model.calls[1].prompt


def test_structured_answer_that_never_validates_raises_with_attempts_and_last_output() -> None:
    model = ScriptedModel(["not json", '{"value": -1}'])
    with pytest.raises(StructuredOutputError) as info:
        asyncio.run(model.complete([{"role": "user", "content": "pick"}], output_type=Answer, max_reasks=1))
    assert info.value.attempts == 2
    assert info.value.last_output == '{"value": -1}'
    assert "greater than or equal to 0" in info.value.errors
