"""How right the teacher's answers are: its LLM asked the held-out questions as text.

The direct model learns whatever the cascade answers, so the dataset's card says how often
those answers are right (`voice-agent answers`' measure, on the test split). Measured once per
dataset directory and kept in `teacher_accuracy.json`; remeasured only if the teacher changes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from voice_agent.bench.answers import accuracy_summary, ask_all
from voice_agent.bench.questions import Question, questions
from voice_agent.distill.item import TeacherConfig

ACCURACY_FILE = "teacher_accuracy.json"


def measure_teacher_accuracy(
    root: Path, teacher: TeacherConfig, limit: int | None = None, progress: bool = True
) -> dict[str, Any]:
    """The teacher's answer accuracy on the first `limit` test questions (None: all)."""
    path = root / ACCURACY_FILE
    described = teacher.describe()
    if path.exists():
        previous = json.loads(path.read_text())
        if previous.get("teacher") == described and previous.get("limit") == limit:
            return previous
    asked: Iterable[Question] = questions("test")[:limit]
    if progress:
        from tqdm import tqdm

        asked = tqdm(asked, desc="teacher accuracy", unit="q")
    result = {
        "teacher": described,
        "limit": limit,
        "split": "test",
        **asyncio.run(_ask(teacher, asked)),
    }
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result


async def _ask(teacher: TeacherConfig, asked: Iterable[Question]) -> dict[str, Any]:
    from voice_agent.engines.cascade import build_llm

    llm = build_llm(replace(teacher.server, llm_threads=teacher.threads))
    try:
        answers = await ask_all(
            llm,
            asked,
            teacher.instructions,
            teacher.temperature,
            max_tokens=teacher.max_output_tokens,
            calculator=teacher.server.calculator,
        )
    finally:
        await llm.close()
    return accuracy_summary([(a.question.kind, a.verdict) for a in answers])


def read_teacher_accuracy(root: Path) -> dict[str, Any] | None:
    path = root / ACCURACY_FILE
    return json.loads(path.read_text()) if path.exists() else None
