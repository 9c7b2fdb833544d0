from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from typing import Any

from voice_agent.models.asr import ASRConfig, WhisperASR

_asr: WhisperASR | None = None

# A function tool as a Realtime client offers it.
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def whisper() -> WhisperASR:
    """One Whisper in the test process, to check what the server's replies say."""
    global _asr
    if _asr is None:
        _asr = WhisperASR(ASRConfig())
    return _asr


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def get_json(url: str) -> dict[str, Any]:
    return json.loads(get_text(url))


async def run_process(
    *argv: str, timeout: float, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run a command to its end (with `env` added to ours), its output and errors as one
    text; killed by its pid if it overruns."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, output.decode()
