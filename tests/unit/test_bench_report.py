from __future__ import annotations

from voice_agent.bench import report
from voice_agent.bench.client import TurnResult
from voice_agent.bench.corpus import plan, speech_bounds
from voice_agent.bench.prompts import all_prompts


def turn(target: str, v2v: float | None, error: str | None = None) -> TurnResult:
    result = TurnResult(target, 0, 0, "id", "question", "voice", "Hi?", error=error, v2v_ms=v2v)
    result.server_ms = {"total_to_first_audio": v2v / 2 if v2v else None}
    return result


def test_percentiles_errors_and_ratios() -> None:
    results = [turn("A", float(v)) for v in range(100, 1100, 100)]
    results += [turn("B", float(v) * 2) for v in range(100, 1100, 100)]
    results += [turn("B", None, error="timeout waiting for reply audio")]
    summary = report.summarize(results, {"A": "ws://a", "B": "ws://b"})
    a, b = summary["A"], summary["B"]
    assert a["figures"]["v2v_ms"] == {
        "n": 10,
        "p50": 550.0,
        "p90": 910.0,
        "p99": 991.0,
        "max": 1000.0,
    }
    assert (b["turns"], b["ok"], b["errors"]) == (11, 10, {"timeout": 1})
    assert report.ratios(summary)["B/A"]["v2v_ms.p50"] == 2.0
    table = report.format_table(summary, report.ratios(summary))
    assert "v2v_ms" in table and "ratios B/A" in table


def test_corpus_plan_covers_kinds_and_voices_early() -> None:
    items = [i for i in plan() if i.kind != "interruption"]
    assert len(items) == 2 * len(all_prompts()) >= 400
    assert len({i.id for i in items}) == len(items)
    first = items[:40]  # a short run still hears every kind of request and many voices
    assert {i.kind for i in first} == {"question", "command", "chitchat", "one_word", "ramble"}
    assert len({i.voice for i in first}) >= 6


def test_speech_bounds_ignore_silence() -> None:
    import numpy as np

    audio = np.zeros(24_000 * 2, np.float32)
    audio[12_000:36_000] = 0.3
    assert speech_bounds(audio) == (0.5, 1.5)
