"""Entry point of the bundled application (PyInstaller, see ctaviewer.spec).

Before anything imports numba, the kernel cache is pointed at a user cache folder: the
bundle folder itself may be read-only (installed under /opt, or on a read-only mount).
"""

import multiprocessing
import os
import sys
import tempfile


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
        return True
    except OSError:
        return False


def configure_numba_cache() -> str | None:
    """NUMBA_CACHE_DIR: the user's choice, else ~/.cache/ctaviewer/numba, else a temp folder."""
    if getattr(sys, "frozen", False):
        os.environ.setdefault(
            "NUMBA_CACHE_LOCATOR_CLASSES",
            "ctaviewer_numba_locator.FrozenCacheLocator,UserWideCacheLocator",
        )
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    for path in (
        os.path.join(cache_home, "ctaviewer", "numba"),
        os.path.join(tempfile.gettempdir(), f"ctaviewer-numba-{os.getuid()}"),
    ):
        if _writable(path):
            os.environ["NUMBA_CACHE_DIR"] = path
            return path
    return None


if __name__ == "__main__":
    multiprocessing.freeze_support()  # batch workers are spawned processes of this executable
    configure_numba_cache()
    from ctaviewer.cli import main

    sys.exit(main())
