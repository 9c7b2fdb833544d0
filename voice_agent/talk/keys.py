"""Single key presses from the terminal, without Enter, read on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import termios
import tty
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def key_presses(on_key: Callable[[str], None]) -> Iterator[None]:
    """Call `on_key` for each key typed while inside; the terminal is restored after,
    however the block ends (Ctrl-C included). Does nothing when stdin is not a terminal."""
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()
    tty.setcbreak(fd)  # keys arrive one by one; Ctrl-C still interrupts
    loop.add_reader(fd, lambda: on_key(os.read(fd, 1).decode(errors="ignore")))
    try:
        yield
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
