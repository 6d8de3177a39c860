"""Waveforms of the selected pixels: per gain, in p.e. or ADC, with the pedestal level, the
extractor's integration window shaded and the extracted charge and peak time.
"""

from __future__ import annotations

import math

import numpy as np

from ...event import pixel_status_text
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin
from .plotting import cached_axes

_PENS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
         (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


class WaveformView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.unit_box = QtWidgets.QComboBox()
        self.unit_box.addItems(["ADC", "p.e."])
        self.unit_box.currentTextChanged.connect(lambda _: self.refresh())
        self.gain_box = QtWidgets.QComboBox()
        self.gain_box.addItems(["high gain", "low gain", "both gains"])
        self.gain_box.currentTextChanged.connect(lambda _: self.refresh())
        self.neighbors_button = QtWidgets.QPushButton("Add neighbours")
        self.neighbors_button.clicked.connect(session.add_neighbors)
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: session.select_pixels([]))
        for w, tip in (
                (self.unit_box, "Waveform unit: raw ADC counts (with the pedestal as a dotted "
                 "line) or calibrated p.e. per sample"),
                (self.gain_box, "Readout channel to draw for two-gain cameras (low gain "
                 "dashed)"),
                (self.neighbors_button, "Add the neighbours of the selected pixels (Ctrl+N)"),
                (self.clear_button, "Remove every pixel from the waveform view")):
            w.setToolTip(tip)
        top = QtWidgets.QHBoxLayout()
        for w in (self.unit_box, self.gain_box, self.neighbors_button, self.clear_button):
            top.addWidget(w)
        top.addStretch(1)
        self.plot = pg.PlotWidget(axisItems=cached_axes())
        self.graphics = self.plot  # what an export shows (not the controls)
        self.plot.setLabel("bottom", "sample")
        self.plot.addLegend(offset=(-5, 5))
        self.info = QtWidgets.QLabel("Click a pixel in the camera view (shift-click adds).")
        self.info.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        self.curves: dict[int, list] = {}  # pixel -> plotted curves (for tests)
        self.follow_source(session)
        for sig in (session.pixels_selected, session.event_changed, session.result_changed):
            sig.connect(self.request_refresh)

    def show_nothing(self) -> None:
        self.plot.clear()
        self.curves = {}
        self.info.setText("Click a pixel in the camera view (shift-click adds).")

    def refresh(self):
        self.plot.clear()
        self.curves = {}
        s = self.session
        ev, tel = s.array_event, s.selected_tel
        if ev is None or tel not in ev.tel or not s.selected_pixels:
            self.info.setText("Click a pixel in the camera view (shift-click adds).")
            return
        data = ev.tel[tel]
        tr = s.tel_result(tel)
        pe = self.unit_box.currentText() == "p.e."
        self.plot.setLabel("left", "p.e. / sample" if pe else "ADC")
        if data.waveform is None:
            self.info.setText(f"Tel {tel}: this camera delivers integrated sums only.")
            return
        gains = {"high gain": [0], "low gain": [1], "both gains": [0, 1]}[
            self.gain_box.currentText()]
        gains = [g for g in gains if g < data.n_gains] or [0]
        lines = []
        for k, pix in enumerate(s.selected_pixels):
            color = _PENS[k % len(_PENS)]
            curves = []
            for g in gains:
                if pe and tr is not None and tr.waveform is not None:
                    y = np.asarray(tr.waveform[pix], dtype=float)
                    ped = 0.0
                elif pe:
                    ped_adc = data.pedestal_per_sample[g, pix]
                    y = (data.waveform[g, pix] - ped_adc) * data.dc_to_pe[g, pix]
                    ped = 0.0
                else:
                    y = data.waveform[g, pix].astype(float)
                    ped = float(data.pedestal_per_sample[g, pix])
                style = QtCore.Qt.SolidLine if g == 0 else QtCore.Qt.DashLine
                name = f"pixel {pix}" + (f" gain {g}" if len(gains) > 1 else "")
                curves.append(self.plot.plot(y, pen=pg.mkPen(color, width=2, style=style),
                                             name=name))
                if np.isfinite(ped):
                    line = pg.InfiniteLine(
                        ped, angle=0, pen=pg.mkPen(color, style=QtCore.Qt.DotLine))
                    self.plot.addItem(line)
                if pe and tr is not None and tr.waveform is not None:
                    break  # the calibrated waveform is the selected gain only
            self.curves[pix] = curves
            if tr is not None and tr.window_start is not None and tr.window_width:
                start = float(tr.window_start[pix])
                n_s = tr.waveform.shape[1] if tr.waveform is not None else math.inf
                end = min(start + tr.window_width, n_s)  # windows are cut at the readout end
                region = pg.LinearRegionItem((start - 0.5, end - 0.5),
                                             movable=False,
                                             brush=pg.mkBrush(*color, 40), pen=pg.mkPen(None))
                self.plot.addItem(region)
            if tr is not None:
                broken = (pixel_status_text(data.pixel_status[pix])
                          if data.pixel_status is not None else "")
                lines.append(f"pixel {pix}: charge {tr.image[pix]:.1f} p.e., "
                             f"peak time {tr.peak_time[pix]:.1f} ns"
                             + (" (in cleaned image)" if tr.mask[pix] else "")
                             + (f"; broken: {broken}" if broken else ""))
            else:
                lines.append(f"pixel {pix}: raw sum {data.raw_sum[pix]:.0f} ADC")
        self.info.setText(f"Tel {tel}\n" + "\n".join(lines[:6])
                          + (f"\n… {len(lines) - 6} more" if len(lines) > 6 else ""))
