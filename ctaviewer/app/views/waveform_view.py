"""Waveforms of the selected pixels: per gain, in p.e. or ADC, on a time axis in ns (the
samples on the top axis), with the pedestal level, the extractor's integration window
shaded, the camera's reference pulse scaled to each pixel's charge, and a side panel with
the legend and each pixel's charge and peak time (``service.waveforms`` computes it all).
"""

from __future__ import annotations

import numpy as np

from ...service.waveforms import GAINS, UNITS, WaveformPlot, waveform_plot
from ..qt import QtCore, QtGui, QtWidgets, pg
from .lazy import LazyRefreshMixin
from .plotting import CachedAxisItem, cached_axes

_PENS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
         (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


class SampleAxis(CachedAxisItem):
    """The top axis: the time axis (ns) labelled in samples, ticks at whole samples."""

    def __init__(self, orientation: str = "top"):
        super().__init__(orientation)
        self.sample_width_ns = 1.0

    def set_sample_width(self, width_ns: float) -> None:
        if width_ns > 0 and width_ns != self.sample_width_ns:
            self.sample_width_ns = float(width_ns)
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        w = self.sample_width_ns
        levels = super().tickValues(minVal / w, maxVal / w, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:  # whole samples only
                continue
            out.append((spacing * w, [v * w for v in values]))
        return out

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        w = self.sample_width_ns
        return [f"{round(v / w):d}" for v in values]


def _swatch(color, style=QtCore.Qt.SolidLine) -> QtGui.QIcon:
    pix = QtGui.QPixmap(28, 12)
    pix.fill(QtCore.Qt.transparent)
    painter = QtGui.QPainter(pix)
    pen = QtGui.QPen(QtGui.QColor(*color), 2, style)
    painter.setPen(pen)
    painter.drawLine(1, 6, 27, 6)
    painter.end()
    return QtGui.QIcon(pix)


class WaveformView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.unit_box = QtWidgets.QComboBox()
        self.unit_box.addItems(list(UNITS))
        self.unit_box.currentTextChanged.connect(lambda _: self.refresh())
        self.gain_box = QtWidgets.QComboBox()
        self.gain_box.addItems(list(GAINS))
        self.gain_box.currentTextChanged.connect(lambda _: self.refresh())
        self.pulse_box = QtWidgets.QCheckBox("reference pulse")
        self.pulse_box.setChecked(True)
        self.pulse_box.toggled.connect(lambda _: self.refresh())
        self.neighbors_button = QtWidgets.QPushButton("Add neighbours")
        self.neighbors_button.clicked.connect(session.add_neighbors)
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: session.select_pixels([]))
        for w, tip in (
                (self.unit_box, "Waveform unit: raw ADC counts (with the pedestal as a dotted "
                 "line) or calibrated p.e. per sample"),
                (self.gain_box, "Readout channel to draw for two-gain cameras: high, low or "
                 "both (the low gain dashed)"),
                (self.pulse_box, "Overlay the camera's reference pulse shape, scaled so that "
                 "its integral is the pixel's extracted charge and centred on its peak time"),
                (self.neighbors_button, "Add the neighbours of the selected pixels (Ctrl+N)"),
                (self.clear_button, "Remove every pixel from the waveform view")):
            w.setToolTip(tip)
        top = QtWidgets.QHBoxLayout()
        for w in (self.unit_box, self.gain_box, self.pulse_box, self.neighbors_button,
                  self.clear_button):
            top.addWidget(w)
        top.addStretch(1)
        self.sample_axis = SampleAxis("top")
        self.plot = pg.PlotWidget(axisItems={**cached_axes(), "top": self.sample_axis})
        self.plot.setLabel("bottom", "time", units="ns")
        self.plot.setLabel("top", "sample")
        # room for ticks and label, fixed: pyqtgraph sizes an axis without its label when
        # its text changes while the dock is hidden, and the label then covers the ticks
        line = QtGui.QFontMetrics(QtGui.QFont()).height()
        self.sample_axis.setHeight(2 * line + 10)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        # the legend and the pixel texts: a side panel, never over the traces
        self.legend = QtWidgets.QListWidget()
        self.legend.setObjectName("waveform_legend")
        self.legend.setToolTip("The traces drawn: one colour per pixel (low gain dashed)")
        self.legend.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.legend.setIconSize(QtCore.QSize(28, 12))
        self.legend.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.legend.setTextElideMode(QtCore.Qt.ElideRight)
        self.info = QtWidgets.QLabel("Click a pixel in the camera view (shift-click adds).")
        self.info.setObjectName("waveform_info")
        self.info.setWordWrap(True)
        self.info.setAlignment(QtCore.Qt.AlignTop | QtCore.Qt.AlignLeft)
        self.info.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.info)
        scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
        side = self.side = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        side.addWidget(self.legend)
        side.addWidget(scroll)
        side.setChildrenCollapsible(False)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        self.splitter.addWidget(self.plot)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([680, 300])
        # what an export shows: the plot with its legend and texts, not the controls
        self.graphics = self.splitter
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self.curves: dict[int, list] = {}  # pixel -> plotted trace curves (for tests)
        self.pulse_curves: dict[int, list] = {}  # pixel -> plotted reference pulses
        self.model: WaveformPlot | None = None  # what is drawn
        self.follow_source(session)
        for sig in (session.pixels_selected, session.event_changed, session.result_changed):
            sig.connect(self.request_refresh)

    def show_nothing(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.curves, self.pulse_curves, self.model = {}, {}, None
        self.info.setText("Click a pixel in the camera view (shift-click adds).")

    def _readout(self, tel_id):
        source = self.session.source
        if source is None or tel_id not in source.subarray.tels:
            return None
        return source.subarray.tels[tel_id].camera.readout

    def refresh(self):
        self.plot.clear()
        self.legend.clear()
        self.curves, self.pulse_curves = {}, {}
        s = self.session
        tel = s.selected_tel
        readout = self._readout(tel)
        if readout is None:
            self.model = None
            self.info.setText("Click a pixel in the camera view (shift-click adds).")
            return
        unit = self.unit_box.currentText()
        model = waveform_plot(s.array_event, tel, readout, s.selected_pixels,
                              s.tel_result(tel), unit, GAINS[self.gain_box.currentText()],
                              pulse=self.pulse_box.isChecked())
        self.model = model
        self.plot.setLabel("left", "p.e. / sample" if unit == "p.e." else "ADC")
        self.sample_axis.set_sample_width(model.sample_width_ns)
        if model.message:
            self.info.setText(model.message)
            return
        colors = {p: _PENS[k % len(_PENS)] for k, p in enumerate(dict.fromkeys(
            t.pixel for t in model.traces))}
        for trace in model.traces:
            color = colors[trace.pixel]
            dashed = trace.gain == 1
            style = QtCore.Qt.DashLine if dashed else QtCore.Qt.SolidLine
            curve = self.plot.plot(trace.time_ns, trace.values,
                                   pen=pg.mkPen(color, width=2, style=style))
            self.curves.setdefault(trace.pixel, []).append(curve)
            item = QtWidgets.QListWidgetItem(_swatch(color, style), trace.label)
            self.legend.addItem(item)
            if np.isfinite(trace.pedestal):
                self.plot.addItem(pg.InfiniteLine(
                    trace.pedestal, angle=0, pen=pg.mkPen(color, style=QtCore.Qt.DotLine)))
        for pulse in model.pulses:
            color = colors[pulse.pixel]
            curve = self.plot.plot(pulse.time_ns, pulse.values,
                                   pen=pg.mkPen(*color, 150, width=1.5,
                                                style=QtCore.Qt.DashDotLine))
            self.pulse_curves.setdefault(pulse.pixel, []).append(curve)
        if model.pulses:
            item = QtWidgets.QListWidgetItem(_swatch((90, 90, 90), QtCore.Qt.DashDotLine),
                                             "reference pulse × charge")
            item.setForeground(QtGui.QBrush(QtGui.QColor(90, 90, 90)))
            self.legend.addItem(item)
        for text in model.pixels:
            if text.window_ns is not None:
                color = colors[text.pixel]
                self.plot.addItem(pg.LinearRegionItem(text.window_ns, movable=False,
                                                      brush=pg.mkBrush(*color, 40),
                                                      pen=pg.mkPen(None)))
        if model.n_samples:
            end = (model.n_samples - 1) * model.sample_width_ns
            self.plot.setXRange(0.0, end, padding=0.02)
        self._fit_legend()
        width = model.sample_width_ns
        self.info.setText(f"Tel {tel} ({width:.3g} ns per sample)\n"
                          + "\n".join(t.text for t in model.pixels))

    def _fit_legend(self) -> None:
        """The legend as tall as its entries (at most half the panel), the texts below."""
        rows = self.legend.count()
        if not rows:
            return
        row = self.legend.sizeHintForRow(0)
        want = rows * row + 2 * self.legend.frameWidth() + 4
        total = max(sum(self.side.sizes()), 1)
        legend = min(want, total // 2)
        self.side.setSizes([legend, total - legend])

    @property
    def legend_labels(self) -> list[str]:
        return [self.legend.item(i).text() for i in range(self.legend.count())]
