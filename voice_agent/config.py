"""The one configuration object, read at the edge from CLI flags and VOICE_AGENT_* variables."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from voice_agent.direct.config import HEARINGS
from voice_agent.engines.history import EMBEDDED_LLM_TURNS
from voice_agent.gateway.access import is_loopback
from voice_agent.gateway.guard import GuardLimits
from voice_agent.models.llm import LlamaConfig
from voice_agent.realtime.protocol import TURN_DETECTION_TYPES, SessionConfig
from voice_agent.turns.limits import SessionLimits

ENV_PREFIX = "VOICE_AGENT_"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    engine: str = "cascade"  # comma-separated: all are loaded, the first is the default
    asr_model: str = ""  # CTranslate2 Whisper dir; empty: bundled tiny.en
    asr_threads: int = 2
    llm_model: str = ""  # GGUF file; empty: bundled SmolLM2-135M-Instruct
    llm_threads: int = 2
    llm_url: str = ""  # OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1); empty: embedded
    llm_name: str = "default"  # model name sent to the --llm-url server
    tts_voice: str = ""  # Piper .onnx voice; empty: bundled en_US joe medium
    direct_model: str = ""  # directory of a trained direct model; empty: models/direct
    direct_hearing: str = "ctc"  # ctc | llm (the model's own adapter) | whisper (its decoder)
    instructions: str = ""  # default system prompt; empty: the built-in one
    temperature: float = SessionConfig.temperature  # of new sessions
    llm_repeat_penalty: float = LlamaConfig.repeat_penalty
    llm_ascii_only: bool = LlamaConfig.ascii_only
    llm_history_turns: int = -1  # -1: EMBEDDED_LLM_TURNS for the embedded LLM, all for --llm-url
    calculator: bool = True  # the cascade works out sums the user asks instead of its LLM
    max_sessions: int = 8
    max_reply_delay_s: float = 5.0  # refuse a session that would slow replies past it; 0: off
    max_event_mb: float = 16.0
    max_events_per_s: float = GuardLimits.events_per_s
    max_audio_rate: float = GuardLimits.audio_rate
    idle_timeout_s: float = GuardLimits.idle_timeout_s
    max_session_minutes: float = GuardLimits.max_session_s / 60
    send_timeout_s: float = GuardLimits.send_timeout_s
    max_connections_per_ip: int = 4
    max_offers_per_minute: int = 30
    max_body_kb: int = 256
    allowed_origins: str = ""  # comma-separated; empty: the server's own origin only; *: any
    allow_unauthenticated: bool = False  # listen beyond loopback with no --api-key
    output_lead_ms: int = SessionLimits.output_lead_ms
    early_reply_ms: int = SessionLimits.early_reply_ms
    turn_detection: str = "server_vad"  # of new sessions: server_vad | semantic_vad
    demo_tools: bool = False  # new sessions are offered the server's clock, run by the server
    ice_servers: str = ""  # comma-separated stun:/turn: URLs; empty: host candidates only
    ice_username: str = ""  # for the TURN servers of --ice-servers
    ice_host_addresses: str = ""  # comma-separated; empty: every interface but loopback
    warm_up: bool = True
    log_level: str = "info"
    # The one secret with a flag (the issue's `--api-key`): prefer VOICE_AGENT_API_KEY, which
    # `ps` does not show. Kept out of the repr so it never reaches a log.
    api_key: str = field(default="", repr=False)
    # Secrets: read once from the environment by `server_config_from_args`, never flags, so
    # they never show in `ps` output; kept out of the repr so they never reach a log.
    llm_api_key: str = field(default="", repr=False)
    ice_credential: str = field(default="", repr=False)

    @property
    def engines(self) -> list[str]:
        """The engines to load, the default first."""
        return [name.strip() for name in self.engine.split(",") if name.strip()]

    @property
    def history_turns(self) -> int:
        """User turns of the conversation (with the replies between them) the LLM is shown;
        0: all."""
        if self.llm_history_turns >= 0:
            return self.llm_history_turns
        return 0 if self.llm_url else EMBEDDED_LLM_TURNS

    @property
    def max_event_bytes(self) -> int:
        return int(self.max_event_mb * 1024 * 1024)

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())

    def guard_limits(self) -> GuardLimits:
        return GuardLimits(
            events_per_s=self.max_events_per_s,
            event_burst=max(1, int(5 * self.max_events_per_s)),
            audio_rate=self.max_audio_rate,
            idle_timeout_s=self.idle_timeout_s,
            max_session_s=self.max_session_minutes * 60,
            send_timeout_s=self.send_timeout_s,
        )

    def session_limits(self) -> SessionLimits:
        return SessionLimits(output_lead_ms=self.output_lead_ms, early_reply_ms=self.early_reply_ms)


SECRETS = ("llm_api_key", "ice_credential")


def with_secrets_from_env(config: ServerConfig) -> ServerConfig:
    """`config` with the secrets the environment holds (the one place they are read)."""
    return replace(
        config,
        llm_api_key=os.environ.get(ENV_PREFIX + "LLM_API_KEY")
        or os.environ.get("OPENAI_API_KEY", ""),
        ice_credential=os.environ.get(ENV_PREFIX + "ICE_CREDENTIAL", ""),
    )


HELP: dict[str, str] = {
    "host": "interface to listen on",
    "port": "TCP port",
    "engine": "engine of new sessions: cascade or direct; several comma-separated (e.g. "
    "direct,cascade) are all loaded, the first is the default and a session.update's "
    "`engine` picks another",
    "asr_model": "CTranslate2 Whisper model directory (default: bundled Whisper tiny.en)",
    "asr_threads": "CPU threads for Whisper",
    "llm_model": "GGUF chat model for the embedded LLM (default: bundled SmolLM2-135M-Instruct)",
    "llm_threads": "CPU threads for the embedded LLM",
    "llm_url": "use an OpenAI-compatible chat server at this base URL instead of the embedded "
    "LLM; the key comes from VOICE_AGENT_LLM_API_KEY or OPENAI_API_KEY",
    "llm_name": "model name to ask the --llm-url server for",
    "tts_voice": "Piper voice .onnx file (default: bundled en_US joe medium)",
    "direct_model": "directory of the direct engine's trained model (default: models/direct)",
    "direct_hearing": "how the direct engine reads what it heard off its trained speech adapter: "
    "ctc (the tokens the adapted speech points at, fast) or llm (SmolLM2 repeats it back); or "
    "whisper (Whisper's decoder writes it, for comparing)",
    "instructions": "default system prompt of new sessions",
    "temperature": "default sampling temperature of new sessions (0: greedy; a client's "
    "session.update still sets its own)",
    "llm_repeat_penalty": "repeat penalty of the embedded LLM (1: none)",
    "llm_history_turns": "at most this many user turns of the conversation, with the replies "
    "between them, are shown to the LLM, cut back to about half in steps (0: all; default: 4 "
    "for the embedded LLM and the direct engine, which repeat earlier answers when shown "
    "more; all for an --llm-url server)",
    "llm_ascii_only": "let the embedded LLM write only printable ASCII (a grammar: keeps it "
    "from drifting into accented languages, at about a third of its generation speed)",
    "calculator": 'answer a turn that asks a sum ("what is 12 times 7") by working it out '
    "instead of asking the LLM, which a small model gets wrong",
    "max_sessions": "concurrent sessions; more are refused with an error event",
    "max_reply_delay_s": "refuse a new session (as at --max-sessions) when, judged by the last "
    "minute's replies (end of the user's turn to first reply audio, per session open), one "
    "more session would make replies start later than this; 0: off",
    "max_event_mb": "largest client event accepted, in MiB (larger ones get an error event)",
    "max_events_per_s": "client events a session may send a second, sustained (bursts of five "
    "seconds' worth pass); more are dropped with a rate_limit_exceeded error",
    "max_audio_rate": "how much faster than real time a session may send audio, sustained, "
    "after a 60 s burst; more is dropped with an audio_rate_exceeded error",
    "idle_timeout_s": "close a session after this long with no client event, speech or reply "
    "(an idle_timeout error first)",
    "max_session_minutes": "close a session after this long (a session_expired error first)",
    "send_timeout_s": "drop a WebSocket whose client reads nothing for this long, so unread "
    "output never piles up (counted as slow_reader)",
    "max_connections_per_ip": "concurrent sessions (WebSocket or WebRTC) one client address "
    "may hold; more get HTTP 429",
    "max_offers_per_minute": "WebRTC offers one client address may post a minute; more get "
    "HTTP 429",
    "max_body_kb": "largest HTTP request body (SDP offers, client secrets), in KiB",
    "allowed_origins": "browser origins (e.g. https://app.example.org) whose pages may "
    "connect, comma-separated; the server's own page always may; * allows any",
    "allow_unauthenticated": "listen on a non-loopback address without --api-key (anyone "
    "who reaches the port can use the server)",
    "api_key": "the key clients must present (Authorization: Bearer, or the "
    "openai-insecure-api-key. WebSocket subprotocol); prefer the environment variable, which "
    "ps does not show; empty: no key",
    "output_lead_ms": "how far reply audio may be sent ahead of real-time playback",
    "early_reply_ms": "start the reply after this much silence, before the VAD's "
    "silence_duration_ms confirms the turn ended, into a buffer that is sent only if the turn "
    "really ended there (0: off)",
    "turn_detection": "turn detection of new sessions: server_vad (the turn ends after "
    "silence_duration_ms of silence) or semantic_vad (the Smart Turn model ends it at the first "
    "short pause once the speaker sounds finished); clients can still ask for either",
    "demo_tools": "offer new sessions a get_server_time function that the server runs and "
    "answers itself, to show function calling (the page shows the call and its result)",
    "ice_servers": "STUN/TURN servers for WebRTC calls, comma-separated URLs (e.g. "
    "stun:stun.example.org:3478,turn:turn.example.org:3478); the TURN password comes from "
    "VOICE_AGENT_ICE_CREDENTIAL; the page at / uses the same servers",
    "ice_username": "TURN user name for --ice-servers",
    "ice_host_addresses": "local addresses offered as WebRTC host candidates, comma-separated "
    "(default: all but loopback; 127.0.0.1 for a browser on this machine only)",
    "warm_up": "run each model once at start so the first turn is as fast as the rest",
    "log_level": "debug, info, warning or error",
}


def _env_default(name: str, default: Any) -> Any:
    raw = os.environ.get(ENV_PREFIX + name.upper())
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        return type(default)(raw)
    except ValueError:
        raise SystemExit(
            f"error: {ENV_PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}"
        ) from None


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    for f in fields(ServerConfig):
        if f.name in SECRETS:
            continue
        default = _env_default(f.name, f.default)
        flag = "--" + f.name.replace("_", "-")
        env = ENV_PREFIX + f.name.upper()
        if isinstance(f.default, bool):
            parser.add_argument(
                flag,
                default=default,
                action=argparse.BooleanOptionalAction,
                help=f"{HELP[f.name]} [env {env}]",
            )
        else:
            shown = f" (default: {default})" if default != "" and f.repr else ""
            parser.add_argument(
                flag,
                default=default,
                type=type(f.default),
                metavar=f.name.upper(),
                help=f"{HELP[f.name]}{shown} [env {env}]",
            )


def server_config_from_args(args: argparse.Namespace) -> ServerConfig:
    flags = {f.name: getattr(args, f.name) for f in fields(ServerConfig) if f.name not in SECRETS}
    config = with_secrets_from_env(ServerConfig(**flags))
    from voice_agent.engines import ENGINES

    if config.turn_detection not in TURN_DETECTION_TYPES:
        raise SystemExit(
            f"error: unknown turn detection {config.turn_detection!r}; "
            f"one of {', '.join(TURN_DETECTION_TYPES)}"
        )
    for engine in config.engines:
        if engine not in ENGINES:
            raise SystemExit(f"error: unknown engine {engine!r}; available: {', '.join(ENGINES)}")
    if config.direct_hearing not in HEARINGS:
        raise SystemExit(f"error: --direct-hearing must be one of {', '.join(HEARINGS)}")
    if not is_loopback(config.host) and not config.api_key and not config.allow_unauthenticated:
        raise SystemExit(
            f"error: --host {config.host} listens beyond this machine, but no API key is set: "
            "anyone who reaches the port could use the server. Set VOICE_AGENT_API_KEY (or "
            "--api-key), or say --allow-unauthenticated if that is what you want."
        )
    if config.max_events_per_s <= 0 or config.max_audio_rate <= 0:
        raise SystemExit("error: --max-events-per-s and --max-audio-rate must be positive")
    if min(config.max_connections_per_ip, config.max_offers_per_minute, config.max_body_kb) < 1:
        raise SystemExit(
            "error: --max-connections-per-ip, --max-offers-per-minute and --max-body-kb must "
            "be at least 1"
        )
    if config.max_sessions < 1:
        raise SystemExit("error: --max-sessions must be at least 1")
    if config.max_reply_delay_s < 0:
        raise SystemExit("error: --max-reply-delay-s must be 0 (off) or more")
    if not 0.0 <= config.temperature <= 2.0:
        raise SystemExit("error: --temperature must be in [0, 2]")
    if config.llm_history_turns < -1:
        raise SystemExit("error: --llm-history-turns must be 0 (all) or more")
    if config.llm_repeat_penalty <= 0:
        raise SystemExit("error: --llm-repeat-penalty must be positive")
    return config
