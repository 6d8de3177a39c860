"""Chunks of a split file as tasks on a Dask cluster (the pool ``split.execute_split`` uses).

The cluster's workers may run on other machines: what they read (the decompressed copy of a
compressed input, the saved split state) is put in the output's folder, which a Dask batch
needs to be shared anyway (the workers of a whole-file job write their outputs there), and
removed when the file is done. Each worker thread keeps the split state it loaded
(``chunks.ChunkCache``) on its Dask worker, so a file's headers and index are loaded once
per thread, not per chunk.
"""

from __future__ import annotations

import os
import threading

from .chunks import ChunkCache, ChunkSpec, execute_chunk
from .job import JobResult, result_from_exception


class DaskPool:
    """Runs chunks as tasks of ``client``, at most ``size`` at a time (the cluster's
    threads), and cancels them on ``stop()``."""

    def __init__(self, client, size: int, run_id: str):
        self.client = client
        self.size = max(1, int(size))
        self.run_id = run_id
        self.running: dict[int, tuple] = {}  # key -> (future, chunk)
        self._serial = 0

    def start(self) -> None:
        pass  # the cluster runs already

    def shared_folder(self, spec) -> str:
        return os.path.dirname(os.path.abspath(spec.output))

    def free(self) -> int:
        return self.size - len(self.running)

    def running_count(self) -> int:
        return len(self.running)

    def submit(self, key: int, chunk: ChunkSpec) -> None:
        self._serial += 1
        future = self.client.submit(
            dask_chunk, chunk, pure=False, key=f"ctaviewer-chunk-{self.run_id}-{self._serial}")
        self.running[key] = (future, chunk)

    def poll(self, timeout: float) -> list[tuple[int, JobResult]]:
        from dask.distributed import TimeoutError as DaskTimeout
        from dask.distributed import wait

        if self.running:
            try:
                wait([f for f, _ in self.running.values()], timeout=timeout,
                     return_when="FIRST_COMPLETED")
            except (DaskTimeout, TimeoutError):
                pass
        out = []
        for key, (future, chunk) in list(self.running.items()):
            if not future.done():
                continue
            del self.running[key]
            try:
                out.append((key, future.result()))
            except Exception as exc:  # the task itself failed (worker lost, ...)
                out.append((key, result_from_exception(chunk, exc)))
        return out

    def stop(self) -> None:
        if self.running:
            self.client.cancel([f for f, _ in self.running.values()])
        self.running.clear()


def dask_chunk(chunk: ChunkSpec) -> JobResult:
    """A chunk on a Dask worker, with the split state its thread already loaded."""
    from dask.distributed import get_worker

    worker = get_worker()
    caches = worker.__dict__.setdefault("ctaviewer_chunk_caches", {})
    cache = caches.setdefault(threading.get_ident(), ChunkCache())
    return execute_chunk(chunk, cache)
