"""Engines by name. A new engine is one module with a builder, plus one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_agent.config import ServerConfig
    from voice_agent.engines.base import Engine

# name -> "module:builder"; a builder loads the engine's models from the server config
# (blocking). Modules are imported only when their engine is asked for.
ENGINES: dict[str, str] = {
    "cascade": "voice_agent.engines.cascade:build_cascade_engine",
    "direct": "voice_agent.engines.direct:build_direct_engine",
}


def build_engine(name: str, config: ServerConfig) -> Engine:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
    module, builder = ENGINES[name].split(":")
    build: Callable[[ServerConfig], Engine] = getattr(importlib.import_module(module), builder)
    return build(config)
