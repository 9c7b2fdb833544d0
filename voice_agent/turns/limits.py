"""Per-session limits and timings: the one place their defaults are written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionLimits:
    max_buffer_s: float = 120.0  # longest user turn kept; more is an error, not an OOM
    output_lead_ms: int = 500  # how far reply audio may run ahead of real time
    output_chunk_ms: int = 100  # size of one response.output_audio.delta
    # Start the reply after this much silence, before the turn is known to be over, and
    # keep it only if the turn ends at that pause; 0 turns it off. The engine's first
    # steps (the cascade's Whisper, LLM and first clause) then overlap the rest of
    # `silence_duration_ms`.
    early_reply_ms: int = 200
