"""numba cache locator for the bundled application (imported by numba, by name, when frozen).

In the PyInstaller bundle the modules live in an archive inside the executable: a kernel's
``__code__.co_filename`` is a relative path such as ``ctaviewer/image/parameters.py`` that
does not exist on disk.  numba's own locators then either give up (``NUMBA_CACHE_DIR`` is
ignored) or cache under ``~/.cache/numba`` in a folder named after the *current directory*.

This locator caches in ``NUMBA_CACHE_DIR`` (set by ``entry.py`` to
``~/.cache/ctaviewer/numba`` or a temporary folder), in a sub-folder named after the kernel's
package inside the bundle, so the cache is found again from any working directory.  Entries
are stamped with the executable's content (numba does this for frozen applications), so a
rebuilt bundle never loads kernels compiled by an older one.  ``entry.py`` selects it through
``NUMBA_CACHE_LOCATOR_CLASSES``.
"""

from __future__ import annotations

import os
import sys

from numba.core import config
from numba.core.caching import _CacheLocator, _SourceFileBackedLocatorMixin


class FrozenCacheLocator(_SourceFileBackedLocatorMixin, _CacheLocator):
    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        if not os.path.isabs(py_file):
            py_file = os.path.join(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)),
                                   py_file)
        self._cache_path = os.path.join(config.CACHE_DIR, self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self):
        return self._cache_path

    @classmethod
    def from_function(cls, py_func, py_file):
        if not (config.CACHE_DIR and getattr(sys, "frozen", False)):
            return None
        self = cls(py_func, py_file)
        try:
            self.ensure_cache_path()
        except OSError:
            return None  # numba tries the next locator
        return self
