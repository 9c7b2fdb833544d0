"""Answer accuracy of an LLM alone, questions sent as text (`voice-agent answers`).

This is the fast loop for tuning the embedded assistant's defaults: no speech, no ASR, the same
`ChatLLM` the cascade streams from, the same system prompt a session gets. The spoken measure,
through a running server, is `voice-agent bench --questions`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.bench.judging import Verdict, judge
from voice_agent.bench.questions import Question
from voice_agent.config import add_server_arguments
from voice_agent.engines.base import Message
from voice_agent.engines.prompting import reply_text
from voice_agent.models.llm import ChatLLM


@dataclass(frozen=True)
class Answer:
    question: Question
    reply: str
    verdict: Verdict
    first_token_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.question.id,
            "kind": self.question.kind,
            "question": self.question.text,
            "accepted": list(self.question.accepted),
            "reply": self.reply,
            "right": self.verdict.right,
            "english": self.verdict.english,
            "first_token_ms": round(self.first_token_ms, 1),
        }


async def ask(
    llm: ChatLLM,
    question: Question,
    instructions: str,
    temperature: float,
    max_tokens: int | None = None,
    calculator: bool = True,
) -> Answer:
    history = [Message("user", question.text)]
    started = time.perf_counter()
    first: float | None = None
    parts = []
    async for delta in reply_text(llm, instructions, history, temperature, max_tokens, calculator):
        first = first or time.perf_counter()
        parts.append(delta)
    reply = "".join(parts).strip()
    first_ms = ((first or time.perf_counter()) - started) * 1000
    verdict = judge(reply, question.accepted, question.max_words)
    return Answer(question, reply, verdict, first_ms)


async def ask_all(
    llm: ChatLLM,
    questions: Iterable[Question],
    instructions: str,
    temperature: float,
    seed: int = 0,
    max_tokens: int | None = None,
    calculator: bool = True,
) -> list[Answer]:
    answers = []
    for index, question in enumerate(questions):
        if temperature > 0:  # each question sampled alike whatever ran before it
            llm.reseed(seed + index)  # (greedy needs no seed, and keeps the prompt cache
            # a server keeps, so its first-token times are a server's)
        answers.append(await ask(llm, question, instructions, temperature, max_tokens, calculator))
    return answers


def accuracy_summary(verdicts: list[tuple[str, Verdict]]) -> dict[str, Any]:
    """Accuracy overall and per kind, and how many replies left English, from
    (kind, verdict) pairs."""
    kinds = sorted({kind for kind, _ in verdicts})
    return {
        "questions": len(verdicts),
        "accuracy": _share([v.right for _, v in verdicts]),
        "non_english": sum(1 for _, v in verdicts if not v.english),
        "by_kind": {kind: _share([v.right for k, v in verdicts if k == kind]) for kind in kinds},
        "judge_accuracy": _share([v.judge for _, v in verdicts if v.judge is not None]),
    }


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def add_answers_command(commands: argparse._SubParsersAction) -> None:
    answers = commands.add_parser(
        "answers",
        help="answer accuracy of the server's LLM alone, questions sent as text",
        description="Ask the bundled questions as text to the LLM the server would use (the same "
        "--llm-* and --instructions options), judge each reply against its accepted answers, "
        "and report accuracy per kind, replies out of English and time to first token. The "
        "fast loop for tuning defaults; `bench --questions` measures the spoken path.",
    )
    add_server_arguments(answers)
    answers.add_argument(
        "--split", choices=("dev", "test", "all"), default="dev", help="questions to ask"
    )
    answers.add_argument(
        "--limit", type=int, default=None, help="ask only the first N questions of the split"
    )
    answers.add_argument("--seed", type=int, default=0, help="sampling seed of the first question")
    answers.add_argument(
        "--out", type=Path, default=None, help="write every question's reply and verdict here"
    )


def run_answers_command(args: argparse.Namespace) -> int:
    import asyncio

    from tqdm import tqdm

    from voice_agent.bench.questions import questions
    from voice_agent.config import server_config_from_args
    from voice_agent.engines.cascade import build_llm
    from voice_agent.realtime.protocol import SessionConfig

    config = server_config_from_args(args)
    session = SessionConfig()
    instructions = config.instructions or session.instructions
    temperature = config.temperature
    asked = questions(None if args.split == "all" else args.split)[: args.limit]

    async def run() -> list[Answer]:
        llm = build_llm(config)
        try:
            bar = tqdm(asked, desc="questions", unit="q")
            return await ask_all(
                llm, bar, instructions, temperature, args.seed, calculator=config.calculator
            )
        finally:
            await llm.close()

    answers = asyncio.run(run())
    summary = accuracy_summary([(a.question.kind, a.verdict) for a in answers])
    summary["first_token_ms_p50"] = round(statistics.median(a.first_token_ms for a in answers), 1)
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"summary": summary})] + [json.dumps(a.to_json()) for a in answers]
        args.out.write_text("\n".join(lines) + "\n")
    return 0
