"""Access to the processing chain (``ctaviewer.pipeline``), which the app drives.

The chain (numba and its kernels) is imported and its kernels loaded by ``start_warm_up``
in a background thread, not at start-up on the GUI thread; processing tasks wait for it
(``wait_warm``) so that two threads never import or compile the chain at once.
"""

from __future__ import annotations

import gc
import importlib.util
import threading

_WARM = threading.Event()
_WARM_LOCK = threading.Lock()
_WARM_THREAD: threading.Thread | None = None


def chain_available() -> bool:
    """Whether the chain is installed (found without importing it: numba is slow to load)."""
    try:
        return all(importlib.util.find_spec(m) is not None
                   for m in ("numba", "ctaviewer.config", "ctaviewer.pipeline"))
    except (ImportError, ValueError):
        return False


def start_warm_up() -> None:
    """Import the chain and load its numba kernels in a background thread (once)."""
    global _WARM_THREAD
    with _WARM_LOCK:
        if _WARM_THREAD is not None:
            return
        if not chain_available():
            _WARM.set()
            return
        _WARM_THREAD = threading.Thread(target=_warm_up, name="ctaviewer-warm-up", daemon=True)
        _WARM_THREAD.start()


def _warm_up() -> None:
    try:
        from ctaviewer.pipeline import warm_up

        warm_up()
        gc.freeze()  # numba's many objects live as long as the process: no full GC passes
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
    if not chain_available():
        return None
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.default()


def load_config(path):
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.from_toml(path)


def make_pipeline(subarray, config):
    from ctaviewer.pipeline import Pipeline

    return Pipeline(subarray, config)
