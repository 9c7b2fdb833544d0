"""semantic_vad: a turn ends when the speaker sounds finished, not after a fixed silence.

Silero VAD still finds speech and pauses. At the first short pause (`early_reply_ms`, or
`FIRST_CHECK_MS` when early replies are off) the session asks an end-of-turn model (Smart
Turn) how likely it is that the turn is over, given the turn's audio so far, and asks again
each time the pause doubles. A long silence is evidence too, so the probability it asks
for falls with the pause: the model's own 0.5 at the first pause, down to 0 at the
eagerness's longest wait, where the VAD ends the turn anyway. "What time is it?" then ends
at the first pause, while "red, green, and..." waits for the rest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from voice_agent.realtime.protocol import TurnDetection

# The turn so far (16 kHz) -> the probability that the speaker has finished.
EndOfTurn = Callable[[np.ndarray], float]

COMPLETE = 0.5  # Smart Turn's own decision threshold
FIRST_CHECK_MS = 200  # the first pause asked about when no early reply sets one


def required_probability(silence_ms: int, turn: TurnDetection) -> float:
    """How sure the end-of-turn model must be, after `silence_ms` of silence, to end the turn."""
    return COMPLETE * max(0.0, 1.0 - silence_ms / turn.end_silence_ms)
