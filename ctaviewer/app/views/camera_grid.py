"""A grid of all telescopes of the event, sorted by id, filterable by telescope type."""

from __future__ import annotations

import math
import time

from ..qt import QtCore, QtGui, QtWidgets, pg
from .camera_item import CameraItem
from .camera_values import blank_index, camera_colors, pixel_status, status_note
from .lazy import LazyRefreshMixin, after_paint_ms

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
        #: cells placed but not coloured yet for the event (hidden until they are)
        self._uncoloured: list[int] = []
        #: (cells made, cells coloured) per event-loop turn of the last rebuild (for tests)
        self.work_per_turn: list[tuple[int, int]] = []
        self.graphics = pg.GraphicsView()
        self._root = _Cells(self._place)
        self.graphics.setCentralItem(self._root)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        session.source_changed.connect(self._new_source)
        # (one timer: an event, its result and display changes in one turn, one rebuild;
        # after the large camera's paint, and each step of the grid's after the one before
        # has been painted: never all painted in one turn)
        self._rebuild_timer = QtCore.QTimer(self, singleShot=True, interval=after_paint_ms())
        self._rebuild_timer.timeout.connect(self.request_refresh)
        self._colour_timer = QtCore.QTimer(self, singleShot=True, interval=after_paint_ms())
        self._colour_timer.timeout.connect(self._colour_more)
        for timer in (self._rebuild_timer, self._colour_timer):
            timer.setTimerType(QtCore.Qt.PreciseTimer)
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
        self._uncoloured = []
        self._colour_timer.stop()
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
        """A new result or display setting: the cells follow in the next turn (with the
        event's own rebuild when one is due: one recolouring for both), after the large
        camera has been drawn."""
        if self.is_shown():
            self._rebuild_timer.start()
        else:
            self._dirty = True

    def rebuild(self):
        tels = self.tel_ids()
        if tels == self._shown:  # another event on the same telescopes: all in one go
            waiting, self._uncoloured = self._uncoloured, []
            self._colour_timer.stop()
            self.recolor()
            for t in waiting:
                vb, _, label = self.cells[t]
                vb.show()
                label.setVisible(self._label_fits(label))
            return
        if not self.building:
            self.work_per_turn = []
        # a new file brings up to ~100 cells of ~3 ms each: make them over several
        # event-loop turns, the grid showing nothing new until all are there
        deadline = (time.perf_counter() + self.build_budget_s
                    if self.build_budget_s is not None else None)
        missing = [t for t in tels if t not in self.cells]
        for k, t in enumerate(missing):
            self._cell(t)
            if (deadline is not None and k + 1 < len(missing)
                    and time.perf_counter() > deadline):
                self.building = True
                self.work_per_turn.append((k + 1, 0))
                self._hide_shown()  # the cells of the event before: not this one's
                self._rebuild_timer.start()
                return
        self.building = False
        self._hide_shown()
        self._shown = tels
        # the cells are coloured (and drawn) for the first time over turns too, each shown
        # once it shows this event: never a cell of another event among them
        self._uncoloured = list(tels)
        self._place()
        self._colour_more(len(missing), deadline)

    def _hide_shown(self) -> None:
        for t in self._shown:
            self.cells[t][0].hide()
            self.cells[t][2].hide()
        self._shown = []
        self._uncoloured = []
        self._colour_timer.stop()

    def _colour_more(self, made: int = 0, deadline: float | None = None) -> None:
        """Colour and show the next cells placed for the event, within the turn's budget
        (what is left of it after making ``made`` cells, until ``deadline``)."""
        todo = self._uncoloured
        if deadline is None and self.build_budget_s is not None:
            deadline = time.perf_counter() + self.build_budget_s
        done = 0
        while todo:
            if deadline is not None and (made or done) and time.perf_counter() > deadline:
                break
            t = todo.pop(0)
            self._colour(t)
            vb, _, label = self.cells[t]
            vb.show()
            label.setVisible(self._label_fits(label))
            done += 1
        self.work_per_turn.append((made, done))
        if todo:
            self._colour_timer.start()
        else:
            self._mark_selected()

    @property
    def colouring(self) -> bool:
        """Whether cells placed for the event still wait for their first colouring."""
        return bool(self._uncoloured)

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
        """Cells sorted by telescope id, filling the view: each a name strip above a camera
        (those not coloured for the event yet stay hidden)."""
        tels = self._shown
        if not tels:
            return
        rect = self._root.rect()
        n_cols, n_rows = self.layout_cells(len(tels), rect.width(), rect.height())
        w = (rect.width() - _SPACING * (n_cols - 1)) / n_cols
        h = (rect.height() - _SPACING * (n_rows - 1)) / n_rows
        strip = self.label_height()
        self._cell_width = w
        waiting = set(self._uncoloured)
        for k, t in enumerate(tels):
            vb, _, label = self.cells[t]
            r, c = divmod(k, n_cols)
            x, y = rect.x() + c * (w + _SPACING), rect.y() + r * (h + _SPACING)
            vb.setGeometry(QtCore.QRectF(x, y + strip, max(w, 1), max(h - strip, 1)))
            label.setPos(x, y)
            vb.setVisible(t not in waiting)
            label.setVisible(t not in waiting and self._label_fits(label))

    _cell_width = 0.0

    def _label_fits(self, label) -> bool:
        """A name wider than its cell is left out rather than drawn over the next one."""
        return label.textItem.boundingRect().width() <= self._cell_width

    def _set_frame(self, t: int) -> None:
        """The cell in the camera view's axes: camera metres, or telescope-frame degrees
        (every camera then at its angular size, fields of view comparable)."""
        vb, item, _ = self.cells[t]
        deg_per_m = None
        if self.display.axes == "deg":
            optics = self.session.source.subarray.tels[t].optics
            deg_per_m = math.degrees(1.0) / optics.focal_length
        if deg_per_m is not None and not deg_per_m > 0:
            deg_per_m = None  # no focal length: the cell stays in metres
        if deg_per_m != item.deg_per_m:
            item.set_telescope_frame(deg_per_m)
            vb.setRange(item.mapRectToParent(item.boundingRect()), padding=0.02)

    def _colour(self, t: int) -> None:
        s = self.session
        self._set_frame(t)
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

    def recolor(self):
        """The cells shown, coloured for the current event and result (those still waiting
        for their first colouring get it in their turn)."""
        waiting = set(self._uncoloured)
        for t in self._shown:
            if t not in waiting:
                self._colour(t)
        self._mark_selected()

    def _mark_selected(self):
        for t in self._shown:
            vb, _, label = self.cells[t]
            sel = t == self.session.selected_tel
            vb.setBorder(pg.mkPen((255, 0, 200), width=3) if sel else None)
            label.setColor(QtGui.QColor(200, 0, 160) if sel else QtGui.QColor("black"))

    def sizeHint(self):
        return QtCore.QSize(500, 400)
