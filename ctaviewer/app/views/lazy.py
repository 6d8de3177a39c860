"""Views hidden behind a tab or a closed dock refresh when shown, not on every event."""

from __future__ import annotations

from ..qt import QtWidgets


class LazyRefreshMixin:
    """Call ``request_refresh`` from signal handlers; ``refresh`` runs now or when shown.

    A dock tabbed behind another stays ``isVisible()`` in Qt 6 (it is only covered, its
    ``visibleRegion()`` is empty): such a view counts as hidden and refreshes when its tab
    is raised (the dock's ``visibilityChanged``).
    """

    _dirty = False
    _dock = None

    def is_shown(self) -> bool:
        self._watch_dock()
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def request_refresh(self, *_):
        if self.is_shown():
            self._dirty = False
            self.refresh()
        else:
            self._dirty = True

    def _refresh_if_dirty(self, *_):
        if self._dirty and self.isVisible():
            self._dirty = False
            self.refresh()

    def _watch_dock(self):
        if self._dock is not None:
            return
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QtWidgets.QDockWidget):
            parent = parent.parentWidget()
        if parent is not None:
            self._dock = parent
            parent.visibilityChanged.connect(
                lambda visible: self._refresh_if_dirty() if visible else None)

    def showEvent(self, ev):
        super().showEvent(ev)
        self._watch_dock()
        self._refresh_if_dirty()
