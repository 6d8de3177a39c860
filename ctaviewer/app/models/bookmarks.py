"""The open file's bookmarked events, kept in the settings per file path (app.settings)
and restored when the file is opened again."""

from __future__ import annotations

from ...service.goto import Bookmark, Bookmarks, GoToRequest
from .. import settings as app_settings
from ..qt import QtCore

__all__ = ["BookmarkModel"]


class BookmarkModel(QtCore.QObject):
    """Bookmarks of the session's file: ``toggle_current``, ``go_to``; ``changed`` when the
    list changes (another file, a toggle, new rows that locate a bookmark)."""

    changed = QtCore.Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.bookmarks = Bookmarks()
        self._path: str | None = None
        session.source_changed.connect(self._file_opened)
        session.rows_changed.connect(self._rows_changed)
        session.rows_added.connect(self._rows_added)
        session.event_changed.connect(self.changed.emit)  # the current one is marked

    @property
    def enabled(self) -> bool:
        """Whether bookmarks can be kept: a file (not the built-in array) is open."""
        return self._path is not None and self.session.source is not None

    def _file_opened(self):
        self._path = self.session.path
        text = app_settings.file_bookmarks(self._path) if self._path else ""
        self.bookmarks = Bookmarks.from_text(text)
        self.changed.emit()

    def _rows_changed(self):
        if self.session.source is None:  # the file was closed
            self._path = None
            self.bookmarks = Bookmarks()
        self.changed.emit()

    def _rows_added(self, _start: int):
        rows = self.session.rows
        if any(b.index >= _start or b.locate(rows) is None for b in self.bookmarks):
            self.changed.emit()  # a bookmark not indexed before may be now

    def entries(self) -> list[tuple[Bookmark, int | None]]:
        """(bookmark, its position among the rows, None when not indexed yet or not in
        the events read) of every bookmark, in file order."""
        rows = self.session.rows
        return [(b, b.locate(rows)) for b in self.bookmarks]

    def is_bookmarked(self, index: int | None = None) -> bool:
        """Whether event ``index`` (None: the current one) is bookmarked."""
        index = self.session.event_index if index is None else index
        return index >= 0 and self.bookmarks.at(index, self.session.rows) is not None

    def toggle_current(self) -> bool | None:
        """Bookmark the current event, or remove its bookmark; True/False: bookmarked now
        or not, None when there is nothing to bookmark (no event, the built-in array)."""
        s = self.session
        ev = s.array_event
        if not self.enabled or ev is None or s.event_index < 0:
            return None
        rows = s.rows
        existing = self.bookmarks.at(s.event_index, rows)
        if existing is not None:
            self.bookmarks.remove(existing.index)
            now = False
        else:
            now = self.bookmarks.toggle(s.event_index, int(ev.event_id))
        app_settings.set_file_bookmarks(self._path, self.bookmarks.to_text())
        self.changed.emit()
        return now

    def remove(self, bookmark: Bookmark) -> None:
        if not self.enabled:
            return
        self.bookmarks.remove(bookmark.index)
        app_settings.set_file_bookmarks(self._path, self.bookmarks.to_text())
        self.changed.emit()

    def go_to(self, bookmark: Bookmark) -> str:
        """Show the bookmarked event; what to tell the user ("" when it is shown or being
        read), e.g. that it is not indexed yet."""
        s = self.session
        index = bookmark.locate(s.rows)
        if index is not None:
            s.go_to(index)
            return ""
        if s.indexing:
            s.go_to_request(GoToRequest("id", bookmark.event_id))  # waits for it
            return (f"Event id {bookmark.event_id} (#{bookmark.index}) is not indexed yet: "
                    "it is shown once the index reaches it")
        return (f"Event id {bookmark.event_id} (#{bookmark.index}) is not among the "
                f"{len(s.rows)} events read from this file (another selection?)")
