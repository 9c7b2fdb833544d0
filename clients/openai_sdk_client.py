"""Talk to a voice-agent server with OpenAI's own Python SDK (`pip install openai`).

One turn: send a question as text (--text) or as speech from a WAV file (--wav, 16-bit
mono, any rate the server takes: 8, 16, 22.05, 24, 44.1 or 48 kHz), print what the server
heard and what it answers, and write the spoken answer to a WAV file (--out).

    voice-agent serve &                       # listens on 127.0.0.1:8765
    python clients/openai_sdk_client.py --text "What is the largest planet?"
    python clients/openai_sdk_client.py --wav question.wav --out answer.wav

Nothing here is specific to voice-agent: point --url at any OpenAI Realtime endpoint
(with a real --api-key) and it works the same. Needs only `openai` and the standard library.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import wave
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI

OUT_RATE = 24_000  # the reply's PCM16 rate, as the session asks for it


def read_wav(path: Path) -> tuple[bytes, int]:
    """A 16-bit mono WAV's PCM bytes and its sample rate."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise SystemExit(f"{path}: need a 16-bit mono WAV (try: sox in.wav -c 1 -b 16 out.wav)")
        return wav.readframes(wav.getnframes()), wav.getframerate()


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


async def one_turn(args: argparse.Namespace) -> int:
    client = AsyncOpenAI(api_key=args.api_key, websocket_base_url=args.url)
    pcm, rate = read_wav(args.wav) if args.wav else (b"", OUT_RATE)
    reply = bytearray()
    speaking = False  # the reply's transcript has begun
    async with client.realtime.connect(model=args.model) as connection:
        # Turn detection off: this client says when the question ends (commit).
        session: dict[str, Any] = {
            "type": "realtime",
            "output_modalities": ["audio"],
            "audio": {
                "input": {"format": {"type": "audio/pcm", "rate": rate}, "turn_detection": None},
                "output": {"format": {"type": "audio/pcm", "rate": OUT_RATE}},
            },
        }
        if args.instructions:
            session["instructions"] = args.instructions
        await connection.session.update(session=session)  # type: ignore[arg-type]
        if args.wav:
            step = rate // 5  # 200 ms of audio per event
            for offset in range(0, len(pcm), 2 * step):
                chunk = pcm[offset : offset + 2 * step]
                await connection.input_audio_buffer.append(audio=base64.b64encode(chunk).decode())
            await connection.input_audio_buffer.commit()
        else:
            print(f"you: {args.text}")
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": args.text}],
                }
            )
        await connection.response.create()

        async for event in connection:
            if event.type == "conversation.item.input_audio_transcription.completed":
                print(f"you: {event.transcript}", flush=True)
            elif event.type == "response.output_audio_transcript.delta":
                if not speaking:
                    print("assistant: ", end="", flush=True)
                    speaking = True
                print(event.delta, end="", flush=True)
            elif event.type == "response.output_audio.delta":
                reply += base64.b64decode(event.delta)
            elif event.type == "error":
                print(f"\nerror: {event.error.message}", file=sys.stderr)
            elif event.type == "response.done":
                print()
                status = event.response.status
                if status != "completed":
                    print(f"the reply ended: {status}", file=sys.stderr)
                    return 1
                break
        else:
            print("\nthe server closed the connection before the reply ended", file=sys.stderr)
            return 1
    write_wav(args.out, bytes(reply), OUT_RATE)
    print(f"reply audio: {args.out} ({len(reply) / 2 / OUT_RATE:.1f} s)")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    question = parser.add_mutually_exclusive_group(required=True)
    question.add_argument("--text", help="the question, as text")
    question.add_argument("--wav", type=Path, help="the question, spoken (16-bit mono WAV)")
    parser.add_argument("--out", type=Path, default=Path("reply.wav"), help="the reply's WAV")
    parser.add_argument("--url", default="ws://127.0.0.1:8765/v1", help="the server's /v1 URL")
    parser.add_argument("--model", default="voice-agent", help="model name sent to the server")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("VOICE_AGENT_API_KEY", "unused"),
        help="the server's key, if it was started with one (default: $VOICE_AGENT_API_KEY)",
    )
    parser.add_argument("--instructions", help="the assistant's instructions for the session")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(one_turn(args)))
    except OSError as exc:
        sys.exit(f"cannot reach the server at {args.url}: {exc}")


if __name__ == "__main__":
    main()
