"""The distillation generator's parts: Opus files, seeded Piper noise, augmentation,
item plans and atomic shards."""

from __future__ import annotations

import numpy as np
import pytest

from tests.speech import espeak
from voice_agent.audio import resample
from voice_agent.audio.oggopus import OggOpusError, decode_ogg_opus, encode_ogg_opus
from voice_agent.distill.augment import RATE, Augmentation, augment, draw_augmentation
from voice_agent.distill.plan import Planner
from voice_agent.distill.prompt_file import Prompt
from voice_agent.distill.shards import (
    SCHEMA,
    Shard,
    is_complete,
    read_failures,
    remove_temporaries,
    shards_for,
    write_shard,
)
from voice_agent.models.tts import PiperTTS, TTSConfig


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def speech16k() -> np.ndarray:
    return espeak("The quick brown fox jumps over the lazy dog.", rate=RATE)


@pytest.mark.parametrize("rate", [16_000, 24_000])
def test_ogg_opus_round_trip_keeps_length_rate_and_waveform(speech16k, rate) -> None:
    audio = resample(speech16k, RATE, rate)
    data = encode_ogg_opus(audio, rate, 24_000)
    assert data == encode_ogg_opus(audio, rate, 24_000)  # byte-identical: deterministic data
    assert len(data) * 8 / (len(audio) / rate) < 32_000  # about the bitrate asked for
    decoded, decoded_rate = decode_ogg_opus(data)
    assert decoded_rate == rate and len(decoded) == len(audio)
    error = rms(decoded - audio) / rms(audio)
    assert error < 0.5  # a lossy codec, but the same waveform, aligned


def test_ogg_opus_errors() -> None:
    with pytest.raises(OggOpusError):
        decode_ogg_opus(b"not an ogg file at all")
    with pytest.raises(ValueError, match="22050"):
        encode_ogg_opus(np.zeros(100, np.float32), 22_050)


def test_seeded_piper_is_reproducible_across_instances() -> None:
    first, second = (PiperTTS(TTSConfig(seeded_noise=True, threads=1)) for _ in range(2))
    text = "Seeded noise makes the same voice every time."
    first.reseed(5)
    second.reseed(5)
    a, b = first.synthesize_blocking(text), second.synthesize_blocking(text)
    assert np.array_equal(a, b)
    first.reseed(6)
    c = first.synthesize_blocking(text)
    assert len(c) != len(a) or not np.array_equal(a, c)
    with pytest.raises(RuntimeError, match="seeded_noise"):
        PiperTTS(TTSConfig()).reseed(1)


def test_augmentation_hits_its_level_and_snr(speech16k) -> None:
    spec = Augmentation(level_dbfs=-26.0, noise="pink", snr_db=15.0)
    silence = np.zeros(RATE, np.float32)
    signal = np.concatenate([silence, speech16k])
    out = augment(signal, spec, np.random.default_rng(1))
    assert np.array_equal(out, augment(signal, spec, np.random.default_rng(1)))
    assert 20 * np.log10(rms(out)) == pytest.approx(-26.0, abs=0.5)
    noise_only, speech_part = out[: RATE // 2], out[RATE:]
    snr = 20 * np.log10(rms(speech_part) / rms(noise_only))
    assert 12.0 < snr < 19.0


def test_telephone_band_and_reverb(speech16k) -> None:
    phone = augment(speech16k, Augmentation(telephone=True), np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(phone)) ** 2
    freqs = np.fft.rfftfreq(len(phone), 1 / RATE)
    assert spectrum[freqs > 4_100].sum() < 1e-3 * spectrum.sum()
    room = augment(speech16k, Augmentation(reverb_rt60_s=0.5), np.random.default_rng(0))
    assert len(room) > len(speech16k)


def test_augmentation_mix_covers_every_kind() -> None:
    rng = np.random.default_rng(0)
    mix = [draw_augmentation(rng) for _ in range(400)]
    clean = sum(1 for a in mix if a.noise == "none" and not a.reverb_rt60_s and not a.telephone)
    assert 0.25 < clean / len(mix) < 0.5
    assert {a.noise for a in mix} == {"none", "white", "pink", "brown"}
    assert any(a.telephone for a in mix) and any(a.reverb_rt60_s for a in mix)


def test_plans_depend_only_on_seed_and_index() -> None:
    prompts = [Prompt(f"p{i}", "question", f"Question number {i}?") for i in range(10)]
    planner = Planner(prompts, seed=3)
    forward = [planner.plan(i) for i in range(25)]
    backward = [Planner(prompts, seed=3).plan(i) for i in reversed(range(25))][::-1]
    assert forward == backward
    assert {p.prompt.id for p in forward[:10]} == {p.id for p in prompts}  # a full pass first
    assert [p.voice for p in forward] != [Planner(prompts, seed=4).plan(i).voice for i in range(25)]


def test_drawn_espeak_voices_exist() -> None:
    from voice_agent.models.voices import speak

    planner = Planner([Prompt("p", "question", "Hello there.")], seed=0)
    voices = {planner.plan(i).voice for i in range(60)}
    assert any(v.engine == "piper" for v in voices)
    for voice in [v for v in voices if v.engine == "espeak"][:8]:
        audio, _ = speak("Hello there.", voice)
        assert rms(audio) > 0.01, voice


def test_shards_are_complete_only_for_their_range(tmp_path) -> None:
    assert shards_for(10, 4) == [Shard(0, 0, 4), Shard(1, 4, 8), Shard(2, 8, 10)]
    shard = Shard(2, 8, 10)
    assert not is_complete(tmp_path, shard)
    failure = {"id": "0000009", "index": 9, "prompt_id": "p", "error": "boom", "traceback": ""}
    write_shard(tmp_path, shard, [], [failure])
    assert is_complete(tmp_path, shard)
    assert read_failures(tmp_path) == [failure]
    assert not is_complete(tmp_path, Shard(2, 8, 12))  # --n grew: the shard must be redone
    (tmp_path / "data" / ".train-00003.parquet.tmp-123").write_bytes(b"half")
    (tmp_path / "data" / "train-00004.parquet").write_bytes(b"garbage")
    remove_temporaries(tmp_path)
    assert not list((tmp_path / "data").glob(".*"))
    assert not is_complete(tmp_path, Shard(4, 16, 20))
    assert "speech1" in SCHEMA.names
