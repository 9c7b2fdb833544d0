"""The talk client keeps alsa-lib's notes off the terminal."""

from __future__ import annotations

import subprocess
import sys

OPEN_A_MISSING_DEVICE = """
import ctypes, ctypes.util
{quiet}
alsa = ctypes.CDLL(ctypes.util.find_library("asound"))
assert alsa.snd_pcm_open(ctypes.byref(ctypes.c_void_p()), b"no-such-device", 0, 0) < 0
"""


def stderr_of(quiet: str) -> str:
    code = OPEN_A_MISSING_DEVICE.format(quiet=quiet)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stderr


def test_alsa_notes_are_silenced() -> None:
    assert "ALSA lib" in stderr_of("")  # alsa-lib does print them
    quiet = "from voice_agent.talk.devices import _quiet_alsa; _quiet_alsa()"
    assert "ALSA lib" not in stderr_of(quiet)
