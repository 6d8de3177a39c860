"""Views hidden behind a tab or a closed dock refresh when shown, not on every event."""

from __future__ import annotations


class LazyRefreshMixin:
    """Call ``request_refresh`` from signal handlers; ``refresh`` runs now or when shown."""

    _dirty = False

    def request_refresh(self, *_):
        if self.isVisible():
            self._dirty = False
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, ev):
        super().showEvent(ev)
        if self._dirty:
            self._dirty = False
            self.refresh()
