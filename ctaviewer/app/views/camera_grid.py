"""A grid of all telescopes of the event, sorted by id, filterable by telescope type."""

from __future__ import annotations

import math
import time

from ..qt import QtCore, QtGui, QtWidgets, pg
from .camera_item import CameraItem
from .camera_values import blank_index, camera_colors, pixel_status, status_note
from .lazy import LazyRefreshMixin

ALL_TYPES = "all types"
_SPACING = 4  # px between cells
_BUILD_BUDGET_S = 0.02  # new cells made per event-loop turn, so a new file never freezes


class _Cells(pg.GraphicsWidget):
    """The grid's root item: lays its cells out by hand when resized (a QGraphicsGridLayout
    costs several ms per event whenever the number of telescopes changes)."""

    def __init__(self, on_resize):
        super().__init__()
        self._on_resize = on_resize

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._on_resize()


class CameraGrid(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, display, parent=None):
        super().__init__(parent)
        self.session = session
        self.display = display
        self.type_box = QtWidgets.QComboBox()
        self.type_box.currentTextChanged.connect(lambda _: self.rebuild())
        self.type_box.setToolTip("Show the cameras of one telescope type only; click a camera "
                                 "to show it in the large view")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Telescopes"))
        top.addWidget(self.type_box)
        top.addStretch(1)
        self.cells: dict[int, tuple] = {}  # tel_id -> (viewbox, item, label)
        # seconds of cell making per event-loop turn; None: all at once (offline rendering)
        self.build_budget_s: float | None = _BUILD_BUDGET_S
        self.building = False  # True while cells of the event are still being made
        self._shown: list[int] = []
        self.graphics = pg.GraphicsView()
        self._root = _Cells(self._place)
        self.graphics.setCentralItem(self._root)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        session.source_changed.connect(self._new_source)
        self._rebuild_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._rebuild_timer.timeout.connect(self.request_refresh)
        # the grid follows in the next event-loop turn: the large camera is shown first
        session.event_changed.connect(self._rebuild_timer.start)
        session.result_changed.connect(self._recolor_if_shown)
        session.tel_selected.connect(lambda _: self._mark_selected())
        display.changed.connect(self._recolor_if_shown)

    def _new_source(self):
        for vb, _, label in self.cells.values():
            self.graphics.scene().removeItem(vb)
            self.graphics.scene().removeItem(label)
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
            vb.setParentItem(self._root)
            vb.hide()
            label = pg.TextItem(f"{tel_id} {desc.size_type}", color="k", anchor=(0, 0))
            label.setParentItem(self._root)  # in a strip above its camera, never over it
            label.hide()
            self.cells[tel_id] = (vb, item, label)
        return self.cells[tel_id]

    def refresh(self):
        """Cells of the current event, coloured (when the grid can be seen: else when shown)."""
        self.rebuild()

    def _recolor_if_shown(self, *_):
        if self.is_shown():
            self.recolor()
        else:
            self._dirty = True

    def rebuild(self):
        tels = self.tel_ids()
        if tels != self._shown:
            # a new file brings up to ~100 cells of ~3 ms each: make them over several
            # event-loop turns, the grid showing once all are there
            if self.build_budget_s is not None:
                missing = [t for t in tels if t not in self.cells]
                deadline = time.perf_counter() + self.build_budget_s
                for t in missing[:-1]:
                    self._cell(t)
                    if time.perf_counter() > deadline:
                        self.building = True
                        self._rebuild_timer.start()
                        return
            self.building = False
            for t in self._shown:
                if t not in tels:
                    self.cells[t][0].hide()
                    self.cells[t][2].hide()
            for t in tels:
                self._cell(t)
            self._shown = tels
            self._place()
        self.recolor()

    def label_height(self) -> float:
        """Height of the strip above each camera that holds its name."""
        if not self.cells:
            return 0.0
        label = next(iter(self.cells.values()))[2]
        return label.textItem.boundingRect().height()  # the text and its margins

    def layout_cells(self, n: int, width: float, height: float) -> tuple[int, int]:
        """(columns, rows) for ``n`` cameras in ``width`` × ``height``: the largest cameras
        (round, each under its name strip)."""
        best, best_size = (1, n), -1.0
        strip = self.label_height()
        for cols in range(1, max(n, 1) + 1):
            rows = math.ceil(n / cols)
            w = (width - _SPACING * (cols - 1)) / cols
            h = (height - _SPACING * (rows - 1)) / rows - strip
            size = min(w, h)
            if size > best_size + 1e-9:
                best, best_size = (cols, rows), size
        return best

    def _place(self):
        """Cells sorted by telescope id, filling the view: each a name strip above a camera."""
        tels = self._shown
        if not tels:
            return
        rect = self._root.rect()
        n_cols, n_rows = self.layout_cells(len(tels), rect.width(), rect.height())
        w = (rect.width() - _SPACING * (n_cols - 1)) / n_cols
        h = (rect.height() - _SPACING * (n_rows - 1)) / n_rows
        strip = self.label_height()
        for k, t in enumerate(tels):
            vb, _, label = self.cells[t]
            r, c = divmod(k, n_cols)
            x, y = rect.x() + c * (w + _SPACING), rect.y() + r * (h + _SPACING)
            vb.setGeometry(QtCore.QRectF(x, y + strip, max(w, 1), max(h - strip, 1)))
            vb.show()
            label.setPos(x, y)
            # a name wider than its cell is left out rather than drawn over the next one
            label.setVisible(label.textItem.boundingRect().width() <= w)

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
            item.set_status(pixel_status(s, t), status_note(s, self.display))
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
