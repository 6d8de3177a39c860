"""The Bookmarks panel: the open file's bookmarked events; double-click or Enter jumps."""

from __future__ import annotations

import math

from ..qt import QtCore, QtWidgets

_BOOKMARK = int(QtCore.Qt.UserRole)


class BookmarkList(QtWidgets.QWidget):
    def __init__(self, session, bookmarks, parent=None):
        super().__init__(parent)
        self.session = session
        self.bookmarks = bookmarks
        self.list = QtWidgets.QListWidget()
        self.list.setToolTip("The bookmarked events of this file (kept for the next time it "
                             "is opened); double-click or Enter shows one")
        self.list.itemActivated.connect(self._activated)
        self.toggle_button = QtWidgets.QPushButton("Bookmark current")
        self.toggle_button.setToolTip("Bookmark the event shown, or remove its bookmark "
                                      "(Event ▸ Toggle bookmark)")
        self.toggle_button.clicked.connect(bookmarks.toggle_current)
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected bookmark")
        self.remove_button.clicked.connect(self._remove_selected)
        self.status = QtWidgets.QLabel(wordWrap=True)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.toggle_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        bookmarks.changed.connect(self.refresh)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    def refresh(self):
        s = self.session
        current = s.event_index
        self.list.clear()
        for bookmark, index in self.bookmarks.entries():
            if index is None:
                text = f"#{bookmark.index} · id {bookmark.event_id} (not indexed yet)" \
                    if s.indexing else f"#{bookmark.index} · id {bookmark.event_id} (not read)"
            else:
                row = s.rows[index]
                energy = row.get("energy")
                e = (f" · {energy:.3g} TeV" if isinstance(energy, float)
                     and math.isfinite(energy) else "")
                text = f"#{index} · id {bookmark.event_id} · {row.get('n_tel', 0)} tel{e}"
                if index == current:
                    text = "▶ " + text
            item = QtWidgets.QListWidgetItem(text)
            item.setData(_BOOKMARK, bookmark)
            item.setToolTip(f"Event id {bookmark.event_id}, bookmarked at #{bookmark.index}: "
                            "double-click to show it")
            self.list.addItem(item)
        n = self.list.count()
        if not self.bookmarks.enabled:
            self.status.setText("Open a file to bookmark its events")
        elif n:
            self.status.setText(f"{n} bookmark{'s' if n != 1 else ''}"
                                + (" · the current event is bookmarked"
                                   if self.bookmarks.is_bookmarked() else ""))
        else:
            self.status.setText("No bookmarks: Ctrl+B bookmarks the event shown")
        self._update_buttons()

    def _update_buttons(self):
        self.toggle_button.setEnabled(self.bookmarks.enabled)
        self.toggle_button.setText("Remove bookmark of current" if self.bookmarks.is_bookmarked()
                                   else "Bookmark current")
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    def _activated(self, item):
        message = self.bookmarks.go_to(item.data(_BOOKMARK))
        if message:
            self.status.setText(message)

    def go_to_row(self, row: int) -> None:
        """Show the event of the list's ``row`` (as a double-click does)."""
        self._activated(self.list.item(row))

    def _remove_selected(self):
        for item in self.list.selectedItems():
            self.bookmarks.remove(item.data(_BOOKMARK))
