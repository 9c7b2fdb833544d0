"""Benchmark reports: percentiles per figure and target, ratios, JSON, a table and plots."""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.bench.answers import accuracy_summary
from voice_agent.bench.judging import Verdict
from voice_agent.bench.turn import TurnResult

Figure = tuple[str, str, Callable[[TurnResult], float | None]]


def _barge(key: str) -> Callable[[TurnResult], float | None]:
    return lambda r: (r.barge_in or {}).get(key)


FIGURES: list[Figure] = [
    ("v2v_ms", "voice-to-voice, end of speech to first reply audio (ms)",
     lambda r: r.v2v_ms if r.kind != "paused" else None),
    ("paused_v2v_ms", "pauses corpus: voice-to-voice after the whole paused turn (ms)",
     lambda r: r.v2v_ms if r.kind == "paused" else None),
    ("server_asr_ms", "server: waiting on ASR after end of turn (ms)",
     lambda r: r.server_ms.get("asr")),
    ("server_llm_ms", "server: waiting on LLM first token (ms)",
     lambda r: r.server_ms.get("llm_first_token")),
    ("server_tts_ms", "server: waiting on first audio (ms)",
     lambda r: r.server_ms.get("tts_first_audio")),
    ("server_total_ms", "server: end of turn to first audio (ms)",
     lambda r: r.server_ms.get("total_to_first_audio")),
    ("transcript_wer", "server transcript vs prompt text (WER)", lambda r: r.transcript_wer),
    ("reply_wer", "Whisper on reply audio vs reply transcript (WER)", lambda r: r.reply_wer),
    ("barge_in_stop_ms", "barge-in: interruption start to last reply audio (ms)",
     _barge("stop_ms")),
    ("barge_in_detected_ms", "barge-in: interruption start to server's speech_started (ms)",
     _barge("detected_ms")),
    ("barge_in_cancel_ms", "barge-in: interruption start to response.done (ms)",
     _barge("cancel_ms")),
    ("barge_in_followup_v2v_ms", "barge-in: voice-to-voice of the interruption (ms)",
     _barge("followup_v2v_ms")),
]  # fmt: skip
RATIO_FIGURES = ("v2v_ms", "paused_v2v_ms", "server_total_ms", "barge_in_stop_ms")


def stats(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None}
    array = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(array, 50)), 3),
        "p90": round(float(np.percentile(array, 90)), 3),
        "p99": round(float(np.percentile(array, 99)), 3),
        "max": round(float(array.max()), 3),
    }


