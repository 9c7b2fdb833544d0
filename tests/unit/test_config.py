from __future__ import annotations

import pytest

from voice_agent.cli import build_parser
from voice_agent.config import server_config_from_args


def config_from(argv: list[str]):
    return server_config_from_args(build_parser().parse_args(["serve", *argv]))


def test_defaults() -> None:
    config = config_from([])
    assert (config.host, config.port, config.engine) == ("127.0.0.1", 8765, "cascade")
    assert config.max_event_bytes == 16 * 1024 * 1024


def test_environment_sets_and_flags_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_AGENT_PORT", "9001")
    monkeypatch.setenv("VOICE_AGENT_WARM_UP", "false")
    monkeypatch.setenv("VOICE_AGENT_LLM_URL", "http://127.0.0.1:8080/v1")
    config = config_from([])
    assert (config.port, config.warm_up, config.llm_url) == (
        9001,
        False,
        "http://127.0.0.1:8080/v1",
    )
    assert config_from(["--port", "9002", "--warm-up"]).port == 9002


def test_bad_values_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_AGENT_PORT", "eighty")
    with pytest.raises(SystemExit, match="VOICE_AGENT_PORT"):
        config_from([])
    monkeypatch.delenv("VOICE_AGENT_PORT")
    with pytest.raises(SystemExit, match="unknown engine"):
        config_from(["--engine", "warp"])
    with pytest.raises(SystemExit, match="unknown turn detection"):
        config_from(["--turn-detection", "psychic"])
    with pytest.raises(SystemExit, match="--temperature must be in"):
        config_from(["--temperature", "3"])
    with pytest.raises(SystemExit, match="--llm-repeat-penalty must be positive"):
        config_from(["--llm-repeat-penalty", "0"])


def test_reply_defaults_can_be_set_and_turned_off() -> None:
    config = config_from(["--temperature", "0.6", "--no-calculator", "--llm-repeat-penalty", "1.3"])
    assert (config.temperature, config.calculator, config.llm_repeat_penalty) == (0.6, False, 1.3)
    assert config_from([]).calculator


def test_api_key_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("VOICE_AGENT_LLM_API_KEY", "sk-test")
    assert config_from([]).llm_api_key == "sk-test"


def test_the_llm_sees_four_user_turns_unless_it_is_an_external_server_or_told() -> None:
    assert config_from([]).history_turns == 4  # the embedded SmolLM2 repeats itself beyond
    assert config_from(["--llm-url", "http://127.0.0.1:8080/v1"]).history_turns == 0  # all
    assert config_from(["--llm-history-turns", "0"]).history_turns == 0
    assert config_from(["--llm-history-turns", "5", "--llm-url", "http://x/v1"]).history_turns == 5
    with pytest.raises(SystemExit, match="--llm-history-turns must be"):
        config_from(["--llm-history-turns", "-2"])
