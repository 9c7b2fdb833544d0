"""`voice-agent bench`: run turns against one or more servers and write the report."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.bench import corpus, report
from voice_agent.bench.client import BenchSession
from voice_agent.bench.judge_model import JudgeModel
from voice_agent.bench.judging import judge
from voice_agent.bench.questions import all_questions
from voice_agent.bench.turn import Interruption, TurnFailed, TurnResult
from voice_agent.evaluation import word_error_rate

DEFAULT_CORPUS = Path.home() / ".cache" / "voice-agent" / "bench-corpus"


@dataclass(frozen=True)
class BenchConfig:
    urls: list[str]
    sessions: int = 1
    turns: int = 10
    corpus_dir: Path = DEFAULT_CORPUS
    out_dir: Path = Path("bench-results")
    barge_in_every: int = 4  # every Nth turn of a session talks over the reply; 0: never
    turn_timeout_s: float = 60.0
    check_replies: bool = True  # run Whisper on reply audio after the run
    progress: bool = True
    transport: str = "websocket"  # or "webrtc"
    questions: str | None = None  # answer accuracy: ask this split of questions.py ("all": both)
    judge_url: str = ""  # an OpenAI-compatible judge model's base URL, for a second verdict
    judge_model: str = "default"
    # Each URL is measured with each of these turn detections (empty: the server's default);
    # two of them against one URL compare them side by side, interleaved.
    turn_detections: tuple[str, ...] = ()
    pauses_every: int = 0  # every Nth turn says a prompt with a pause in it; 0: never


@dataclass
class Run:
    config: BenchConfig
    items: list[corpus.CorpusItem]
    interruptions: list[corpus.CorpusItem]
    paused: list[corpus.CorpusItem] = field(default_factory=list)
    audio: dict[str, np.ndarray] = field(default_factory=dict)
    protocol_errors: dict[str, int] = field(default_factory=dict)

    def load(self, item: corpus.CorpusItem) -> np.ndarray:
        if item.id not in self.audio:
            self.audio[item.id] = item.load(self.config.corpus_dir)
        return self.audio[item.id]


@dataclass(frozen=True)
class Target:
    url: str
    turn_detection: str | None = None  # what its sessions ask for; None: the server's default

    def __str__(self) -> str:
        return f"{self.url} ({self.turn_detection})" if self.turn_detection else self.url


def targets_of(config: BenchConfig) -> dict[str, Target]:
    """The targets by label (A, B, ...): each URL with each turn detection asked for."""
    kinds: tuple[str | None, ...] = config.turn_detections or (None,)
    targets = [Target(url, kind) for url in config.urls for kind in kinds]
    return {chr(ord("A") + i): target for i, target in enumerate(targets)}


async def run_bench(config: BenchConfig) -> dict[str, Any]:
    needed = config.sessions * config.turns
    manifest = corpus.read_manifest(config.corpus_dir)
    ours = corpus.plan()
    planned = {item.id for item in ours}
    if config.questions:
        split = None if config.questions == "all" else config.questions
        asked = corpus.plan_questions(split)[:needed]
        spoken = [i for i in ours if i.kind == "interruption"]
        items = corpus.render(config.corpus_dir, asked + spoken, config.progress)
    elif manifest and not all(item.id in planned for item in manifest):
        items = manifest  # a corpus of the user's own: used as it is
        if not any(item.kind == "interruption" for item in items):
            items += corpus.build(config.corpus_dir, 0, progress=config.progress)
    else:  # ours: render whatever this run needs and is not there yet
        items = corpus.build(config.corpus_dir, needed, progress=config.progress)
    prompts = [i for i in items if i.kind != "interruption"]
    run = Run(config, prompts, [i for i in items if i.kind == "interruption"])
    if config.pauses_every:
        run.paused = corpus.render(config.corpus_dir, corpus.plan_paused(), config.progress)
    targets = targets_of(config)

    started = time.time()
    results = await _run_turns(run, targets)
    if config.check_replies:
        _check_transcripts(results, config.progress)
    if config.questions:
        await _judge_answers(results, config)
    summary = report.summarize(results, {label: str(t) for label, t in targets.items()})
    ratio_table = report.ratios(summary)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    full = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": report.machine(),
        "config": {
            "sessions": config.sessions,
            "turns": config.turns,
            "transport": config.transport,
            "barge_in_every": config.barge_in_every,
            "pauses_every": config.pauses_every,
            "turn_detections": list(config.turn_detections),
            "turn_timeout_s": config.turn_timeout_s,
            "corpus": str(config.corpus_dir),
            "questions": config.questions,
            "judge_url": config.judge_url or None,
        },
        "targets": summary,
        "protocol_errors": run.protocol_errors,
        "ratios": ratio_table,
        "turns": [r.to_json() for r in results],
    }
    report.write_json(config.out_dir / "report.json", full)
    full["plots"] = [str(p) for p in report.plot(summary, results, config.out_dir)]
    full["table"] = report.format_table(summary, ratio_table)
    return full


async def _run_turns(run: Run, targets: dict[str, Target]) -> list[TurnResult]:
    config = run.config
    sessions: dict[str, list[BenchSession | TurnFailed]] = {}
    for label, target in targets.items():
        sessions[label] = list(
            await asyncio.gather(
                *(
                    _open(
                        session_class(config)(
                            target.url, label, s, config.turn_timeout_s, target.turn_detection
                        )
                    )
                    for s in range(config.sessions)
                )
            )
        )
    bar = _progress_bar(len(targets) * config.sessions * config.turns, config.progress)
    results: list[TurnResult] = []
    try:
        for turn in range(config.turns):
            # Interleave the targets, alternating which goes first, so drift on a shared
            # machine hits them alike.
            order = list(targets) if turn % 2 == 0 else list(reversed(targets))
            for label in order:
                batch = await asyncio.gather(
                    *(
                        _one_turn(run, session, label, s, turn)
                        for s, session in enumerate(sessions[label])
                    )
                )
                results.extend(batch)
                if bar is not None:
                    bar.update(len(batch))
                    failed = sum(1 for r in results if r.error)
                    bar.set_postfix(errors=failed)
    finally:
        if bar is not None:
            bar.close()
        for label, group in sessions.items():
            for session in group:
                if isinstance(session, BenchSession):
                    run.protocol_errors[label] = (
                        run.protocol_errors.get(label, 0) + session.protocol_errors
                    )
                    await session.close()
    return results


def session_class(config: BenchConfig) -> type[BenchSession]:
    if config.transport == "webrtc":
        from voice_agent.bench.webrtc_client import WebRTCBenchSession

        return WebRTCBenchSession
    return BenchSession


async def _open(session: BenchSession) -> BenchSession | TurnFailed:
    try:
        await session.open()
        return session
    except TurnFailed as exc:
        return exc


async def _one_turn(
    run: Run, session: BenchSession | TurnFailed, label: str, index: int, turn: int
) -> TurnResult:
    config = run.config
    paused = bool(config.pauses_every and run.paused and (turn + 1) % config.pauses_every == 0)
    pool = run.paused if paused else run.items
    item = pool[(index * config.turns + turn) % len(pool)]
    result = TurnResult(label, index, turn, item.id, item.kind, item.voice, item.text)
    result.question_id = item.question_id
    if isinstance(session, TurnFailed):
        result.error = str(session)
        return result
    interruption = None
    barge_in = config.barge_in_every and (turn + 1) % config.barge_in_every == 0
    if barge_in and run.interruptions and not paused:
        spoken = run.interruptions[(index + turn) % len(run.interruptions)]
        interruption = Interruption(
            spoken.text, run.load(spoken), spoken.speech_start_s, spoken.speech_end_s
        )
    result = await session.turn(
        result, run.load(item), item.speech_end_s, interruption, paused=paused
    )
    if config.questions and result.error is None:
        try:
            await session.forget()  # each question in a conversation of its own
        except TurnFailed as exc:
            result.error = str(exc)
    return result


def _check_transcripts(results: list[TurnResult], progress: bool) -> None:
    """WER of what the server heard, and of what its reply audio says (Whisper, after the
    run so that it does not steal CPU from the server while latency is measured)."""
    from voice_agent.audio import resample
    from voice_agent.models.asr import ASRConfig, WhisperASR

    asr = WhisperASR(ASRConfig())
    todo = [r for r in results if r.error is None]
    bar = _progress_bar(len(todo), progress, "checking replies with Whisper")
    for r in todo:
        if r.transcript is not None:
            r.transcript_wer = round(word_error_rate(r.prompt, r.transcript), 3)
        # An interrupted reply's transcript runs past its audio: only whole replies count.
        whole = r.barge_in is None
        if whole and r.reply_audio is not None and len(r.reply_audio) and r.reply_text:
            heard = asr.transcribe_blocking(resample(r.reply_audio, corpus.RATE, 16_000))
            r.reply_wer = round(word_error_rate(r.reply_text, heard), 3)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    asr.close()


async def _judge_answers(results: list[TurnResult], config: BenchConfig) -> None:
    """Judge every whole reply to a question (an interrupted one was never finished)."""
    by_id = {q.id: q for q in all_questions()}
    judged = [r for r in results if r.error is None and r.question_id and r.barge_in is None]
    model = JudgeModel(config.judge_url, config.judge_model) if config.judge_url else None
    try:
        for r in judged:
            question = by_id[r.question_id]
            verdict = judge(r.reply_text, question.accepted, question.max_words)
            r.right, r.english = verdict.right, verdict.english
            if model is not None:
                r.judge = await model.grade(question.text, question.accepted, r.reply_text)
    finally:
        if model is not None:
            await model.close()


def _progress_bar(total: int, enabled: bool, desc: str = "turns") -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="turn")
