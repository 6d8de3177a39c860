"""Parameter inspector: every image parameter of every telescope, and the DL2 result."""

from __future__ import annotations

import dataclasses
import math

from ...results import IMAGE_PARAMETERS
from ..qt import QtCore, QtGui, QtWidgets
from .lazy import LazyRefreshMixin


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.4g}"
    if isinstance(v, tuple):
        return ", ".join(map(str, v))
    return str(v)


class ParameterTable(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.table = QtWidgets.QTableWidget()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().sectionClicked.connect(self._header_clicked)
        self.dl2 = QtWidgets.QTableWidget()
        self.dl2.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.dl2.setColumnCount(2)
        self.dl2.setHorizontalHeaderLabels(["DL2 geometry", "value"])
        self.dl2.verticalHeader().hide()
        self.empty = QtWidgets.QLabel("No processing result for this event yet.")
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.dl2)
        split.setSizes([300, 150])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self._tels: list[int] = []
        self.follow_source(session)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)

    def show_nothing(self) -> None:
        self.empty.setVisible(True)
        self.table.clear()
        self.table.setRowCount(0)
        self.dl2.setRowCount(0)

    def refresh(self, *_):
        r = self.session.result
        self.empty.setVisible(r is None)
        if r is None:
            self.table.clear()
            self.table.setRowCount(0)
            self.dl2.setRowCount(0)
            return
        self._tels = sorted(r.tel)
        rows = [("passes_quality", "")] + [(n, u) for n, u, _, _ in IMAGE_PARAMETERS]
        self.table.setColumnCount(len(self._tels))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels([f"tel {t}" for t in self._tels])
        self.table.setVerticalHeaderLabels([f"{n} ({u})" if u else n for n, u in rows])
        bold = QtGui.QFont()
        bold.setBold(True)
        for c, t in enumerate(self._tels):
            tr = r.tel[t]
            for k, (name, _) in enumerate(rows):
                v = tr.passes_quality if name == "passes_quality" else tr.parameters.get(name)
                item = QtWidgets.QTableWidgetItem(_fmt(v))
                item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
                if t == self.session.selected_tel:
                    item.setFont(bold)
                self.table.setItem(k, c, item)
        fields = [(f.name, getattr(r.geometry, f.name)) for f in dataclasses.fields(r.geometry)]
        fields += [("energy (TeV)", r.energy), ("gammaness", r.gammaness)]
        fields += [(f"impact tel {t} (m)", d) for t, d in sorted(r.impact.items())]
        fields += [(f"time {k} (ms)", v) for k, v in r.timing_ms.items()]
        g = r.geometry
        status = ("valid" if g.is_valid
                  else f"invalid: {g.invalid_reason}" if g.invalid_reason else "invalid")
        fields = [("reconstruction", status)] + [
            (n, v) for n, v in fields if n not in ("is_valid", "invalid_reason")]
        self.dl2.setRowCount(len(fields))
        for k, (name, v) in enumerate(fields):
            self.dl2.setItem(k, 0, QtWidgets.QTableWidgetItem(name))
            item = QtWidgets.QTableWidgetItem(_fmt(v))
            self.dl2.setItem(k, 1, item)
            if k == 0:
                item.setToolTip(status)
                if not g.is_valid:  # an invalid result is never read as a reconstruction
                    for c in (0, 1):
                        self.dl2.item(k, c).setForeground(QtGui.QColor(200, 0, 0))

    def _header_clicked(self, section):
        if 0 <= section < len(self._tels):
            self.session.select_tel(self._tels[section])
