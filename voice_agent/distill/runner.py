"""`voice-agent distill`: plan the items, run the missing shards, write the dataset card."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_agent.distill.backends import run_local, run_ray
from voice_agent.distill.card import write_card
from voice_agent.distill.item import TeacherConfig
from voice_agent.distill.plan import ItemPlan, Planner
from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts
from voice_agent.distill.shards import (
    Shard,
    is_complete,
    remove_temporaries,
    shards_for,
    write_shard,
)
from voice_agent.distill.teacher_accuracy import measure_teacher_accuracy
from voice_agent.engines.base import EngineError

MANIFEST = "distill.json"


class DistillError(RuntimeError):
    """A run that cannot start (bad options, a directory made with other settings)."""


@dataclass(frozen=True)
class DistillOptions:
    out: Path
    count: int
    prompts_path: Path | None = None  # None: the bundled prompt set
    seed: int = 0
    workers: int = 1
    shard_size: int = 50
    ray_address: str | None = None  # None: local processes; 'local' or a cluster address
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    progress: bool = True
    # Test questions the teacher's LLM is asked for the card's accuracy (None: all; 0: none).
    accuracy_questions: int | None = None


@dataclass
class RunSummary:
    made: int = 0  # items made by this run
    failed: int = 0
    skipped_shards: int = 0  # already complete from an earlier run
    audio_s: float = 0.0  # speech1 + speech2 made by this run
    wall_s: float = 0.0

    def line(self) -> str:
        rate = self.made / self.wall_s * 60 if self.wall_s else 0.0
        hours_per_hour = self.audio_s / self.wall_s if self.wall_s else 0.0
        return (
            f"{self.made} items made ({self.failed} failed) in {self.wall_s:.0f} s: "
            f"{rate:.1f} items/min, {hours_per_hour:.2f} audio hours per hour"
            + (f"; {self.skipped_shards} shards were already done" if self.skipped_shards else "")
        )


def run_distill(options: DistillOptions) -> RunSummary:
    if options.count < 1 or options.workers < 1 or options.shard_size < 1:
        raise DistillError("--n, --workers and --shard-size must be at least 1")
    prompts_path = options.prompts_path or bundled_prompts_path()
    prompts = load_prompts(prompts_path)
    options.out.mkdir(parents=True, exist_ok=True)
    _check_manifest(options, prompts_path)
    remove_temporaries(options.out)

    if options.accuracy_questions != 0:
        try:
            measure_teacher_accuracy(
                options.out, options.teacher, options.accuracy_questions, options.progress
            )
        except EngineError as exc:  # e.g. a dead --llm-url server: nothing is lost
            raise DistillError(
                f"{exc}; nothing was made yet, so run the same command again once that is fixed"
            ) from exc
    shards = shards_for(options.count, options.shard_size)
    todo = [shard for shard in shards if not is_complete(options.out, shard)]
    summary = RunSummary(skipped_shards=len(shards) - len(todo))
    planner = Planner(prompts, options.seed)
    plans = [planner.plan(index) for shard in todo for index in range(shard.start, shard.stop)]
    started = time.monotonic()
    if plans:
        _make_shards(options, todo, plans, summary)
    summary.wall_s = time.monotonic() - started
    write_card(options.out)
    return summary


def _make_shards(
    options: DistillOptions, todo: list[Shard], plans: list[ItemPlan], summary: RunSummary
) -> None:
    if options.ray_address:
        rows = run_ray(plans, options.teacher, options.workers, options.ray_address)
    else:
        rows = run_local(plans, options.teacher, options.workers)
    shard_of = {index: shard for shard in todo for index in range(shard.start, shard.stop)}
    collected: dict[int, list[dict[str, Any]]] = {shard.number: [] for shard in todo}
    bar = _progress_bar(options, len(plans))
    try:
        for row in rows:
            if row.get("retry"):
                raise DistillError(
                    f"item {row['id']}: {row['error']}; finished shards are kept, so run the "
                    "same command again once that is fixed"
                )
            shard = shard_of[row["index"]]
            collected[shard.number].append(row)
            if "error" in row:
                summary.failed += 1
            else:
                summary.made += 1
                summary.audio_s += row["speech1_duration_s"] + row["speech2_duration_s"]
            if len(collected[shard.number]) == shard.stop - shard.start:
                _write(options.out, shard, collected.pop(shard.number))
            if bar is not None:
                bar.set_postfix_str(
                    f"{summary.audio_s / 3600:.3f} h audio, {summary.failed} failed"
                )
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def _write(root: Path, shard: Shard, items: list[dict[str, Any]]) -> None:
    items.sort(key=lambda row: row["index"])
    rows = [row for row in items if "error" not in row]
    failures = [row for row in items if "error" in row]
    write_shard(root, shard, rows, failures)


def _progress_bar(options: DistillOptions, total: int) -> Any:
    if not options.progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="distill", unit="item", smoothing=0.1, dynamic_ncols=True)


def _check_manifest(options: DistillOptions, prompts_path: Path) -> None:
    """A directory holds one dataset: a rerun must use the settings that made it
    (only --n may grow or shrink, --workers and --ray may change)."""
    digest = hashlib.sha256(prompts_path.read_bytes()).hexdigest()
    teacher = options.teacher.describe()
    settings = {
        "seed": options.seed,
        "shard_size": options.shard_size,
        "prompts_sha256": digest,
        "teacher": teacher,
    }
    path = options.out / MANIFEST
    if path.exists():
        try:
            previous = json.loads(path.read_text())
        except json.JSONDecodeError:
            previous = None
        if previous is not None:
            changed = [k for k in settings if previous.get(k) != settings[k]]
            if changed:
                raise DistillError(
                    f"{options.out} was made with other settings ({', '.join(changed)} "
                    f"differ: see {path}); rerun with the same options, or use another --out"
                )
    record = {**settings, "count": options.count, "prompts": str(prompts_path), "version": 1}
    temporary = path.with_suffix(f".tmp-{os.getpid()}")
    temporary.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(temporary, path)
