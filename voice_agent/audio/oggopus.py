"""Ogg/Opus bytes in and out (PyAV's libopus, already installed for WebRTC).

Opus keeps speech intelligible at 16-24 kbit/s, about a tenth of FLAC's size: an hour of
it is ~10 MB, which is what lets a useful distillation dataset travel in one call.
"""

from __future__ import annotations

import io

import numpy as np

from voice_agent.audio import resample

OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)


class OggOpusError(ValueError):
    """The bytes are not decodable Ogg/Opus audio."""


def encode_ogg_opus(audio: np.ndarray, rate: int, bitrate: int = 24_000) -> bytes:
    """Mono float32 samples as an Ogg/Opus file; `rate` must be one Opus supports."""
    import av

    if rate not in OPUS_RATES:
        raise ValueError(f"Opus cannot encode at {rate} Hz; resample to one of {OPUS_RATES}")
    buffer = io.BytesIO()
    # bitexact: a fixed Ogg serial number and no version tag, so equal audio gives equal
    # bytes (the dataset is deterministic to the byte).
    with av.open(buffer, "w", format="ogg", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libopus", rate=rate, layout="mono")
        stream.bit_rate = bitrate
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def decode_ogg_opus(data: bytes, rate: int | None = None) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate (the file's own, or `rate` if given)."""
    import av

    chunks = []
    try:
        with av.open(io.BytesIO(data), "r") as container:
            stream = container.streams.audio[0]
            # libopus always decodes at 48 kHz; the Opus header keeps the encoder's input rate.
            header = stream.codec_context.extradata or b""
            file_rate = int.from_bytes(header[12:16], "little") if len(header) >= 16 else 48_000
            for frame in container.decode(stream):
                samples = frame.to_ndarray().astype(np.float32)
                if frame.format.name.startswith("s16"):
                    samples /= 32768.0
                chunks.append(samples.reshape(-1, frame.layout.nb_channels).mean(axis=1))
    except (av.error.FFmpegError, IndexError) as exc:
        raise OggOpusError(f"not Ogg/Opus audio: {exc}") from None
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    target = rate or file_rate
    return resample(audio, 48_000, target), target
