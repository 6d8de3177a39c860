"""The camera health dock: the selected telescope's pixel states with a legend and counts,
every telescope of the event coloured by its share of bad pixels, and pedestal and noise
measured from the file's data against its monitoring values (a plot and a difference map).

What a state means is ``calib.health``'s; the pedestal measurement is
``service.camera_health.PedestalJob`` (a process of its own: the window never waits).
"""

from __future__ import annotations

import math

import numpy as np

from ...calib.health import HEALTH_STATES
from ...calib.monitoring import GAINS
from ...service.camera_health import DEFAULT_MAX_EVENTS, PedestalJob, array_health
from .. import colors
from ..models.quantities import gain_threshold, has_readout
from ..qt import QtCore, QtGui, QtWidgets, pg
from .camera_item import CameraItem
from .colorbar import ColorBar
from .lazy import LazyRefreshMixin

#: colour of each health state (``HEALTH_STATES`` order)
STATE_COLORS = ((70, 160, 90), (110, 110, 110), (40, 40, 40), (185, 185, 185),
                (230, 60, 200), (240, 150, 30), (40, 110, 230))
#: share of bad pixels at which an overview tile is fully red
BAD_SHARE_FULL = 0.05


class StatusCameraItem(CameraItem):
    """A camera whose pixels are coloured by category (health state), not by a scale."""

    def __init__(self, geometry, palette, parent=None):
        super().__init__(geometry, parent)
        rgb = np.asarray(palette, dtype=np.uint32)
        self._palette = (0xFF << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        self._category_brushes = [QtGui.QBrush(QtGui.QColor(*map(int, c))) for c in palette]
        self._names: tuple = ()

    def set_categories(self, codes: np.ndarray, names) -> None:
        codes = np.asarray(codes, dtype=np.int32)
        self._names = tuple(names)
        self._values = codes.astype(np.float64)
        self._index = codes
        self._brushes = self._category_brushes  # for vector output (SVG)
        self._argb[1:] = self._palette[codes]
        self.update()

    def tooltip(self, p: int) -> str:
        if 0 <= p < len(self._index) and self._names:
            return f"pixel {p}: {self._names[int(self._index[p])]}"
        return super().tooltip(p)


class ArrayHealth(QtWidgets.QWidget):
    """Every telescope of the event as a tile coloured by its share of bad pixels (white:
    none; red: ``BAD_SHARE_FULL`` or more); the selected one framed; a click selects."""

    tel_clicked = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.shares: dict[int, float] = {}
        self.selected: int | None = None
        self.setMinimumHeight(60)
        self.setMouseTracking(True)

    def set_shares(self, shares: dict[int, float], selected) -> None:
        self.shares, self.selected = dict(shares), selected
        self._layout_cache = None
        self.update()

    @staticmethod
    def color(share: float) -> QtGui.QColor:
        t = min(max(share / BAD_SHARE_FULL, 0.0), 1.0)
        return QtGui.QColor(255, int(255 - 200 * t), int(255 - 220 * t))

    def _cells(self):
        n = len(self.shares)
        if not n:
            return []
        w, h = max(self.width(), 1), max(self.height(), 1)
        cols = max(1, math.ceil(math.sqrt(n * w / h)))
        rows = math.ceil(n / cols)
        cw, ch = w / cols, h / rows
        return [(t, QtCore.QRectF((k % cols) * cw + 1, (k // cols) * ch + 1, cw - 2, ch - 2))
                for k, t in enumerate(sorted(self.shares))]

    def paintEvent(self, ev):
        p = QtGui.QPainter(self)
        cells = self._cells()
        if not cells:
            p.drawText(self.rect(), QtCore.Qt.AlignCenter, "no event")
            return
        font = p.font()
        font.setPointSizeF(max(6.0, min(9.0, cells[0][1].height() / 3.2)))
        p.setFont(font)
        for t, rect in cells:
            p.fillRect(rect, self.color(self.shares[t]))
            p.setPen(QtGui.QPen(QtGui.QColor(0, 0, 0), 2.5 if t == self.selected else 0.5))
            p.drawRect(rect)
            p.drawText(rect, QtCore.Qt.AlignCenter,
                       f"{t}\n{100 * self.shares[t]:.1f} %" if rect.height() > 24 else str(t))

    def mousePressEvent(self, ev):
        t = self.tel_at(ev.position())
        if t is not None:
            self.tel_clicked.emit(t)

    def tel_at(self, pos) -> int | None:
        for t, rect in self._cells():
            if rect.contains(pos):
                return t
        return None

    def event(self, ev):
        if ev.type() == QtCore.QEvent.ToolTip:
            t = self.tel_at(QtCore.QPointF(ev.pos()))
            if t is not None:
                QtWidgets.QToolTip.showText(
                    ev.globalPos(), f"tel {t}: {100 * self.shares[t]:.2f} % of its pixels "
                    "not good (HV off, no readout, no calibration, saturated or outlier)")
            else:
                QtWidgets.QToolTip.hideText()
            return True
        return super().event(ev)


def _camera_plot():
    graphics = pg.GraphicsLayoutWidget()
    viewbox = graphics.addViewBox(row=0, col=0)
    viewbox.setAspectLocked(True)
    viewbox.setMenuEnabled(False)
    return graphics, viewbox


class HealthView(LazyRefreshMixin, QtWidgets.QWidget):
    """The camera health dock."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.health: dict = {}
        self._health_key = None
        self.pedestals = None  # FilePedestals of the open file
        self._job: PedestalJob | None = None
        self._job_path: str | None = None
        self._status_item: StatusCameraItem | None = None
        self._diff_item: CameraItem | None = None
        self._geometry = None

        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(200)
        self.legend = QtWidgets.QTableWidget(len(HEALTH_STATES), 2)
        self.legend.setHorizontalHeaderLabels(["pixel state", "pixels"])
        self.legend.verticalHeader().hide()
        self.legend.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.legend.horizontalHeader().setStretchLastSection(True)
        self.legend.setToolTip(
            "Pixels of the selected telescope in each state (each pixel counted once, in "
            "the first state that applies, top to bottom): HV off and no readout from the "
            "file; saturated where the camera's last gain reaches the gain threshold; "
            "outlier pedestal / gain: monitoring pedestal or dc→p.e. (high gain) further "
            "than 5σ from the camera median")
        for k, (name, rgb) in enumerate(zip(HEALTH_STATES, STATE_COLORS, strict=True)):
            item = QtWidgets.QTableWidgetItem(name)
            pix = QtGui.QPixmap(12, 12)
            pix.fill(QtGui.QColor(*rgb))
            item.setIcon(QtGui.QIcon(pix))
            self.legend.setItem(k, 0, item)
            self.legend.setItem(k, 1, QtWidgets.QTableWidgetItem(""))
        self.legend.verticalHeader().setDefaultSectionSize(
            self.legend.fontMetrics().height() + 4)
        self.legend.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.Fixed)
        self.legend.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.legend.resizeColumnsToContents()
        self.legend.setFixedWidth(self.legend.columnWidth(0) + 70)
        self.legend.setMinimumHeight(self.legend.horizontalHeader().sizeHint().height()
                                     + len(HEALTH_STATES)
                                     * self.legend.verticalHeader().defaultSectionSize() + 4)

        self.status_graphics, self.status_box = _camera_plot()
        self.status_graphics.setToolTip("Pixel states of the selected telescope")
        self.array = ArrayHealth()
        self.array.setToolTip("Every telescope of the event: share of its pixels not good")
        self.array.tel_clicked.connect(session.select_tel)

        # pedestal and noise from data
        self.compute_button = QtWidgets.QPushButton("Pedestal from data")
        self.compute_button.setToolTip(
            "Measure pedestal and noise per pixel from the file: its pedestal events, or "
            f"the signal-free samples of its shower events (at most {DEFAULT_MAX_EVENTS} "
            "events, read in a separate process), and compare them with the monitoring")
        self.compute_button.clicked.connect(self.compute_pedestals)
        self.compare_box = QtWidgets.QComboBox()
        self.compare_box.addItems([label for label, _ in self.COMPARE])
        self.compare_box.setToolTip(
            "pedestal: pedestal per sample from data − the monitoring's; noise: RMS per "
            "sample from data − the monitoring noise; charge mean / RMS: the calibrated "
            "charge of the pedestal events per pixel (p.e.; RMS needs 2 events or more)")
        self.compare_box.currentIndexChanged.connect(lambda _: self.refresh_pedestals())
        self.gain_box = QtWidgets.QComboBox()
        self.gain_box.addItems(list(GAINS))
        self.gain_box.setToolTip("Gain compared")
        self.gain_box.currentIndexChanged.connect(lambda _: self.refresh_pedestals())
        self.pedestal_label = QtWidgets.QLabel("Pedestal and noise from data: not computed.")
        self.pedestal_label.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "pixel id")
        self.plot.setMinimumHeight(120)
        self.scatter = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(30, 90, 180, 160))
        self.plot.addItem(self.scatter)
        self.zero_line = pg.InfiniteLine(angle=0, pos=0, pen=pg.mkPen((200, 0, 0), width=1))
        self.plot.addItem(self.zero_line)
        self.diff_graphics, self.diff_box = _camera_plot()
        self.diff_colorbar = ColorBar()
        self.diff_graphics.addItem(self.diff_colorbar, row=0, col=1)
        self.diff_graphics.setToolTip("Data − monitoring per pixel (pixels not used: grey)")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.compute_button)
        row.addWidget(QtWidgets.QLabel("compare"))
        row.addWidget(self.compare_box)
        row.addWidget(QtWidgets.QLabel("gain"))
        row.addWidget(self.gain_box)
        row.addStretch(1)
        plots = QtWidgets.QHBoxLayout()
        plots.addWidget(self.plot, 1)
        plots.addWidget(self.diff_graphics, 1)
        self._show_plots(False)  # nothing to compare yet: no empty axes

        # three columns (the dock is wide and low at the bottom of the window): the
        # selected camera's states, the array's shares, pedestal and noise from data
        legend_row = QtWidgets.QHBoxLayout()
        legend_row.addWidget(self.legend)
        legend_row.addWidget(self.status_graphics, 1)
        columns = []
        for parts in ((self.title, legend_row),
                      (QtWidgets.QLabel("Array: share of bad pixels per telescope"),
                       self.array),
                      (row, self.pedestal_label, plots)):
            w = QtWidgets.QWidget()
            lay = QtWidgets.QVBoxLayout(w)
            lay.setContentsMargins(0, 0, 0, 0)
            for part in parts:
                stretch = 1 if part is parts[-1] else 0
                if isinstance(part, QtWidgets.QLayout):
                    lay.addLayout(part, stretch)
                else:
                    lay.addWidget(part, stretch)
            columns.append(w)
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        for w in columns:
            split.addWidget(w)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 5)
        self._sized = False
        self.splitter = split
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

        self._timer = QtCore.QTimer(self, interval=150)
        self._timer.timeout.connect(self._poll_job)
        self.follow_source(session)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)
        session.source_changed.connect(self._forget_pedestals)

    def showEvent(self, ev):
        super().showEvent(ev)
        if not self._sized and self.width() > 400:  # first shown: the columns' shares
            self._sized = True
            w = self.splitter.width()
            self.splitter.setSizes([int(w * 0.3), int(w * 0.14), int(w * 0.56)])

    # ---------------------------------------------------------------- state
    def show_nothing(self) -> None:
        self.health = {}
        self._health_key = None
        self.title.setText("No event.")
        self.array.set_shares({}, None)
        for k in range(len(HEALTH_STATES)):
            self.legend.item(k, 1).setText("")
        if self._status_item is not None:
            self.status_box.removeItem(self._status_item)
            self._status_item = None
            self._geometry = None

    def counts(self) -> dict:
        """State -> pixels of the selected telescope (what the legend shows)."""
        h = self.health.get(self.session.selected_tel)
        return dict(h.counts) if h is not None else {}

    def refresh(self, *_):
        s = self.session
        ev, tel = s.array_event, s.selected_tel
        if ev is None or tel is None or tel not in ev.tel:
            self.show_nothing()
            return
        if not has_readout(s.source):
            self.show_nothing()
            self.title.setText("Camera health needs the camera readout and its monitoring: "
                               "this file holds DL1 (images or parameters) only.")
            self.compute_button.setEnabled(False)
            return
        # (the built-in simulated array has no file to read)
        self.compute_button.setEnabled(self._job is None and bool(s.path))
        threshold = gain_threshold(s)
        key = self._health_key
        if key is None or key[0] is not ev or key[1] is not s.result or key[2] != threshold:
            # (a new telescope selection reuses the event's states)
            self.health = array_health(ev, s.result, threshold)
            self._health_key = (ev, s.result, threshold)
        h = self.health[tel]
        desc = s.source.subarray.tels[tel]
        kind = "calibration event" if ev.is_calibration else "shower event"
        self.title.setText(
            f"Tel {tel} · {desc.camera.name} · {h.n_pixels} pixels, {h.n_bad} not good "
            f"({100 * h.bad_fraction:.2f} %) · {kind} ({ev.event_type})"
            + ("" if s.result is not None else " · saturation from raw data (not processed "
               "yet)"))
        for k, name in enumerate(HEALTH_STATES):
            self.legend.item(k, 1).setText(str(h.counts[name]))
        geom = desc.camera.geometry
        if geom is not self._geometry:
            if self._status_item is not None:
                self.status_box.removeItem(self._status_item)
            self._status_item = StatusCameraItem(geom, STATE_COLORS)
            self.status_box.addItem(self._status_item)
            self.status_box.autoRange(padding=0.02)
            self._geometry = geom
        self._status_item.set_categories(h.codes, HEALTH_STATES)
        self.array.set_shares({t: x.bad_fraction for t, x in self.health.items()}, tel)
        self.refresh_pedestals()

    # ---------------------------------------------------------------- pedestal from data
    def _show_plots(self, shown: bool) -> None:
        self.plot.setVisible(shown)
        self.diff_graphics.setVisible(shown)

    def _forget_pedestals(self):
        if self._job is not None:
            self._job.cancel()
        self._job = None
        self._timer.stop()
        self.pedestals = None
        self.compute_button.setEnabled(True)
        self.pedestal_label.setText("Pedestal and noise from data: not computed.")
        self.scatter.setData([], [])
        self._show_plots(False)
        if self._diff_item is not None:
            self.diff_box.removeItem(self._diff_item)
            self._diff_item = None

    def compute_pedestals(self) -> None:
        """Start measuring pedestal and noise over the open file (in another process)."""
        path = self.session.path
        if not path or self._job is not None:
            return
        self._job = PedestalJob(path, config=getattr(self.session, "config", None))
        self._job_path = path
        self.compute_button.setEnabled(False)
        self.pedestal_label.setText("Reading the file's pedestal data…")
        self._timer.start()

    def _poll_job(self) -> None:
        job = self._job
        if job is None or not job.done():
            return
        self._timer.stop()
        self._job = None
        self.compute_button.setEnabled(True)
        if job.cancelled or self._job_path != self.session.path:
            return
        status, value = job.result()
        if status == "error":
            self.pedestal_label.setText(f"Pedestal from data failed: {value}")
            return
        self.pedestals = value
        self.refresh_pedestals()

    def wait_for_pedestals(self, timeout_s: float = 60.0) -> bool:
        """Block until the measurement has ended (tests, screenshots); True when done."""
        if self._job is None:
            return self.pedestals is not None
        try:
            self._job.result(timeout=timeout_s)
        except TimeoutError:
            return False
        self._poll_job()
        return self.pedestals is not None

    #: the compare choices: (label, kind); "difference" ones are data − monitoring (ADC)
    COMPARE = (("pedestal", "difference"), ("noise", "difference"),
               ("charge mean", "charge"), ("charge RMS", "charge"))

    def comparison(self):
        """(per-pixel values, what they are, colour-bar label, diverging) for the selected
        telescope, the compare choice and gain; None when not available. Pedestal and noise
        are data − monitoring (ADC, per gain); charge mean and RMS the calibrated charge
        (p.e.) of the pedestal events per pixel (no monitoring counterpart)."""
        if self.pedestals is None:
            return None
        tel = self.session.selected_tel
        choice = self.compare_box.currentText()
        if choice.startswith("charge"):
            cs = self.pedestals.charge.get(tel)
            values = None if cs is None else (cs.mean if choice == "charge mean" else cs.std)
            if values is None or not np.isfinite(values).any():
                return None
            return (values, f"{choice} of the pedestal events per pixel (p.e.)",
                    f"{choice} (p.e.)", False)
        st = self.pedestals.of(tel)
        gain = self.gain_box.currentIndex()
        if st is None or gain >= st.pedestal.shape[0]:
            return None
        if choice == "pedestal":
            return (st.pedestal_difference(gain),
                    "pedestal per sample: data − monitoring (ADC)", "data − monitoring (ADC)",
                    True)
        diff = st.noise_difference(gain)
        if diff is None or not np.isfinite(diff).any():
            return None
        return (diff, "noise: data RMS per sample − monitoring noise (ADC)",
                "data − monitoring (ADC)", True)

    def refresh_pedestals(self) -> None:
        if self.pedestals is None:
            return
        tel = self.session.selected_tel
        st = self.pedestals.of(tel)
        out = self.comparison()
        if out is None:
            what = ("no data from this telescope" if st is None
                    else "not available for this telescope, gain and choice (charge: "
                    "pedestal events only; RMS: 2 events or more)")
            self.pedestal_label.setText(
                f"From {self.pedestals.n_used} of {self.pedestals.n_read} events "
                f"({self.pedestals.source}): {what}.")
            self.scatter.setData([], [])
            self._show_plots(False)
            return
        values, what, bar_label, diverging = out
        self._show_plots(True)
        used = np.isfinite(values)
        d = values[used]
        g = self.gain_box.currentIndex()
        head = f"Tel {tel}"
        if st is not None and g < st.pedestal.shape[0]:
            head += (f", {GAINS[g]} gain, {st.n_events} events ({st.source}): data pedestal "
                     f"{np.nanmean(st.pedestal[g]):.2f} ADC/sample, RMS "
                     f"{np.nanmean(st.rms[g]):.2f} ADC/sample (night-sky light included)")
        tail = ""
        cs = self.pedestals.charge.get(tel)
        if not diverging and cs is not None:
            bad = cs.mean_outliers if self.compare_box.currentText() == "charge mean" \
                else cs.std_outliers
            tail = (f"; {len(bad)} outlier(s) beyond 5σ" + (
                f": pixel {', '.join(map(str, bad[:12]))}" if bad else ""))
        self.pedestal_label.setText(
            f"{head}. {what}: mean {d.mean():.3g}, spread {d.std():.3g} over {used.sum()} "
            f"pixels{tail}.")
        ids = np.flatnonzero(used)
        self.scatter.setData(ids.astype(float), d)
        self.zero_line.setVisible(diverging)
        self.plot.setLabel("left", bar_label)
        geom = self.session.source.subarray.tels[tel].camera.geometry
        if self._diff_item is None or self._diff_item.geometry is not geom:
            if self._diff_item is not None:
                self.diff_box.removeItem(self._diff_item)
            self._diff_item = CameraItem(geom)
            self.diff_box.addItem(self._diff_item)
            self.diff_box.autoRange(padding=0.02)
        self._diff_item.setVisible(True)
        if diverging:
            lim = float(np.max(np.abs(d))) if d.size else 1.0
            lo, hi, cmap = -(lim or 1.0), (lim or 1.0), "CET-D1"
        else:
            lo, hi = colors.limits(values, "auto")
            lo, hi = colors.color_range(values, lo, hi, "linear")
            cmap = "viridis"
        self._diff_item.set_colors(values, colors.to_index(values, lo, hi, "linear"), cmap)
        ev = self.session.array_event
        data = ev.tel.get(tel) if ev is not None else None
        self._diff_item.set_status(getattr(data, "pixel_status", None))
        self.diff_colorbar.set_range(lo, hi, "linear", cmap, bar_label)


__all__ = ["STATE_COLORS", "ArrayHealth", "HealthView", "StatusCameraItem"]
