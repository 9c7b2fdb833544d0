"""ONNX Runtime session options shared by every model we run through it."""

from __future__ import annotations

from typing import Any


def session_options(threads: int | None) -> Any:
    """Options for a CPU session on `threads` intra-op threads (None: ONNX Runtime's default).

    Its worker threads do not spin between runs: spinning keeps the cores busy after each
    call, and llama.cpp (the LLM, running alongside or next) then runs up to 5x slower per
    token on a 2-core machine (measured: 6 ms -> 31 ms after a Piper decoder call).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options
