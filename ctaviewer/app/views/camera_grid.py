"""A grid of all telescopes of the event, sorted by id, filterable by telescope type."""

from __future__ import annotations

import math

from ..qt import QtCore, QtGui, QtWidgets, pg
from .camera_item import CameraItem
from .camera_values import blank_index, camera_colors

ALL_TYPES = "all types"


class CameraGrid(QtWidgets.QWidget):
    def __init__(self, session, display, parent=None):
        super().__init__(parent)
        self.session = session
        self.display = display
        self.type_box = QtWidgets.QComboBox()
        self.type_box.currentTextChanged.connect(lambda _: self.rebuild())
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Telescopes"))
        top.addWidget(self.type_box)
        top.addStretch(1)
        self.graphics = pg.GraphicsLayoutWidget()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self.cells: dict[int, tuple] = {}  # tel_id -> (viewbox, item, label)
        self._shown: list[int] = []
        session.source_changed.connect(self._new_source)
        self._rebuild_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._rebuild_timer.timeout.connect(self.rebuild)
        # the grid follows in the next event-loop turn: the large camera is shown first
        session.event_changed.connect(self._rebuild_timer.start)
        session.result_changed.connect(self.recolor)
        session.tel_selected.connect(lambda _: self._mark_selected())
        display.changed.connect(self.recolor)

    def _new_source(self):
        self.graphics.clear()
        self.cells = {}
        self._shown = []
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem(ALL_TYPES)
        for d in self.session.source.subarray.telescope_types:
            self.type_box.addItem(d.type_name)
        self.type_box.blockSignals(False)

    def tel_ids(self) -> list[int]:
        ev = self.session.array_event
        if ev is None:
            return []
        wanted = self.type_box.currentText()
        tels = self.session.source.subarray.tels
        return sorted(t for t in ev.tel if wanted in (ALL_TYPES, "", tels[t].type_name))

    def _cell(self, tel_id):
        if tel_id not in self.cells:
            desc = self.session.source.subarray.tels[tel_id]
            vb = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False)
            item = CameraItem(desc.camera.geometry)
            item.sigPixelClicked.connect(lambda *_, t=tel_id: self.session.select_tel(t))
            vb.addItem(item)
            vb.setRange(item.boundingRect(), padding=0.02)
            label = pg.TextItem(f"{tel_id} {desc.name}", color="k", anchor=(0, 0))
            label.setParentItem(vb)
            self.cells[tel_id] = (vb, item, label)
        return self.cells[tel_id]

    def rebuild(self):
        tels = self.tel_ids()
        if tels != self._shown:
            self.graphics.clear()
            n_cols = max(1, math.ceil(math.sqrt(len(tels) * 1.3)))
            for k, t in enumerate(tels):
                vb = self._cell(t)[0]
                self.graphics.addItem(vb, row=k // n_cols, col=k % n_cols)
            self._shown = tels
        self.recolor()

    def recolor(self):
        s = self.session
        for t in self._shown:
            _, item, _ = self.cells[t]
            out = camera_colors(s, self.display, t)
            if out is None:
                item.set_colors(item._values, blank_index(item.geometry.n_pixels),
                                self.display.cmap)
            else:
                item.set_colors(out[0], out[1], self.display.cmap)
            tr = s.tel_result(t)
            item.set_hillas(tr.parameters if tr is not None and self.display.show_hillas
                            else None)
            item.set_dimmed(tr is not None and not tr.passes_quality)
        self._mark_selected()

    def _mark_selected(self):
        for t in self._shown:
            vb, _, label = self.cells[t]
            sel = t == self.session.selected_tel
            vb.setBorder(pg.mkPen((255, 0, 200), width=3) if sel else None)
            label.setColor(QtGui.QColor(200, 0, 160) if sel else QtGui.QColor("black"))

    def sizeHint(self):
        return QtCore.QSize(500, 400)
