"""Collect the warnings ctaviewer emits while one piece of work runs, per thread.

The readers report what is wrong but still usable (a truncated file, an unknown camera)
with ``warnings.warn`` and the warning classes of :mod:`ctaviewer.errors`. A window or a
batch job wants those warnings as text attached to the file they concern, not printed on
stderr in Python's format with source lines. ``warnings.catch_warnings`` cannot do that in
a program with threads (it swaps process-wide state), so this module installs one
``warnings.showwarning`` that hands each ctaviewer warning to the innermost
``collect_warnings()`` block of the thread that emitted it::

    with collect_warnings() as caught:
        source = open_source(path)
    caught.messages   # ["gamma.simtel.gz: file truncated ...", ...], each once

Outside such a block, and for warnings of other libraries, warnings go where they went
before (``echo=True`` passes ctaviewer's on as well). ctaviewer's warnings are shown every
time they occur (an ``always`` filter for the warning classes of ``ctaviewer.errors``):
opening the same damaged file twice warns twice; a block keeps each distinct message once.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

_LOCAL = threading.local()
_INSTALL_LOCK = threading.Lock()


def is_ctaviewer_warning(category) -> bool:
    """A warning class defined by ctaviewer (its typed warnings)."""
    return (isinstance(category, type) and issubclass(category, Warning)
            and getattr(category, "__module__", "").split(".")[0] == "ctaviewer")


@dataclass
class CaughtWarnings:
    """The distinct ctaviewer warnings of one block, in order: (category, text)."""

    items: list[tuple[type, str]] = field(default_factory=list)
    echo: bool = False

    def add(self, category, text: str) -> None:
        if (category, text) not in self.items:
            self.items.append((category, text))

    @property
    def messages(self) -> list[str]:
        return [text for _, text in self.items]

    def __bool__(self) -> bool:
        return bool(self.items)


def _route(message, category, filename, lineno, file=None, line=None):
    stack = getattr(_LOCAL, "stack", None)
    if stack and is_ctaviewer_warning(category):
        block = stack[-1]
        block.add(category, str(message))
        if not block.echo:
            return
    previous = getattr(_route, "previous", None)
    if previous is not None:
        previous(message, category, filename, lineno, file, line)


def _install() -> None:
    """Make ``_route`` the process's ``showwarning`` (again, if something replaced it, e.g.
    a test harness), chained to the one it replaces; ctaviewer's warnings always shown."""
    with _INSTALL_LOCK:
        current = warnings.showwarning
        if current is not _route:
            _route.previous = current
            warnings.showwarning = _route
        present = {f[2] for f in warnings.filters if f[0] == "always"}
        for category in _warning_classes():
            if category not in present:
                warnings.filterwarnings("always", category=category)


def _warning_classes() -> list[type]:
    from . import errors

    return [c for c in vars(errors).values() if is_ctaviewer_warning(c)]


@contextmanager
def collect_warnings(echo: bool = False):
    """Collect this thread's ctaviewer warnings until the block ends (nested blocks: the
    innermost collects). ``echo`` also passes them to the previous ``showwarning``."""
    _install()
    block = CaughtWarnings(echo=echo)
    stack = getattr(_LOCAL, "stack", None)
    if stack is None:
        stack = _LOCAL.stack = []
    stack.append(block)
    try:
        yield block
    finally:
        stack.remove(block)


_CATCH_LOCK = threading.RLock()


@contextmanager
def isolated_warnings(record: bool = False, action: str | None = None,
                      category: type[Warning] = Warning):
    """``warnings.catch_warnings(record=, action=, category=)`` (``action``: the filter the
    block applies to ``category``) for code that may run in several threads at once.
    ``catch_warnings`` keeps the process's warning filters (and ``showwarning``) when its
    block starts and puts them back when it ends: two threads whose blocks overlap put back
    each other's state, and a filter set inside one of them ("ignore") could stay for good,
    so that no warning was seen again (the test suite's worker process stopped seeing
    ctaviewer's warnings). ctaviewer's blocks take turns here (a re-entrant lock), so each
    puts back what it found. Keep such blocks short: another thread's waits for them."""
    with _CATCH_LOCK, warnings.catch_warnings(record=record, action=action,
                                              category=category) as caught:
        yield caught


__all__ = ["CaughtWarnings", "collect_warnings", "is_ctaviewer_warning", "isolated_warnings"]
