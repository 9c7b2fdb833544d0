"""Odd JSON values for a fuzzer to put anywhere, and synthetic PCM16 audio."""

from __future__ import annotations

import base64
import math
import random
from typing import Any

import numpy as np

UNICODE = [
    "hello",
    "",
    " ",
    "\x00",
    "\x1b[31m",
    "\u200b\u200d\ufeff",
    "\u202eevil",
    "مرحبا",
    "你好",
    "😀👩‍👩‍👧",
    "e\u0301\u0301\u0301",
    "\uffff",
    "\U0010ffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "'; DROP TABLE items; --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "%s%n%x",
    "\\u0000",
    "null",
]
NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2**31,
    -(2**63),
    10**30,
    -(10**300),
    1.5,
    -0.0,
    5e-324,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
]


def junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, odd ones first."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(UNICODE) * rng.choice((1, 1, 2, 50))
    if roll < 0.5:
        return rng.choice(NUMBERS)
    if roll < 0.6:
        return rng.choice((True, False, None))
    if roll < 0.65:
        return "".join(chr(rng.randrange(0x20, 0xD7FF)) for _ in range(rng.randrange(1, 40)))
    if roll < 0.7:
        return "x" * rng.randrange(1_000, 20_000)
    if depth > 3:
        return None
    if roll < 0.85:
        return [junk(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(UNICODE) + str(i): junk(rng, depth + 1) for i in range(rng.randrange(4))}


def nested(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def pcm_b64(rng: random.Random, rate: int = 24_000, loud: bool | None = None) -> str:
    seconds = rng.choice((0.02, 0.02, 0.04, 0.1, 0.25))
    n = int(rate * seconds)
    kind = rng.choice(("loud", "silent", "noise")) if loud is None else "loud" if loud else "silent"
    if kind == "loud":
        wave = 0.3 * np.sin(2 * np.pi * 200 * np.arange(n) / rate)
    elif kind == "silent":
        wave = np.zeros(n)
    else:
        wave = np.array([rng.uniform(-1, 1) for _ in range(min(n, 64))] * (n // 64 + 1))[:n]
    return base64.b64encode((wave * 32767).astype("<i2").tobytes()).decode()
