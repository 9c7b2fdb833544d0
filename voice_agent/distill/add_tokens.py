"""`voice-agent distill-tokens DIR`: add speech2's voice tokens to a dataset made without
them (or with another tokenizer), shard by shard, without making its items again.

Each row's reply is replayed through the cut voice with the seed it was spoken with:
`reply_seed` where the row has it, else the seed the item's generator gave (its speech1
is made again to draw from it in the same order). A replayed clause must last as long as
the row's clause did. Shards are rewritten atomically; a shard whose rows carry this
tokenizer's tokens already is skipped, so a killed run continues where it stopped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from voice_agent.distill.item import replay_reply_seed
from voice_agent.distill.plan import Planner
from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts
from voice_agent.distill.runner import MANIFEST
from voice_agent.distill.shards import Shard, shard_files, shard_info, write_shard
from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.voice_tokens.codebook import default_tokenizer_path
from voice_agent.voice_tokens.replay import VoiceTokens

CLAUSE_TOLERANCE_S = 0.006  # half a latent frame: clause times are stored to the ms


def run(args: argparse.Namespace) -> int:
    manifest_path = args.dir / MANIFEST
    if not manifest_path.exists():
        raise SystemExit(f"error: {args.dir} is not a distillation dataset (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    prompts_path = args.prompts or bundled_prompts_path()
    if hashlib.sha256(prompts_path.read_bytes()).hexdigest() != manifest["prompts_sha256"]:
        raise SystemExit(f"error: {args.dir} was made from another prompts file; pass --prompts")
    teacher = manifest["teacher"]
    tokens = VoiceTokens.load(
        str(args.voice_tokens or default_tokenizer_path()), teacher["tts_voice"], args.threads
    )
    planner = Planner(load_prompts(prompts_path), manifest["seed"])
    # speech1 is made again only for rows older than `reply_seed`; as in distill, the user
    # voice is the bundled Piper voice with seeded noise.
    user_piper = PiperTTS(TTSConfig(seeded_noise=True, threads=args.threads))
    files = shard_files(args.dir)
    done = 0
    for path in _progress(files, args.no_progress):
        (start, stop), failures = shard_info(path)
        rows = pq.read_table(path).to_pylist()
        if all(row.get("speech2_tokenizer") == tokens.tokenizer.id for row in rows):
            continue
        for row in rows:
            _add(row, tokens, planner, user_piper)
        number = int(re.findall(r"\d+", path.name)[0])
        write_shard(args.dir, Shard(number, start, stop), rows, failures)
        done += 1
    manifest["teacher"]["voice_tokens"] = tokens.tokenizer.id
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"voice tokens {tokens.tokenizer.id} added to {done} of {len(files)} shards")
    return 0


def _add(row: dict[str, Any], tokens: VoiceTokens, planner: Planner, piper: PiperTTS) -> None:
    seed = row.get("reply_seed")
    if seed is None:
        seed = replay_reply_seed(planner.plan(row["index"]), piper)
    clauses = row["speech2_clauses"]
    row["speech2_tokens"], row["speech2_token_frames"] = tokens.of_texts(
        [c["text"] for c in clauses],
        seed,
        [c["end_s"] - c["start_s"] for c in clauses],
        CLAUSE_TOLERANCE_S,
    )
    row["reply_seed"] = seed
    row["speech2_tokenizer"] = tokens.tokenizer.id


def _progress(files: list[Path], off: bool) -> Any:
    if off:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="voice tokens", unit="shard")
