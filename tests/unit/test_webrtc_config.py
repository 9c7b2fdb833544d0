"""WebRTC settings: ICE servers from the config, and the bench's signalling URL."""

from __future__ import annotations

import argparse

import pytest

from voice_agent.bench.webrtc_client import calls_url
from voice_agent.config import ServerConfig, add_server_arguments, server_config_from_args
from voice_agent.gateway.webrtc import ice_servers


def test_no_ice_servers_by_default() -> None:
    assert ice_servers(ServerConfig()) == []


def test_turn_servers_get_the_credential_read_from_the_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOICE_AGENT_ICE_CREDENTIAL", "s3cret")
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    args = parser.parse_args(
        [
            *("--ice-servers", "stun:stun.example.org:3478, turn:turn.example.org:3478"),
            *("--ice-username", "me"),
        ]
    )
    config = server_config_from_args(args)
    monkeypatch.delenv("VOICE_AGENT_ICE_CREDENTIAL")
    assert "s3cret" not in repr(config)
    stun, turn = ice_servers(config)
    assert (stun.urls, stun.credential) == ("stun:stun.example.org:3478", None)
    assert (turn.urls, turn.username, turn.credential) == (
        "turn:turn.example.org:3478",
        "me",
        "s3cret",
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://127.0.0.1:8765/v1/realtime", "http://127.0.0.1:8765/v1/realtime/calls"),
        ("wss://example.org/v1/realtime?model=x", "https://example.org/v1/realtime/calls?model=x"),
        ("http://h/v1/realtime/calls", "http://h/v1/realtime/calls"),
    ],
)
def test_bench_posts_offers_to_the_calls_endpoint(url: str, expected: str) -> None:
    assert calls_url(url) == expected
