"""File ▸ Open with selection…: a file, the telescopes to read and the events at most.

The telescopes are ids, id ranges and type names (``io.selection``: "1-4, 9",
"LST_LST_LSTCam", "NectarCam"), as ``--allowed-tels`` on the command line; the events at most
as ``--max-events``. Text that is not a selection (a range backwards, a count below 1) is
said in a message box and the dialog stays open; a selection the file does not fit (an id or
type it lacks) is said by the open, as any other reason a file cannot be opened.
"""

from __future__ import annotations

import os

from ..errors import ConfigError
from ..io.selection import SourceSelection, id_ranges
from .qt import QtCore, QtWidgets


class OpenSelectionDialog(QtWidgets.QDialog):
    """The file, the telescopes and the events to read; ``selection()`` once accepted."""

    def __init__(self, window, path: str = "", selection: SourceSelection | None = None,
                 subarray=None):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Open with selection")
        self.setObjectName("open_selection_dialog")
        form = QtWidgets.QFormLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.path_edit = QtWidgets.QLineEdit(path)
        self.path_edit.setMinimumWidth(420)
        self.path_edit.setToolTip("The file to open (sim_telarray or DL1/DL2 HDF5)")
        browse = QtWidgets.QPushButton("…")
        browse.setToolTip("Choose the file")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form.addRow("File", row)
        selection = selection or SourceSelection()
        self.tels_edit = QtWidgets.QLineEdit(_tels_text(selection.allowed_tels))
        self.tels_edit.setPlaceholderText("all (e.g. 1-4, 9 or LST_LST_LSTCam or NectarCam)")
        self.tels_edit.setToolTip(
            "Telescope ids, id ranges and type names (as ctapipe writes them, or the optics "
            "or camera name), separated by commas. The others are left out; events with none "
            "of them are skipped. Empty: every telescope (ctaviewer --allowed-tels)")
        form.addRow("Telescopes", self.tels_edit)
        self.types_label = QtWidgets.QLabel()
        self.types_label.setWordWrap(True)
        self.types_label.setObjectName("open_selection_types")
        form.addRow("", self.types_label)
        self._subarray_path = None
        self._subarray = subarray
        if subarray is not None:
            self._subarray_path = path
        self.path_edit.textChanged.connect(self._show_types)
        self._show_types()
        self.max_edit = QtWidgets.QLineEdit(
            "" if selection.max_events is None else str(selection.max_events))
        self.max_edit.setPlaceholderText("all")
        self.max_edit.setToolTip("Read at most this many events (at least 1); empty: every "
                                 "event (ctaviewer --max-events)")
        form.addRow("Events at most", self.max_edit)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Open
                                             | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._selection: SourceSelection | None = None

    def _browse(self) -> None:
        start = os.path.dirname(self.path_edit.text())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open", start,
                                                        self.window.open_filter())
        if path:
            self.path_edit.setText(path)

    def _show_types(self) -> None:
        """The telescope types of the file shown in the window, when it is the one chosen
        (other files are not read here: that would hold up the window)."""
        sub = self._subarray if self.path_edit.text() == self._subarray_path else None
        if sub is None:
            self.types_label.setText("")
            return
        counts = sub.counts_by_type()
        self.types_label.setText(
            "In this file: " + ", ".join(f"{n} × {name}" for name, n in counts.items())
            + f" (ids {id_ranges(sub.tel_ids)})")

    def parse(self) -> SourceSelection:
        """The selection typed in; ``ConfigError`` naming the field when it is not one."""
        text = self.max_edit.text().strip()
        if text:
            try:
                count = int(text)
            except ValueError:
                raise ConfigError("Events at most", f"{text!r} is not a whole number") from None
        else:
            count = None
        return SourceSelection.parse(self.tels_edit.text(), count, tels_field="Telescopes",
                                     max_events_field="Events at most")

    def accept(self) -> None:
        if not self.path_edit.text().strip():
            self.window.show_error("Open with selection", "Choose a file to open.")
            return
        try:
            self._selection = self.parse()
        except ConfigError as exc:
            self.window.show_error("Invalid selection", str(exc))
            return
        super().accept()

    def selection(self) -> SourceSelection | None:
        return self._selection

    def path(self) -> str:
        return self.path_edit.text().strip()


def _tels_text(tels) -> str:
    if not tels:
        return ""
    return ", ".join(str(t) for t in tels)


def open_with_selection(window) -> OpenSelectionDialog:
    """Show the dialog for ``window`` (window-modal, not blocking; the open file and its
    selection filled in); on Open, the file is opened with the selection."""
    session = window.session
    source = session.source
    current = source.selection if source is not None and session.path else None
    full = getattr(source, "headers", None)
    subarray = full.subarray if full is not None else (
        source.subarray if source is not None else None)
    dialog = OpenSelectionDialog(window, session.path or "", current, subarray)
    dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)

    def opened():
        window.open_path(dialog.path(), selection=dialog.selection())

    dialog.accepted.connect(opened)
    dialog.open()
    return dialog
