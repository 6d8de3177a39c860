"""The whole-file table in the status bar: progress of the run, and its cancel button."""

from __future__ import annotations

import os

from ..qt import QtWidgets
from .quiet_progress import QuietProgressBar


class TableProgress(QtWidgets.QWidget):
    """A progress bar ("whole file · 42 %") and a Cancel button, shown while the open file's
    whole-file table is being made (``FileTableModel.running``)."""

    def __init__(self, file_table, parent=None):
        super().__init__(parent)
        self.file_table = file_table
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QuietProgressBar(maximumWidth=220, maximum=1000)
        self.bar.setFormat("whole file · %p%")
        self.bar.fit_text("whole file · 100%")
        self.bar.setToolTip("Every event of the file is being processed in the background "
                            "(Events ▸ Process whole file)")
        self.cancel_button = QtWidgets.QToolButton(text="Cancel", autoRaise=True)
        self.cancel_button.setObjectName("cancel_whole_file")
        self.cancel_button.setToolTip("Stop processing the whole file (nothing is kept of "
                                      "the run; the event list stays as it is)")
        self.cancel_button.clicked.connect(lambda: file_table.cancel())
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        file_table.progress.connect(lambda f: self.bar.setValue(int(1000 * f)))
        file_table.changed.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        running = self.file_table.running
        if running and not self.isVisible():
            self.bar.setValue(0)
        self.setVisible(running)


def choose_estimators(window, file_table) -> str | None:
    """Ask for an estimators file (``ctaviewer train``'s output) that the whole-file table
    applies; "" (Cancel) keeps the one chosen before. Looks for that table in the cache."""
    start = os.path.dirname(file_table.estimators or window.session.path or "")
    path, _ = QtWidgets.QFileDialog.getOpenFileName(
        window, "Estimators for the whole-file table", start,
        "Lookup tables (*.h5 *.hdf5 *.npz *.pkl);;All files (*)")
    if not path:
        return None
    file_table.set_estimators(path)
    return path


__all__ = ["TableProgress", "choose_estimators"]
