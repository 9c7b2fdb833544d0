"""Protocol parsing and building, without sockets."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from voice_agent import audio
from voice_agent.realtime import server_events
from voice_agent.realtime.client_events import (
    decode_audio_field,
    parse_client_event,
    parse_response_create,
    parse_truncate,
)
from voice_agent.realtime.protocol import (
    AudioFormat,
    ProtocolError,
    SessionConfig,
    TurnDetection,
    rename_for_beta,
)
from voice_agent.realtime.session_update import apply_session_update

ENGINES = ("cascade",)


def parse(event: object, limit: int = 1 << 20) -> dict:
    return parse_client_event(json.dumps(event), limit)


def error_code(call) -> str:
    with pytest.raises(ProtocolError) as info:
        call()
    return info.value.code


def test_every_client_event_has_a_session_handler() -> None:
    from voice_agent.realtime.protocol import CLIENT_EVENTS
    from voice_agent.turns.session import Session

    missing = [e for e in CLIENT_EVENTS if not hasattr(Session, "_on_" + e.replace(".", "_"))]
    assert missing == []


def test_known_event_parses_and_keeps_fields() -> None:
    event = parse({"type": "response.create", "event_id": "e1", "response": {}})
    assert event == {"type": "response.create", "event_id": "e1", "response": {}}


def test_beta_alias_maps_to_ga_name() -> None:
    assert (
        parse({"type": "transcription_session.update", "session": {}})["type"] == "session.update"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_event"),
        ('{"event_id": "x"}', "missing_type"),
        ('{"type": "no.such.event"}', "unknown_event"),
        ('{"type": "response.create", "event_id": 5}', "invalid_value"),
    ],
)
def test_malformed_events_raise_protocol_errors(raw: str, code: str) -> None:
    assert error_code(lambda: parse_client_event(raw, 1 << 20)) == code


def test_oversized_event_is_refused_before_parsing() -> None:
    raw = json.dumps({"type": "input_audio_buffer.append", "audio": "A" * 2000})
    assert error_code(lambda: parse_client_event(raw, 1000)) == "message_too_large"


def test_audio_field_must_be_valid_base64() -> None:
    assert decode_audio_field({"audio": base64.b64encode(b"\x01\x02").decode()}) == b"\x01\x02"
    assert error_code(lambda: decode_audio_field({"audio": "%%%notbase64"})) == "invalid_audio"
    assert error_code(lambda: decode_audio_field({"audio": 12})) == "invalid_value"


def test_ga_nested_session_update() -> None:
    config = apply_session_update(
        SessionConfig(),
        {
            "type": "realtime",
            "instructions": "Be brief.",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 16000},
                    "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
                },
                "output": {"format": {"type": "audio/pcmu"}, "voice": "joe"},
            },
        },
        ENGINES,
    )
    assert config.instructions == "Be brief."
    assert config.input_format == AudioFormat("pcm16", 16000)
    assert config.output_format == AudioFormat("pcmu", 8000)
    assert config.turn_detection == TurnDetection(silence_duration_ms=300)


def test_beta_flat_session_update() -> None:
    config = apply_session_update(
        SessionConfig(),
        {"input_audio_format": "g711_alaw", "output_audio_format": "pcm16", "turn_detection": None},
        ENGINES,
    )
    assert config.input_format == AudioFormat("pcma", 8000)
    assert config.output_format == AudioFormat("pcm16", 24000)
    assert config.turn_detection is None
    assert config.to_beta()["input_audio_format"] == "g711_alaw"


@pytest.mark.parametrize(
    "update",
    [
        {"audio": {"input": {"format": {"type": "audio/pcm", "rate": 12345}}}},
        {"audio": {"input": {"format": {"type": "audio/flac"}}}},
        {"turn_detection": {"type": "server_vad", "threshold": 2}},
        {"turn_detection": {"type": "server_vad", "silence_duration_ms": "long"}},
        {"turn_detection": {"type": "magic"}},
        {"turn_detection": {"type": "semantic_vad", "eagerness": "eager"}},
        {"turn_detection": {"type": "semantic_vad", "eagerness": ["low"]}},
        {"instructions": 42},
        {"engine": "warp-drive"},
        {"temperature": 9},
        "not an object",
    ],
)
def test_invalid_session_update_is_refused_whole(update: object) -> None:
    original = SessionConfig()
    assert error_code(lambda: apply_session_update(original, update, ENGINES)) == "invalid_value"


def test_session_renders_in_both_shapes() -> None:
    config = SessionConfig()
    ga, beta = config.to_ga(), config.to_beta()
    assert ga["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert ga["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert beta["input_audio_format"] == "pcm16"


def test_server_events_are_renamed_for_beta_clients() -> None:
    assert (
        rename_for_beta({"type": "response.output_audio.delta"})["type"] == "response.audio.delta"
    )
    assert rename_for_beta({"type": "response.done"})["type"] == "response.done"


def test_pcm16_odd_byte_count_is_an_error() -> None:
    with pytest.raises(audio.AudioFormatError):
        audio.decode(b"\x00\x01\x02", "pcm16")


@pytest.mark.parametrize("encoding", ["pcmu", "pcma"])
def test_g711_round_trip_is_close(encoding: str) -> None:
    signal = 0.5 * np.sin(np.linspace(0, 40, 800)).astype(np.float32)
    decoded = audio.decode(audio.encode(signal, encoding), encoding)
    assert np.max(np.abs(decoded - signal)) < 0.02


def test_stream_resampler_matches_whole_signal() -> None:
    signal = np.random.default_rng(0).standard_normal(24_000).astype(np.float32) * 0.1
    stream = audio.StreamResampler(24_000, 16_000)
    pieces = [stream.process(chunk) for chunk in np.array_split(signal, 37)]
    pieces.append(stream.process(np.zeros(0, np.float32), last=True))
    chunked = np.concatenate(pieces)
    whole = audio.resample(signal, 24_000, 16_000)
    assert abs(len(chunked) - len(whole)) <= 1
    n = min(len(chunked), len(whole))
    assert np.max(np.abs(chunked[:n] - whole[:n])) < 1e-4


def test_truncate_and_response_fields_are_checked() -> None:
    truncate = parse_truncate({"item_id": "item_1", "audio_end_ms": 750})
    assert (truncate.item_id, truncate.content_index, truncate.audio_end_ms) == ("item_1", 0, 750)
    for bad in (-1, 1.5, True, "750", None):
        assert error_code(lambda b=bad: parse_truncate({"audio_end_ms": b})) == "invalid_value"
    asked = parse_response_create({"response": {"instructions": "Be terse."}}, ())
    assert asked.instructions == "Be terse."
    assert parse_response_create({}, ()).instructions is None
    for bad in ({"response": "fast"}, {"response": {"instructions": 3}}):
        assert error_code(lambda b=bad: parse_response_create(b, ())) == "invalid_value"


def test_server_events_keep_the_wire_shapes() -> None:
    pending = server_events.item("item_1", "user", "completed", "user_audio", None)
    assert pending["content"] == [{"type": "input_audio", "transcript": None}]
    done = server_events.response("resp_1", "cancelled", [], "turn_detected")
    assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    delta = server_events.audio_delta("resp_1", "item_2", b"\x00\x01")
    assert (delta["type"], delta["delta"], delta["content_index"]) == (
        "response.output_audio.delta",
        "AAE=",
        0,
    )
    assert rename_for_beta(delta)["type"] == "response.audio.delta"


def test_the_session_shows_the_engines_transcription_model() -> None:
    config = SessionConfig(transcription_model="whisper-tiny.en")
    assert config.to_ga()["audio"]["input"]["transcription"] == {"model": "whisper-tiny.en"}
    assert config.to_beta()["input_audio_transcription"] == {"model": "whisper-tiny.en"}
    assert SessionConfig().to_ga()["audio"]["input"]["transcription"] is None


def test_semantic_vad_waits_at_most_as_long_as_its_eagerness_says() -> None:
    update = {"turn_detection": {"type": "semantic_vad", "eagerness": "high"}}
    turn = apply_session_update(SessionConfig(), update, ENGINES).turn_detection
    assert turn is not None and turn.semantic and turn.end_silence_ms == 2_000
    # A later update without a type keeps semantic_vad and changes only what it names.
    update = {"turn_detection": {"eagerness": "low"}}
    turn = apply_session_update(SessionConfig(turn_detection=turn), update, ENGINES).turn_detection
    assert turn is not None and turn.semantic and turn.end_silence_ms == 8_000
    assert TurnDetection(silence_duration_ms=300).end_silence_ms == 300
