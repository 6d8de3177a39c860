"""Views hidden behind a tab or a closed dock refresh when shown, not on every event; the
first drawing of a new file is spread over event-loop turns, one view per turn."""

from __future__ import annotations

import os
import weakref

from ..qt import QtCore, QtWidgets


def after_paint_ms() -> int:
    """A delay that lets the window paint what changed before the next step of drawing:
    Qt delivers a window's paint from a timer (``QT_QPA_UPDATE_IDLE_TIME``, 5 ms), so work
    queued with a zero delay would run before it and be painted with it, in one turn."""
    try:
        idle = int(os.environ.get("QT_QPA_UPDATE_IDLE_TIME", "5"))
    except ValueError:
        idle = 5
    return max(idle, 0) + 5


class FirstDraws(QtCore.QObject):
    """Views waiting to draw their first event of a new file, drawn one per event-loop turn.

    The first drawing of a file is the dearest (axes, symbol atlases, colour maps and item
    layouts made for the first time, ~10-20 ms of refresh and paint per view): done in the
    turn of the first event, for every view at once, it froze the window for over 100 ms.
    Queued here, each view refreshes in a turn of its own, after the large camera (drawn at
    once) has been painted, and is painted before the next one refreshes (``after_paint_ms``
    apart). A view waiting
    here shows nothing of the file before (``LazyRefreshMixin.show_nothing``).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pending: dict[int, weakref.ref] = {}  # id(view) -> view, in order asked
        self._timer = QtCore.QTimer(self, singleShot=True, interval=after_paint_ms())
        self._timer.setTimerType(QtCore.Qt.PreciseTimer)
        self._timer.timeout.connect(self.run_one)
        #: how many turns drew a view (for tests and benchmarks)
        self.turns = 0
        #: the views drawn, as (turn, view class name), the last 64
        self.log: list[tuple[int, str]] = []

    def add(self, view) -> None:
        """Draw ``view`` in a later turn (once, however often asked for meanwhile)."""
        self._pending.setdefault(id(view), weakref.ref(view))
        if not self._timer.isActive():
            self._timer.start()

    def discard(self, view) -> None:
        self._pending.pop(id(view), None)

    def waiting(self, view) -> bool:
        return id(view) in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def run_one(self) -> None:
        """Draw the first view waiting (the next one in the next turn)."""
        while self._pending:
            key = next(iter(self._pending))
            view = self._pending.pop(key)()
            if view is None:
                continue
            try:
                drawn = view.first_draw()
            except RuntimeError:  # its Qt object was deleted meanwhile
                continue
            if drawn:
                self.turns += 1
                self.log = (self.log + [(self.turns, type(view).__name__)])[-64:]
                break
        if self._pending:
            self._timer.start()


def first_draws() -> FirstDraws:
    """The application's queue of first drawings (made on first use)."""
    app = QtWidgets.QApplication.instance()
    queue = app.findChild(FirstDraws)
    if queue is None:
        queue = FirstDraws(app)
    return queue


class LazyRefreshMixin:
    """Call ``request_refresh`` from signal handlers; ``refresh`` runs now or when shown.

    A dock tabbed behind another stays ``isVisible()`` in Qt 6 (it is only covered, its
    ``visibleRegion()`` is empty): such a view counts as hidden and refreshes when its tab
    is raised (the dock's ``visibilityChanged``).

    A view that calls ``follow_source(session)`` shows nothing when another file becomes
    the open one (``show_nothing``), and draws that file's first event through
    ``FirstDraws``: in a turn of its own, not with every other view at once.
    """

    _dirty = False
    _dock = None
    _session = None
    _drawn_source = None  # weakref to the source whose events this view has drawn
    #: draw a new file's first event in a turn of its own (False: at once, e.g. offline
    #: rendering, where nothing waits for the window)
    defer_first_draw = True

    def is_shown(self) -> bool:
        self._watch_dock()
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def follow_source(self, session) -> None:
        self._session = session
        session.source_changed.connect(self._source_changed)

    def show_nothing(self) -> None:
        """Show nothing of any file (a new one is open, not drawn here yet)."""

    def _source_changed(self) -> None:
        self._drawn_source = None
        first_draws().discard(self)
        self.show_nothing()

    def _first_of_source(self) -> bool:
        if self._session is None:
            return False
        source = self._session.source
        drawn = self._drawn_source() if self._drawn_source is not None else None
        return source is not None and drawn is not source

    def _mark_drawn(self) -> None:
        source = self._session.source if self._session is not None else None
        try:
            self._drawn_source = weakref.ref(source) if source is not None else None
        except TypeError:  # a source without weak references: drawn once per file anyway
            self._drawn_source = None

    def request_refresh(self, *_):
        if not self.is_shown():
            self._dirty = True
            return
        self._dirty = False
        if self._first_of_source():
            if self.defer_first_draw:
                first_draws().add(self)
                return
            self._mark_drawn()
        self.refresh()

    def first_draw(self) -> bool:
        """Refresh now, from ``FirstDraws``: True when drawn (False: hidden meanwhile, it
        refreshes when shown)."""
        if not self.is_shown():
            self._dirty = True
            return False
        self._mark_drawn()
        self.refresh()
        return True

    def _refresh_if_dirty(self, *_):
        if self._dirty and self.isVisible():
            self._dirty = False
            if self._first_of_source():
                self._mark_drawn()
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
