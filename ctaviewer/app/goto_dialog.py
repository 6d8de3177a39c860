"""Event ▸ Go to event: an event id (``1301``) or a position in the file (``#12``).

The dialog stays open with the reason when there is no such event (the current event stays
shown); it closes when the event is shown or being waited for (a file still being indexed).
"""

from __future__ import annotations

from ..service.goto import parse_go_to
from .qt import QtWidgets


class GoToDialog(QtWidgets.QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.main_window = window
        self.setObjectName("goto_dialog")
        self.setWindowTitle("Go to event")
        self.label = QtWidgets.QLabel(wordWrap=True)
        self.edit = QtWidgets.QLineEdit(placeholderText="event id, or #position")
        self.edit.setToolTip("An event id as the file gives it (e.g. 1301), or # and the "
                             "event's position in the file, from 0 (e.g. #12)")
        self.message = QtWidgets.QLabel(wordWrap=True)
        self.message.setObjectName("goto_message")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Ok
                                             | QtWidgets.QDialogButtonBox.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.Ok).setToolTip("Show that event")
        buttons.button(QtWidgets.QDialogButtonBox.Cancel).setToolTip(
            "Close without changing the event")
        buttons.accepted.connect(self.go)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def prepare(self) -> None:
        s = self.main_window.session
        n = s.n_events
        ids = [r["event_id"] for r in s.rows]
        more = " so far, the file is being indexed" if s.indexing else ""
        self.label.setText(f"Event id ({min(ids)}–{max(ids)}) or #position (#0–#{n - 1}), "
                           f"{n} events{more}")
        ev = s.array_event
        self.edit.setText(str(ev.event_id) if ev is not None else "")
        self.edit.selectAll()
        self.edit.setFocus()
        self.message.setText("")
        self.last_message = ""

    def go(self, text: str | None = None) -> bool:
        """Go to what ``text`` (None: the field) names; True when shown or waited for (the
        dialog closes), False with the reason below the field (it stays open)."""
        if text is not None:
            self.edit.setText(text)
        try:
            request = parse_go_to(self.edit.text())
        except ValueError as exc:
            self._refuse(str(exc))
            return False
        target = self.main_window.session.go_to_request(request)
        if target.index is None and not target.wait:
            self._refuse(target.message)
            return False
        if target.wait or target.occurrences > 1:  # (else the status bar shows the event)
            self.main_window.statusBar().showMessage(target.message, 8000)
        self.last_message = target.message
        self.accept()
        return True

    def _refuse(self, message: str) -> None:
        self.last_message = message
        self.message.setText(message)
        self.message.setStyleSheet("color: #b00000")
        self.main_window.statusBar().showMessage(message, 8000)
        self.edit.setFocus()
        self.edit.selectAll()


def show_go_to_dialog(window) -> GoToDialog | None:
    """The Go to dialog (window-modal, not blocking the caller); None without events."""
    if not window.session.n_events:
        return None
    dialog = getattr(window, "goto_dialog", None)
    if dialog is None:
        dialog = window.goto_dialog = GoToDialog(window)
    dialog.prepare()
    dialog.open()
    return dialog
