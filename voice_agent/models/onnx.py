"""ONNX Runtime session options shared by every model we run through it."""

from __future__ import annotations

from typing import Any


def session_options(threads: int | None, varying_shapes: bool = False) -> Any:
    """Options for a CPU session on `threads` intra-op threads (None: ONNX Runtime's default).

    Its worker threads do not spin between runs: spinning keeps the cores busy after each
    call, and llama.cpp (the LLM, running alongside or next) then runs up to 5x slower per
    token on a 2-core machine (measured: 6 ms -> 31 ms after a Piper decoder call).

    `varying_shapes` (a voice's decoder: its tensors scale with each sentence's length) turns
    ONNX Runtime's memory arena off. The arena keeps every block it ever grew and reuses them
    poorly across sizes: the same 24 sentences synthesised over and over on 2 threads grew
    the process from 484 to 926 MB in 8 rounds with it, and stayed at 407-487 MB without it.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if varying_shapes:
        options.enable_cpu_mem_arena = False
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options