def summarize(results: list[TurnResult], targets: dict[str, str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for label, url in targets.items():
        mine = [r for r in results if r.target == label]
        ok = [r for r in mine if r.error is None]
        figures = {}
        for key, _title, get in FIGURES:
            values = [v for v in (get(r) for r in ok) if v is not None]
            figures[key] = stats(values)
        barge = [r.barge_in for r in ok if r.barge_in]
        summary[label] = {
            "url": url,
            "turns": len(mine),
            "ok": len(ok),
            "errors": dict(Counter(_error_kind(r.error) for r in mine if r.error)),
            "sessions": len({r.session for r in mine}),
            "barge_in": {
                "turns": len(barge),
                "reply_finished_first": sum(1 for b in barge if b["reply_finished_first"]),
                "cancelled": sum(1 for b in barge if b["cancelled"]),
                "stale_chunks": sum(b["stale_chunks"] for b in barge),
            },
            "figures": figures,
        }
        paused = [r for r in ok if r.cut_in is not None]
        if paused:
            normal, late = figures["v2v_ms"]["p50"], figures["paused_v2v_ms"]["p50"]
            summary[label]["pauses"] = {
                "turns": len(paused),
                "cut_in": sum(1 for r in paused if r.cut_in),
                "cut_in_rate": round(sum(1 for r in paused if r.cut_in) / len(paused), 3),
                # How much longer a paused turn waits for its reply than a plain one (p50).
                "extra_wait_ms": None
                if normal is None or late is None
                else round(late - normal, 1),
            }
        judged = [r for r in ok if r.right is not None]
        if judged:
            summary[label]["answers"] = accuracy_summary(
                [(r.kind, Verdict(bool(r.right), bool(r.english), r.judge)) for r in judged]
            )
    return summary


def _error_kind(error: str | None) -> str:
    text = error or ""
    for kind in ("connect failed", "timeout", "server error", "connection closed"):
        if kind in text:
            return kind
    return text.split(":")[0][:60]


def ratios(summary: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each other target's p50 and p90 over the first target's, for the headline figures."""
    labels = list(summary)
    if len(labels) < 2:
        return {}
    base = summary[labels[0]]["figures"]
    out: dict[str, dict[str, float | None]] = {}
    for label in labels[1:]:
        figures = summary[label]["figures"]
        for key in RATIO_FIGURES:
            for p in ("p50", "p90"):
                a, b = base[key][p], figures[key][p]
                ratio = round(b / a, 3) if a and b is not None else None
                out.setdefault(f"{label}/{labels[0]}", {})[f"{key}.{p}"] = ratio
    return out


def machine() -> dict[str, Any]:
    model = ""
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
    }


def format_table(summary: dict[str, Any], ratio_table: dict[str, Any]) -> str:
    lines = []
    for label, target in summary.items():
        lines.append(
            f"\n[{label}] {target['url']}: {target['ok']}/{target['turns']} turns ok, "
            f"{target['sessions']} sessions, errors: {target['errors'] or 'none'}"
        )
        barge = target["barge_in"]
        if barge["turns"]:
            lines.append(
                f"    barge-in: {barge['cancelled']}/{barge['turns']} replies cancelled "
                f"({barge['reply_finished_first']} had ended before the interruption), "
                f"{barge['stale_chunks']} stale audio chunks after response.done"
            )
        pauses = target.get("pauses")
        if pauses:
            lines.append(
                f"    pauses: {pauses['cut_in']}/{pauses['turns']} paused turns cut in on at "
                f"their pause ({pauses['cut_in_rate']:.0%}); paused turns wait "
                f"{pauses['extra_wait_ms']} ms more than plain ones (p50)"
            )
        answers = target.get("answers")
        if answers:
            kinds = ", ".join(f"{k} {v:.0%}" for k, v in answers["by_kind"].items())
            judged = answers["judge_accuracy"]
            lines.append(
                f"    answers: {answers['accuracy']:.1%} right of {answers['questions']} "
                f"({kinds}); {answers['non_english']} not in English"
                + (f"; judge model: {judged:.1%} right" if judged is not None else "")
            )
        lines.append(f"    {'figure':<28}{'n':>5}{'p50':>10}{'p90':>10}{'p99':>10}{'max':>10}")
        for key, _title, _get in FIGURES:
            s = target["figures"][key]
            if not s["n"]:
                continue
            number = "{:>10.3f}" if key.endswith("_wer") else "{:>10.0f}"
            cells = "".join(number.format(s[p]) for p in ("p50", "p90", "p99", "max"))
            lines.append(f"    {key:<28}{s['n']:>5}{cells}")
    for pair, values in ratio_table.items():
        cells = ", ".join(f"{k} {v}" for k, v in values.items() if v is not None)
        lines.append(f"\nratios {pair} (measured side by side, interleaved): {cells}")
    return "\n".join(lines)


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2) + "\n")


def plot(summary: dict[str, Any], results: list[TurnResult], out: Path) -> list[Path]:
    """A latency CDF per target and a stacked bar of where the time goes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, target in summary.items():
        values = sorted(r.v2v_ms for r in results if r.target == label and r.v2v_ms is not None)
        if values:
            ax.step(
                values,
                np.arange(1, len(values) + 1) / len(values),
                where="post",
                label=f"{label}: {target['url']}",
            )
    ax.set_xlabel("voice-to-voice latency (ms)")
    ax.set_ylabel("fraction of turns")
    ax.set_title("Voice-to-voice latency, CDF")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    paths.append(out / "latency_cdf.png")
    fig.tight_layout()
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    stages = [
        ("end-of-turn detection + transport", None),
        ("ASR", "server_asr_ms"),
        ("LLM first token", "server_llm_ms"),
        ("first clause to audio", "server_tts_ms"),
    ]
    labels = list(summary)
    bottoms = np.zeros(len(labels))
    for name, key in stages:
        heights = []
        for label in labels:
            figures = summary[label]["figures"]
            if key is None:  # what the client waited beyond the server's own stages
                v2v, server = figures["v2v_ms"]["p50"], figures["server_total_ms"]["p50"]
                heights.append(max(0.0, (v2v or 0) - (server or 0)))
            else:
                heights.append(figures[key]["p50"] or 0.0)
        ax.bar(labels, heights, bottom=bottoms, label=name, width=0.5)
        bottoms += np.asarray(heights)
    ax.set_ylabel("median ms")
    ax.set_title("Where the time to first audio goes (medians)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    paths.append(out / "stages.png")
    fig.tight_layout()
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    if any("answers" in target for target in summary.values()):
        paths.append(_plot_answers(summary, out / "answers.png"))
    return paths


def _plot_answers(summary: dict[str, Any], path: Path) -> Path:
    """Accuracy per kind of question, one bar per target."""
    import matplotlib.pyplot as plt

    answered = {label: t["answers"] for label, t in summary.items() if "answers" in t}
    kinds = [*sorted({kind for a in answered.values() for kind in a["by_kind"]}), "all"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(answered)
    for index, (label, answers) in enumerate(answered.items()):
        shares = [answers["by_kind"].get(kind) or 0.0 for kind in kinds[:-1]]
        shares.append(answers["accuracy"] or 0.0)
        xs = np.arange(len(kinds)) + index * width
        ax.bar(xs, shares, width, label=f"{label}: {summary[label]['url']}")
    ax.set_xticks(np.arange(len(kinds)) + width * (len(answered) - 1) / 2, kinds)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of replies right")
    ax.set_title("Answer accuracy by kind of question")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
