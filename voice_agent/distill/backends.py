"""Where items run: local worker processes (the default) or Ray tasks.

Both keep a `ItemMaker` (the models) alive per worker and hand back rows in whatever
order they finish; the runner puts them into shards. Nothing here decides *what* an item
is (that is the plan), so both backends make the same items.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from voice_agent.distill.item import ItemMaker, TeacherConfig, worker_environment
from voice_agent.distill.plan import ItemPlan

_maker: ItemMaker | None = None


def _start_worker(config: TeacherConfig) -> None:
    global _maker
    _die_with_parent()
    _maker = ItemMaker(config)


def _make(plan: ItemPlan) -> dict[str, Any]:
    assert _maker is not None, "worker not initialised"
    return _maker.make(plan)


def _die_with_parent() -> None:
    """If the runner is killed (even with -9), its workers must not run on as orphans."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: workers notice the closed pipe at their next task instead


def run_local(
    plans: list[ItemPlan], config: TeacherConfig, workers: int
) -> Iterator[dict[str, Any]]:
    """Rows of `plans` from `workers` processes, a few items ahead of what is consumed."""
    context = multiprocessing.get_context("spawn")  # no forked copies of loaded models/threads
    with (
        _environment(worker_environment(config)),
        ProcessPoolExecutor(workers, context, _start_worker, (config,)) as pool,
    ):
        pending = iter(plans)
        # A few items ahead of what is consumed, so no worker waits and little is in flight.
        running = {pool.submit(_make, plan) for plan in itertools.islice(pending, 2 * workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                if (plan := next(pending, None)) is not None:
                    running.add(pool.submit(_make, plan))
                yield future.result()


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """Set for the processes started inside the block (spawned workers copy os.environ)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _RayMaker:
    def __init__(self, config: TeacherConfig) -> None:
        self._maker = ItemMaker(config)

    def make(self, plan: ItemPlan) -> dict[str, Any]:
        return self._maker.make(plan)


def run_ray(
    plans: list[ItemPlan], config: TeacherConfig, workers: int, address: str
) -> Iterator[dict[str, Any]]:
    """Rows of `plans` from `workers` Ray actors: on a local instance started for this run
    (address 'local') or on the cluster at `address` (where voice-agent must be installed)."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise RuntimeError("--ray needs Ray: pip install 'ray>=2.40'") from None

    if address == "local":
        ray.init(
            num_cpus=workers * config.threads,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        runtime_env = {"env_vars": worker_environment(config)}
        maker = ray.remote(num_cpus=config.threads, runtime_env=runtime_env)(_RayMaker)
        pool = ActorPool([maker.remote(config) for _ in range(workers)])
        yield from pool.map_unordered(lambda actor, plan: actor.make.remote(plan), plans)
    finally:
        ray.shutdown()
