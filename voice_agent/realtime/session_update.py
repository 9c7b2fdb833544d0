"""Sans-I/O `session.update`: a client's `session` object (GA nested or beta flat shape)
checked and applied to a session's configuration."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from voice_agent.realtime.protocol import (
    ALLOWED_RATES,
    AUDIO_FORMATS,
    EAGERNESS_MAX_WAIT_MS,
    TURN_DETECTION_TYPES,
    AudioFormat,
    ProtocolError,
    SessionConfig,
    TurnDetection,
)
from voice_agent.realtime.tools import (
    parse_modalities,
    parse_token_limit,
    parse_tool_choice,
    parse_tools,
)


def _expect(value: Any, kind: type | tuple[type, ...], param: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ProtocolError("invalid_value", f"'{param}' must be a number", param)
    if not isinstance(value, kind):
        name = kind.__name__ if isinstance(kind, type) else "number"
        raise ProtocolError("invalid_value", f"'{param}' must be of type {name}", param)
    return value


def _parse_format(value: Any, param: str) -> AudioFormat:
    name: Any
    rate: Any
    if isinstance(value, str):
        name, rate = value, None
    elif isinstance(value, dict):
        name, rate = value.get("type"), value.get("rate")
    else:
        raise ProtocolError("invalid_value", f"'{param}' must be a string or an object", param)
    if not isinstance(name, str) or name not in AUDIO_FORMATS:  # a list is no dict key
        raise ProtocolError(
            "invalid_value",
            f"'{param}' has unsupported audio format {name!r}; "
            f"supported: {', '.join(sorted(AUDIO_FORMATS))}",
            param,
        )
    encoding, fixed_rate = AUDIO_FORMATS[name]
    if rate is None:
        rate = fixed_rate or 24_000
    _expect(rate, int, f"{param}.rate")
    if encoding != "pcm16" and rate != 8_000:
        raise ProtocolError("invalid_value", f"'{param}.rate' must be 8000 for {name}", param)
    if rate not in ALLOWED_RATES:
        raise ProtocolError(
            "invalid_value",
            f"'{param}.rate' {rate} is not supported; use one of {list(ALLOWED_RATES)}",
            param,
        )
    return AudioFormat(encoding, rate)


def _parse_turn_detection(value: Any, current: TurnDetection | None) -> TurnDetection | None:
    if value is None:
        return None
    _expect(value, dict, "turn_detection")
    base = current or TurnDetection()
    kind = value.get("type", base.type)
    if kind not in TURN_DETECTION_TYPES:
        raise ProtocolError(
            "invalid_value",
            f"turn_detection.type {kind!r} is not supported; use 'server_vad', "
            "'semantic_vad' or null",
            "turn_detection.type",
        )
    changes: dict[str, Any] = {"type": kind}
    if "eagerness" in value:
        eagerness = value["eagerness"]
        if not isinstance(eagerness, str) or eagerness not in EAGERNESS_MAX_WAIT_MS:
            raise ProtocolError(
                "invalid_value",
                f"turn_detection.eagerness {eagerness!r} is not one of "
                f"{', '.join(EAGERNESS_MAX_WAIT_MS)}",
                "turn_detection.eagerness",
            )
        changes["eagerness"] = eagerness
    if "threshold" in value:
        threshold = _expect(value["threshold"], (int, float), "turn_detection.threshold")
        if not 0.0 < threshold < 1.0:
            raise ProtocolError(
                "invalid_value",
                "turn_detection.threshold must be between 0 and 1",
                "turn_detection.threshold",
            )
        changes["threshold"] = float(threshold)
    for key, low, high in (("prefix_padding_ms", 0, 5_000), ("silence_duration_ms", 50, 10_000)):
        if key in value:
            ms = _expect(value[key], int, f"turn_detection.{key}")
            if not low <= ms <= high:
                raise ProtocolError(
                    "invalid_value",
                    f"turn_detection.{key} must be in [{low}, {high}]",
                    f"turn_detection.{key}",
                )
            changes[key] = ms
    for key in ("create_response", "interrupt_response"):
        if key in value:
            changes[key] = _expect(value[key], bool, f"turn_detection.{key}")
    return replace(base, **changes)


def apply_session_update(
    config: SessionConfig, update: Any, engines: tuple[str, ...]
) -> SessionConfig:
    """Return `config` with a client `session` object applied (GA nested or beta flat shape).

    Validates everything before changing anything, so a bad update leaves the session as it was.
    """
    _expect(update, dict, "session")
    changes: dict[str, Any] = {}
    if "instructions" in update:
        changes["instructions"] = _expect(update["instructions"], str, "session.instructions")
    if "model" in update:
        changes["model"] = _expect(update["model"], str, "session.model")
    if "engine" in update:
        engine = _expect(update["engine"], str, "session.engine")
        if engine not in engines:
            raise ProtocolError(
                "invalid_value",
                f"engine {engine!r} is not available on this server; available: {list(engines)}",
                "session.engine",
            )
        changes["engine"] = engine
    if "temperature" in update:
        temperature = _expect(update["temperature"], (int, float), "session.temperature")
        if not 0.0 <= temperature <= 2.0:
            raise ProtocolError(
                "invalid_value", "session.temperature must be in [0, 2]", "session.temperature"
            )
        changes["temperature"] = float(temperature)
    for key in ("max_output_tokens", "max_response_output_tokens"):  # GA, beta
        if key in update:
            changes["max_output_tokens"] = parse_token_limit(update[key], f"session.{key}")

    tools = config.tools
    if "tools" in update:
        tools = changes["tools"] = parse_tools(update["tools"], "session.tools")
    if "tool_choice" in update:
        changes["tool_choice"] = parse_tool_choice(
            update["tool_choice"], tools, "session.tool_choice"
        )
    else:
        changes["tool_choice"] = config.tool_choice.within(tools)
    for key in ("output_modalities", "modalities"):  # GA, beta
        if key in update:
            changes["output_modalities"] = parse_modalities(update[key], f"session.{key}")

    # Beta flat shape.
    if "voice" in update:
        changes["voice"] = _expect(update["voice"], str, "session.voice")
    if "input_audio_format" in update:
        changes["input_format"] = _parse_format(
            update["input_audio_format"], "session.input_audio_format"
        )
    if "output_audio_format" in update:
        changes["output_format"] = _parse_format(
            update["output_audio_format"], "session.output_audio_format"
        )
    if "turn_detection" in update:
        changes["turn_detection"] = _parse_turn_detection(
            update["turn_detection"], config.turn_detection
        )

    # GA nested shape.
    audio = update.get("audio")
    if audio is not None:
        _expect(audio, dict, "session.audio")
        audio_in = _expect(audio.get("input", {}), dict, "session.audio.input")
        audio_out = _expect(audio.get("output", {}), dict, "session.audio.output")
        if "format" in audio_in:
            changes["input_format"] = _parse_format(
                audio_in["format"], "session.audio.input.format"
            )
        if "turn_detection" in audio_in:
            changes["turn_detection"] = _parse_turn_detection(
                audio_in["turn_detection"], config.turn_detection
            )
        if "format" in audio_out:
            changes["output_format"] = _parse_format(
                audio_out["format"], "session.audio.output.format"
            )
        if "voice" in audio_out:
            changes["voice"] = _expect(audio_out["voice"], str, "session.audio.output.voice")
    return replace(config, **changes)
