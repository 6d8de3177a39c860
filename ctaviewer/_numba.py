"""numba, imported when a kernel is first used, with a cache that works on read-only installs.

Every kernel module imports ``njit`` from here, never from numba directly.

- **Late import:** ``njit`` returns a ``LazyKernel``: numba is imported and the kernel
  made (or loaded from its cache) at its first call, or when another kernel that calls it
  is compiled. Importing the chain's modules therefore costs no numba. A process that only
  reads headers, indexes and writes (a split file's runner, the window's process) never
  pays numba's ~0.3 s of CPU and ~20 MB of code it would not run.
- **Cache:** numba's ``cache=True`` writes next to the source, falls back to
  ``~/.cache/numba`` and fails when neither is writable. Before numba is imported, this
  module points ``NUMBA_CACHE_DIR`` at a writable place when needed.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import threading


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


ensure_cache_dir()  # (here too: set before any other library might import numba)

_MAKING = threading.RLock()  # one kernel made at a time (a kernel's typing makes those it calls)


class LazyKernel:
    """A numba kernel made at first use: calling it, reading one of its attributes
    (``signatures``...), or typing a kernel that calls it (numba asks for ``_numba_type_``,
    which is the real dispatcher's) imports numba and makes the dispatcher."""

    def __init__(self, py_func, options: dict):
        self.__wrapped__ = py_func
        self.__name__, self.__qualname__ = py_func.__name__, py_func.__qualname__
        self.__module__, self.__doc__ = py_func.__module__, py_func.__doc__
        self._options = options
        self._dispatcher = None

    @property
    def dispatcher(self):
        """The numba dispatcher (made on first use, once whichever threads ask)."""
        if self._dispatcher is None:
            with _MAKING:
                if self._dispatcher is None:
                    self._dispatcher = _numba_njit()(**self._options)(self.__wrapped__)
        return self._dispatcher

    def __call__(self, *args, **kwargs):
        d = self._dispatcher  # (no property call once made: kernels are called ~60 times
        if d is None:         # per event)
            d = self.dispatcher
        return d(*args, **kwargs)

    def __getattr__(self, name: str):
        if name in ("_dispatcher", "_options", "__wrapped__"):  # not set up (a bare copy)
            raise AttributeError(name)
        return getattr(self.dispatcher, name)

    def __reduce__(self):  # pickled by reference, as a module-level function is
        return (_kernel_named, (self.__module__, self.__qualname__))

    def __repr__(self) -> str:
        state = "made" if self._dispatcher is not None else "not made yet"
        return f"<numba kernel {self.__module__}.{self.__qualname__} ({state})>"


@functools.cache
def _numba_njit():
    """numba's ``njit``, numba imported the first time (its BLAS loaded alone first; the
    cache folder was chosen when this module was imported)."""
    _load_blas_alone()
    from numba import njit as numba_njit

    return numba_njit


def _load_blas_alone() -> None:
    """Load scipy's BLAS capsules (``scipy.linalg.cython_blas``, one extension module) by
    themselves, before numba looks for them.

    numba checks at start that a BLAS is there by importing ``scipy.linalg.cython_blas``,
    which imports all of ``scipy.linalg`` first (~85 modules and OpenBLAS: ~0.2-0.3 s of
    CPU and ~15 MB in every process that starts numba). Loaded here under its own name,
    the import finds it and ``scipy.linalg`` is never imported; numba's ``np.dot`` and
    linear algebra use the same capsules. Where anything differs (no scipy, another
    layout, scipy.linalg already imported), nothing is done and numba imports as usual."""
    name = "scipy.linalg.cython_blas"
    if name in sys.modules or "scipy.linalg" in sys.modules:
        return
    try:
        import importlib.machinery
        import importlib.util

        spec = importlib.util.find_spec("scipy")
        if spec is None or not spec.submodule_search_locations:
            return
        for folder in spec.submodule_search_locations:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "linalg", "cython_blas" + suffix)
                if os.path.isfile(path):
                    loader = importlib.machinery.ExtensionFileLoader(name, path)
                    blas = importlib.util.spec_from_file_location(name, path, loader=loader)
                    module = importlib.util.module_from_spec(blas)
                    loader.exec_module(module)
                    sys.modules[name] = module
                    return
    except Exception:  # noqa: BLE001 (numba then imports scipy.linalg, as it would)
        sys.modules.pop(name, None)


def _kernel_named(module: str, qualname: str) -> LazyKernel:
    import importlib

    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def njit(*args, **options):
    """``numba.njit`` made at first use (``LazyKernel``): ``@njit``, ``@njit(cache=True,
    ...)``."""
    if args and callable(args[0]) and not options:
        return LazyKernel(args[0], {})
    if args:
        raise TypeError("njit takes keyword options only (explicit signatures are not used)")
    return lambda py_func: LazyKernel(py_func, options)


__all__ = ["LazyKernel", "ensure_cache_dir", "njit"]
