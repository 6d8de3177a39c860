"""numba with a cache that works on read-only installs.

numba's ``cache=True`` writes next to the source, falls back to ``~/.cache/numba`` and fails
at import when neither is writable. Before numba is imported, this module points
``NUMBA_CACHE_DIR`` at a writable place when needed. Every kernel module imports ``njit``
from here, never from numba directly.
"""

from __future__ import annotations

import os
import tempfile


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".ctaviewer-probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def ensure_cache_dir() -> str | None:
    """Set NUMBA_CACHE_DIR if neither the package folder nor ~/.cache is writable."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    here = os.path.dirname(os.path.abspath(__file__))
    if _writable(os.path.join(here, "__pycache__")):
        return None
    home_cache = os.path.join(os.path.expanduser("~"), ".cache", "numba")
    if _writable(home_cache):
        return None
    fallback = os.path.join(tempfile.gettempdir(), f"ctaviewer-numba-{os.getuid()}")
    os.makedirs(fallback, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = fallback
    return fallback


ensure_cache_dir()

from numba import njit, prange  # noqa: E402

__all__ = ["ensure_cache_dir", "njit", "prange"]
