"""The processing chain (``ctaviewer.pipeline``) as the application drives it.

The chain (numba and its kernels) is imported and its kernels loaded by ``start_warm_up``
in a background thread, not at start-up on the GUI thread; processing waits for it
(``wait_warm``) so that two threads never import or compile the chain at once.
``Processor`` processes an event: in the helper process when the source is held there
(``simtel_helper.HelperSource``), else with a pipeline of this process, made once per
source and settings.
"""

from __future__ import annotations

import threading

from ..gc_policy import WARM_UP, freeze_once
from .simtel_helper import HelperSource

_WARM = threading.Event()
_WARM_LOCK = threading.Lock()
_WARM_THREAD: threading.Thread | None = None


def start_warm_up() -> None:
    """Import the chain and load its numba kernels in a background thread (once)."""
    global _WARM_THREAD
    with _WARM_LOCK:
        if _WARM_THREAD is not None:
            return
        _WARM_THREAD = threading.Thread(target=_warm_up, name="ctaviewer-warm-up", daemon=True)
        _WARM_THREAD.start()


def _warm_up() -> None:
    try:
        from ctaviewer.pipeline import warm_up

        warm_up()
        freeze_once(WARM_UP)  # numba's many objects live as long as the process
    except Exception:  # the first real processing reports whatever is wrong
        pass
    finally:
        _WARM.set()


def wait_warm(timeout: float | None = None) -> bool:
    """Wait until a warm-up started by ``start_warm_up`` is over (True at once if none)."""
    with _WARM_LOCK:
        started = _WARM_THREAD is not None
    return _WARM.wait(timeout) if started else True


def default_config():
    """The window's default ``ProcessingConfig``: ctapipe's settings, with the muon-ring
    analysis on (the event shown gets its rings; batch runs turn it on with --muons)."""
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.default().replace(muon__enabled=True)


def load_config(path):
    """The ``ProcessingConfig`` of a TOML file."""
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.from_toml(path)


def make_pipeline(subarray, config):
    from ctaviewer.pipeline import Pipeline

    return Pipeline(subarray, config)


class Processor:
    """Processes events of one source at a time; thread-safe.

    Keeps the pipeline of the last (source, settings): a new source makes a new one, new
    settings of the same source share its geometry caches (``Pipeline.with_config``).
    """

    def __init__(self):
        self._pipeline = None
        self._lock = threading.Lock()

    def pipeline(self, source, config):
        """The pipeline for ``source`` and ``config`` (waits for the warm-up first)."""
        wait_warm()
        with self._lock:
            p = self._pipeline
            if p is None or p.subarray is not source.subarray:
                p = make_pipeline(source.subarray, config)
            elif p.config is not config:
                p = p.with_config(config)
            self._pipeline = p
            return p

    def process(self, source, config, event):
        """The ``EventResult`` of ``event`` of ``source``: in the helper process when it
        holds the file (this process's interpreter lock stays free for the GUI), else
        here."""
        if isinstance(source, HelperSource):
            result = source.process(event.index, config)
            if result is not None:
                return result
        return self.pipeline(source, config).process(event)

    def clear(self) -> None:
        """Forget the pipeline (the source was closed)."""
        with self._lock:
            self._pipeline = None


__all__ = ["Processor", "default_config", "load_config", "make_pipeline", "start_warm_up",
           "wait_warm"]
