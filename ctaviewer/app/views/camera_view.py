"""The single large camera view: one camera, display controls, colour bar, time slider."""

from __future__ import annotations

import html
import math

from ...errors import ExpressionError
from ...io.selection import id_ranges
from ...service.comparison import COMPARED_QUANTITIES, MODES, mask_counts
from ...service.display import AXES
from .. import colors
from ..display.camera import hillas_values, label_placement
from ..display.items import PixelOutlines
from ..models.quantities import GAINS, QUANTITIES, TWO_STATES, UNITS, is_per_gain
from ..qt import QtCore, QtGui, QtWidgets, pg
from .camera_item import CameraItem
from .camera_values import (
    PIXEL_COLUMNS,
    blank_index,
    camera_colors,
    filtered_pixels,
    parse_pixel_ids,
    pixel_filter,
    pixel_status,
    status_note,
    time_gradient,
)
from .colorbar import ColorBar
from .compare_values import caption, compared_colors, difference_summary
from .muon_overlay import MuonRingItem
from .time_gradient import TimeGradientPlot


def state_legend(quantity: str) -> tuple:
    """The legend of a two-state quantity: (text, LUT index) of its 0 and 1."""
    off, on = TWO_STATES[quantity]
    return ((off, 0), (on, colors.N_COLORS - 1))


#: the cleaning mask's legend: (text, LUT index) of pixels out of and in the image
MASK_STATES = state_legend("cleaning mask")


#: the axis labels of the camera view, per ``DisplayState.axes``
AXIS_LABELS = {"m": ("camera x", "camera y", "m"), "deg": ("fov_lon", "fov_lat", "deg")}


def moments_text(params: dict, axes: str) -> str:
    """ctapipe's ``overlay_moments`` label with the values in the view's frame: intensity,
    length, width, psi and r (camera frame in m, or telescope frame in deg)."""
    prefix = "camera_frame_hillas_" if axes == "m" else "hillas_"
    u = " m" if axes == "m" else "°"
    v = {k: float(params.get(prefix + k, math.nan)) for k in ("length", "width", "psi", "r")}
    return (f"intensity = {float(params.get('hillas_intensity', math.nan)):.1f} p.e.\n"
            f"length = {v['length']:.3f}{u}, width = {v['width']:.3f}{u}\n"
            f"psi = {v['psi']:.1f}°, r = {v['r']:.3f}{u}")


HIGHLIGHT_TIP = (
    "Pixels to outline in the highlight colour: ids and ranges (12, 40-44), or a pixel "
    "filter over " + ", ".join(PIXEL_COLUMNS) + " (e.g. charge > 20 and in_image == 0), "
    "applied to every telescope; Enter applies, empty clears")


class _Title(pg.LabelItem):
    """The camera view's title line (a row of the plot layout)."""

    def toPlainText(self) -> str:  # as QGraphicsTextItem, for scripts and tests
        return self.text


def _combo(items, current, slot):
    box = QtWidgets.QComboBox()
    box.addItems(list(items))
    box.setCurrentText(current)
    box.currentTextChanged.connect(slot)
    # as narrow as a few characters when room is short (the camera keeps its width)
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(3)
    return box


class CameraView(QtWidgets.QWidget):
    """Shows the selected telescope of the current event."""

    def __init__(self, session, display, parent=None):
        super().__init__(parent)
        self.session = session
        self.display = display
        self.item: CameraItem | None = None
        self._geometry = None

        d = display
        self.quantity_box = _combo(QUANTITIES, d.quantity, lambda v: d.update(quantity=v))
        self.cmap_box = _combo(colors.COLORMAPS, d.cmap, lambda v: d.update(cmap=v))
        self.scale_box = _combo(colors.SCALES, d.scale, lambda v: d.update(scale=v))
        self.limit_box = _combo(colors.LIMIT_MODES, d.limit_mode,
                                lambda v: d.update(limit_mode=v))
        self.percentile = QtWidgets.QDoubleSpinBox(minimum=50, maximum=100, value=d.percentile,
                                                   suffix=" %", decimals=1)
        self.percentile.valueChanged.connect(lambda v: d.update(percentile=v))
        self.fixed_lo = QtWidgets.QDoubleSpinBox(minimum=-1e6, maximum=1e6, value=d.fixed[0])
        self.fixed_hi = QtWidgets.QDoubleSpinBox(minimum=-1e6, maximum=1e6, value=d.fixed[1])
        for box in (self.fixed_lo, self.fixed_hi):
            box.valueChanged.connect(
                lambda _: d.update(fixed=(self.fixed_lo.value(), self.fixed_hi.value())))
        self.gain_box = _combo(GAINS, d.gain, lambda v: d.update(gain=v))
        self.gain_label = QtWidgets.QLabel("Gain")
        self.hillas_box = QtWidgets.QCheckBox("Hillas", checked=d.show_hillas)
        self.hillas_box.toggled.connect(lambda v: d.update(show_hillas=v))
        self.axes_box = _combo(AXES, d.axes, lambda v: d.update(axes=v))
        self.ids_box = QtWidgets.QCheckBox("Ids", checked=d.show_pixel_ids)
        self.ids_box.toggled.connect(lambda v: d.update(show_pixel_ids=v))
        self.moments_box = QtWidgets.QCheckBox("Moments", checked=d.show_moments)
        self.moments_box.toggled.connect(lambda v: d.update(show_moments=v))
        # no label beside it (the row has no room for one at 1400 px): its placeholder says
        # what it is for, and it keeps room for that much
        self.highlight_edit = QtWidgets.QLineEdit(placeholderText="highlight: 12, 40-44")
        self.highlight_edit.setMinimumWidth(
            self.highlight_edit.fontMetrics().horizontalAdvance("highlight: 12") + 12)
        self.highlight_edit.editingFinished.connect(self._highlight_typed)
        self.highlight_from_selection = QtWidgets.QPushButton("← selected")
        self.highlight_from_selection.clicked.connect(
            lambda: self.set_highlight(self.session.selected_pixels))
        self.highlight_color_button = QtWidgets.QPushButton()
        self.gradient_box = QtWidgets.QCheckBox("Time gradient", checked=d.show_time_gradient)
        self.gradient_box.toggled.connect(lambda v: d.update(show_time_gradient=v))
        self.highlight_color_button.clicked.connect(self._choose_highlight_color)
        # A, B or B − A while two configurations are compared (hidden otherwise)
        self.comparison = getattr(session, "comparison", None)
        self.compare_mode = "A"
        #: what the pixels show under B or B − A (``compare_values.Compared``), else None
        self.compared = None
        self.compare_label = QtWidgets.QLabel("Compare")
        self.compare_box = _combo(MODES, self.compare_mode, self.set_compare_mode)
        self.compare_box.setToolTip(
            "While comparing two processing configurations (Processing panel ▸ Compare): "
            "show the charge, cleaning mask and peak time of A (the current settings), of "
            "B, or B − A (the cleaning mask's as +1 added by B, −1 removed, 0 same)")
        self.compare_caption = QtWidgets.QLabel()
        self.compare_caption.setWordWrap(True)
        self.compare_caption.setStyleSheet("color: #0050a0")
        for w, tip in (
                (self.quantity_box, "What the pixel colours show: charge (p.e.) and peak time "
                 "(ns) after calibration, the cleaning mask, true p.e. (simulation), the raw "
                 "ADC sum, or one waveform sample (pick it with the Sample slider); or a "
                 "camera quantity from the file's monitoring and calibration blocks: "
                 "pedestal, pedestal noise, dc→p.e., flat-field, time shift (per gain), the "
                 "selected gain, saturated, HV-disabled and unread pixels"),
                (self.gain_box, "Gain of the per-gain camera quantities (pedestal, noise, "
                 "dc→p.e., flat-field, time shift)"),
                (self.cmap_box, "Colour map of the pixel values (also used by the Telescopes "
                 "grid)"),
                (self.scale_box, "Colour scale: linear, log (positive values only) or symlog "
                 "(logarithmic on both sides of zero)"),
                (self.limit_box, "Colour limits: auto (0.5–99.8 % of the values, ignores a "
                 "few hot pixels), min-max, a percentile range, or fixed values"),
                (self.percentile, "Percentile range: colours span from (100 − p) % to p % of "
                 "the pixel values"),
                (self.fixed_lo, "Lower colour limit, in the unit of the quantity shown"),
                (self.fixed_hi, "Upper colour limit, in the unit of the quantity shown"),
                (self.hillas_box, "Draw the Hillas ellipse and main axis of the cleaned "
                 "image"),
                (self.axes_box, "Axes of the camera: camera frame in metres (x, y) or "
                 "telescope frame in degrees (fov_lon, fov_lat, through the focal length the "
                 "processing uses)"),
                (self.ids_box, "Write the pixel ids on the pixels when zoomed in far enough "
                 "to read them (wheel to zoom)"),
                (self.moments_box, "Write the Hillas moments (intensity, length, width, psi, "
                 "r) beside the ellipse, as ctapipe's overlay_moments"),
                (self.highlight_edit, HIGHLIGHT_TIP),
                (self.highlight_from_selection, "Highlight the selected pixels (click, "
                 "shift-click)"),
                (self.highlight_color_button, "Colour of the highlighted pixels' outline"),
                (self.gradient_box, "Show the peak time of the cleaned pixels along the "
                 "Hillas axis, with the timing fit of the processing (slope, intercept)")):
            w.setToolTip(tip)

        controls = QtWidgets.QHBoxLayout()
        for label, w in (("Show", self.quantity_box), ("Colours", self.cmap_box),
                         ("Scale", self.scale_box), ("Limits", self.limit_box)):
            controls.addWidget(QtWidgets.QLabel(label))
            controls.addWidget(w)
            if w is self.quantity_box:
                controls.addWidget(self.gain_label)
                controls.addWidget(self.gain_box)
        controls.addWidget(self.percentile)
        controls.addWidget(self.fixed_lo)
        controls.addWidget(self.fixed_hi)
        controls.addWidget(self.hillas_box)
        controls.addWidget(self.compare_label)
        controls.addWidget(self.compare_box)
        controls.addStretch(1)
        overlays = QtWidgets.QHBoxLayout()
        overlays.addWidget(QtWidgets.QLabel("Axes"))
        overlays.addWidget(self.axes_box)
        overlays.addWidget(self.ids_box)
        overlays.addWidget(self.moments_box)
        overlays.addWidget(self.gradient_box)
        overlays.addWidget(self.highlight_edit, 1)
        overlays.addWidget(self.highlight_from_selection)
        overlays.addWidget(self.highlight_color_button)

        self.graphics = pg.GraphicsLayoutWidget()
        # the title has a row of its own above the camera: it never covers pixels, whatever
        # the camera's shape
        self.title = _Title("", color="k", justify="left")
        self.graphics.addItem(self.title, row=0, col=0, colspan=3)
        self.viewbox = self.graphics.addViewBox(row=1, col=1)
        self.viewbox.setAspectLocked(True)
        self.viewbox.invertX(False)
        self.left_axis = pg.AxisItem("left", linkView=self.viewbox)
        self.bottom_axis = pg.AxisItem("bottom", linkView=self.viewbox)
        for axis in (self.left_axis, self.bottom_axis):
            axis.setPen("k")
            axis.setTextPen("k")
            axis.enableAutoSIPrefix(False)
        self.graphics.addItem(self.left_axis, row=1, col=0)
        self.graphics.addItem(self.bottom_axis, row=2, col=1)
        self._axes_shown = None
        # ctapipe's overlay_moments label, in view coordinates (placed beside the ellipse)
        self.moments_label = pg.TextItem("", color=(200, 30, 30), anchor=(0.5, 1.0))
        self.moments_label.hide()
        self.moments_label.setZValue(20)  # over the camera
        self.viewbox.addItem(self.moments_label, ignoreBounds=True)
        self.highlight_item: PixelOutlines | None = None
        # the fitted muon ring and its width band, over the pixels (when the event has one)
        self.muon_item = MuonRingItem()
        self.muon_item.hide()
        self.viewbox.addItem(self.muon_item, ignoreBounds=True)
        self.colorbar = ColorBar()
        self._colorbar_args = None
        self.graphics.addItem(self.colorbar, row=1, col=2)

        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.valueChanged.connect(display.set_sample)
        self.play_button = QtWidgets.QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play)
        self.slider.setToolTip("Waveform sample shown by 'waveform sample' (pedestal "
                               "subtracted, high gain)")
        self.play_button.setToolTip("Play the waveform samples as a movie (switches Show to "
                                    "'waveform sample'); press again to stop")
        self.sample_label = QtWidgets.QLabel()
        # wide enough for "sample / last" of any readout: the slider keeps its length
        self.sample_label.setMinimumWidth(
            self.sample_label.fontMetrics().horizontalAdvance("000 / 000"))
        self._timer = QtCore.QTimer(self, interval=80)
        self._timer.timeout.connect(self._advance)
        time_row = QtWidgets.QHBoxLayout()
        time_row.addWidget(QtWidgets.QLabel("Sample"))
        time_row.addWidget(self.slider, 1)
        time_row.addWidget(self.sample_label)
        time_row.addWidget(self.play_button)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addLayout(overlays)
        layout.addWidget(self.compare_caption)
        self.gradient_plot = TimeGradientPlot()
        self.gradient_plot.hide()
        # (both direct children: render's only_graphics keeps the camera alone)
        layout.addWidget(self.graphics, 3)
        layout.addWidget(self.gradient_plot, 1)
        layout.addLayout(time_row)

        session.event_changed.connect(self.refresh)
        session.result_changed.connect(self.refresh)
        session.tel_selected.connect(lambda _: self.refresh())
        session.pixels_selected.connect(self._update_selection)
        session.source_changed.connect(self.show_nothing)
        display.changed.connect(self.refresh)
        display.sample_changed.connect(self._sample_changed)
        if self.comparison is not None:
            self.comparison.changed.connect(self.refresh)
            self.comparison.result_changed.connect(self.refresh)
        self._sync_controls()

    def set_title_visible(self, visible: bool) -> None:
        """Show or hide the title row (hidden, it takes no room)."""
        self.title.setVisible(visible)
        self.title.setMaximumHeight(1e6 if visible else 0)
        self.title.setMinimumHeight(0)

    # ---------------------------------------------------------------- updates
    def show_nothing(self) -> None:
        """No camera and no colour bar (a new file, before its first event is drawn); the
        sample slider says there are no samples."""
        self._blank()
        self._sync_controls()

    def _blank(self) -> None:
        """Nothing of an event drawn: no camera, no comparison, no colour bar."""
        self.compared = None
        self._clear()
        self._show_colorbar(None)

    def _clear(self):
        if self.item is not None:
            self.viewbox.removeItem(self.item)
        self.item = None
        self.highlight_item = None
        self._geometry = None
        self._axes_shown = None
        self.moments_label.hide()
        self.muon_item.set_ring(None, 0.0)
        self.title.setText("")  # (no telescope of the file before)

    def _ensure_item(self, tel_id):
        geom = self.session.source.subarray.tels[tel_id].camera.geometry
        if geom is not self._geometry:
            self._clear()
            self.item = CameraItem(geom)
            self.item.sigPixelClicked.connect(self._pixel_clicked)
            self.viewbox.addItem(self.item)
            # a child of the camera item: drawn in camera metres, in its frame
            self.highlight_item = PixelOutlines(geom, parent=self.item)
            self.viewbox.autoRange(padding=0.02)
            self._geometry = geom
        self._set_frame(tel_id)
        return self.item

    def _set_frame(self, tel_id) -> None:
        """Camera metres or telescope-frame degrees (the focal length the processing uses:
        the effective one where the file gives it, ``OpticsDescription.focal_length``)."""
        axes = self.display.axes
        optics = self.session.source.subarray.tels[tel_id].optics
        deg_per_m = math.degrees(1.0) / optics.focal_length if axes == "deg" else None
        shown = (axes, deg_per_m)
        if shown == self._axes_shown:
            return
        self.item.set_telescope_frame(deg_per_m)
        self.muon_item.setTransform(self.item.transform())
        bottom, left, unit = AXIS_LABELS[axes]
        self.bottom_axis.setLabel(f"{bottom} ({unit})")
        self.left_axis.setLabel(f"{left} ({unit})")
        if self._axes_shown is None or self._axes_shown[0] != axes:
            self.viewbox.autoRange(items=[self.item], padding=0.02)
        self._axes_shown = shown

    def set_highlight(self, pixels) -> None:
        """Outline ``pixels`` (ids) in the highlight colour; empty clears."""
        self.display.update(highlight=tuple(sorted({int(p) for p in pixels})),
                            highlight_filter="")

    def _highlight_typed(self):
        text = self.highlight_edit.text()
        n = self._geometry.n_pixels if self._geometry is not None else None
        try:
            ids = parse_pixel_ids(text, n)
        except ValueError as exc:
            ids, id_error = None, str(exc)
        if ids is None:
            if not any(c.isalpha() for c in text):  # meant as ids
                return self._highlight_error(id_error)
            try:
                pixel_filter(text)
            except ExpressionError as exc:
                return self._highlight_error(f"not a pixel filter: {exc.message}")
        self.highlight_edit.setStyleSheet("")
        self.highlight_edit.setToolTip(HIGHLIGHT_TIP)
        if ids is None:
            self.display.update(highlight=(), highlight_filter=text.strip())
        else:
            self.set_highlight(ids)

    def _highlight_error(self, message: str) -> None:
        self.highlight_edit.setStyleSheet("color: #c00000")
        self.highlight_edit.setToolTip(f"Not highlighted: {message}")

    def _choose_highlight_color(self):
        color = QtWidgets.QColorDialog.getColor(QtGui.QColor(self.display.highlight_color),
                                                self, "Highlight colour")
        if color.isValid():
            self.display.update(highlight_color=color.name())

    def _update_overlays(self, tel, tel_result) -> None:
        """The highlighted pixels and the moments label of the current telescope."""
        d = self.display
        if self.highlight_item is not None:
            n = self._geometry.n_pixels
            if d.highlight_filter:
                desc = self.session.source.subarray.tels[tel]
                event = self.session.array_event
                pixels = filtered_pixels(d.highlight_filter, self._geometry,
                                         desc.optics.focal_length, event.tel.get(tel),
                                         tel_result).tolist()
            else:
                pixels = [p for p in d.highlight if 0 <= p < n]
            pen = pg.mkPen(d.highlight_color, width=3, cosmetic=True)
            self.highlight_item.set_pixels(pixels, pen=pen)
        params = tel_result.parameters if tel_result is not None else None
        v = hillas_values(params, d.axes) if params and d.show_moments else None
        if v is None or not all(math.isfinite(v[k]) for k in
                                ("cog_x", "cog_y", "length", "width", "psi")):
            self.moments_label.hide()
            return
        x, y, rotation = label_placement(v, 1.0)
        # on a light band that turns with the text (legible over dark pixels)
        lines = moments_text(params, d.axes).split("\n")
        self.moments_label.setHtml(
            '<span style="color: #c81e1e; background-color: rgba(255, 255, 255, 190)">'
            + "<br>".join(html.escape(line) for line in lines) + "</span>")
        self.moments_label.setAngle(rotation)
        self.moments_label.setPos(x, y)
        self.moments_label.show()

    def refresh(self):
        self._sync_controls()
        s = self.session
        tel = s.selected_tel
        if s.array_event is None or tel is None:
            self._blank()  # nothing of an event before (or of another file) stays
            return
        item = self._ensure_item(tel)
        desc = s.source.subarray.tels[tel]
        unit = UNITS[self.display.quantity]
        name = f"{self.display.quantity} ({unit})" if unit else self.display.quantity
        if is_per_gain(self.display.quantity):
            name = f"{name}, {self.display.gain} gain"
        mode = self.shown_mode
        out = camera_colors(s, self.display, tel) if mode == "A" else None
        self.compared = None
        if mode != "A":
            self._draw_compared(item, tel, desc, mode, name)
        elif out is None:
            item.set_colors(item._values * 0, blank_index(item.geometry.n_pixels),
                            self.display.cmap)
            self.title.setText(f"Tel {tel} · {desc.type_name} · {name}: not available")
            self._show_colorbar(None)
        else:
            values, index, lo, hi = out
            item.set_colors(values, index, self.display.cmap)
            if self.display.quantity in TWO_STATES:  # two states, not a scale
                args = ("states", state_legend(self.display.quantity), self.display.cmap, name)
            else:
                args = ("range", lo, hi, self.display.scale, self.display.cmap, name)
            self._show_colorbar(args)
            shown_a = self.comparing and self.display.quantity in COMPARED_QUANTITIES
            self.title.setText(f"Tel {tel} · {desc.type_name}" + (" · A" if shown_a else ""))
        item.set_status(pixel_status(s, tel), status_note(s, self.display))
        # B's image parameters over B's values; A's otherwise (also under B − A)
        tr = self.comparison.tel_result_b(tel) if mode == "B" else s.tel_result(tel)
        item.set_hillas(tr.parameters if (tr is not None and self.display.show_hillas) else None)
        self._update_caption(tel, mode)
        muons = getattr(s.result, "muon", None) or {}
        self.muon_item.set_ring(muons.get(tel), desc.optics.focal_length)
        item.set_selected(s.selected_pixels)
        item.set_pixel_ids(self.display.show_pixel_ids)
        self._update_overlays(tel, tr)
        self._update_gradient(tel, tr)

    # ---------------------------------------------------------------- comparison
    @property
    def comparing(self) -> bool:
        return self.comparison is not None and self.comparison.active

    @property
    def shown_mode(self) -> str:
        """What the pixels show: "A" (the session's result, as without a comparison), "B"
        or "B − A" (chosen while comparing, for the compared quantities)."""
        if not self.comparing or self.display.quantity not in COMPARED_QUANTITIES:
            return "A"
        return self.compare_mode

    def set_compare_mode(self, mode: str) -> None:
        """Show A, B or B − A of the compared quantities (while comparing)."""
        if mode not in MODES:
            raise ValueError(f"compare mode {mode!r}: one of {MODES}")
        self.compare_mode = mode
        if self.compare_box.currentText() != mode:
            self.compare_box.blockSignals(True)
            self.compare_box.setCurrentText(mode)
            self.compare_box.blockSignals(False)
        self.refresh()

    def _draw_compared(self, item, tel, desc, mode, name) -> None:
        """B's values or B − A on the camera, with their colour bar or legend."""
        out = compared_colors(self.session, self.comparison, self.display, tel, mode, name)
        self.compared = out
        if out is None:
            item.set_colors(item._values * 0, blank_index(item.geometry.n_pixels),
                            self.display.cmap)
            waiting = "being processed" if self.comparison.pending else "not available"
            self.title.setText(f"Tel {tel} · {desc.type_name} · {mode}: {name}: {waiting}")
            self._show_colorbar(None)
            return
        item.set_colors(out.values, out.index, out.cmap)
        if out.states is not None:
            args = ("states", out.states, out.cmap, out.label)
        else:
            args = ("range", out.lo, out.hi, "linear" if mode != "B" else self.display.scale,
                    out.cmap, out.label)
        self._show_colorbar(args)
        self.title.setText(f"Tel {tel} · {desc.type_name} · {mode}")

    def _show_colorbar(self, args) -> None:
        """The colour bar of what the camera shows: ``args`` ("range", lo, hi, scale, cmap,
        label) or ("states", states, cmap, label); None hides it (no colours are shown)."""
        self.colorbar.setVisible(args is not None)
        if args is None or args == self._colorbar_args:  # its axis repaints on a change only
            return
        if args[0] == "states":
            self.colorbar.set_states(*args[1:])
        else:
            self.colorbar.set_range(*args[1:])
        self._colorbar_args = args

    def _update_caption(self, tel, mode) -> None:
        if not self.comparing:
            return
        quantity = self.display.quantity
        detail = ""
        if mode == "B − A" and self.compared is not None:
            counts = None
            if quantity == "cleaning mask":
                counts = mask_counts(self.session.tel_result(tel),
                                     self.comparison.tel_result_b(tel))
            detail = difference_summary(quantity, self.compared.values, counts)
        self.compare_caption.setText(caption(
            self.comparison, mode if quantity in COMPARED_QUANTITIES else "A", quantity,
            detail))

    def _update_gradient(self, tel, tel_result) -> None:
        shown = self.display.show_time_gradient
        self.gradient_plot.setVisible(shown)
        if not shown:
            return
        desc = self.session.source.subarray.tels[tel]
        self.gradient_plot.set_gradient(
            time_gradient(desc.camera.geometry, desc.optics.focal_length, tel_result),
            f"Tel {tel}")

    def _update_selection(self):
        if self.item is not None:
            self.item.set_selected(self.session.selected_pixels)

    def _sync_controls(self):
        d = self.display
        for box, value in ((self.quantity_box, d.quantity), (self.cmap_box, d.cmap),
                           (self.scale_box, d.scale), (self.limit_box, d.limit_mode),
                           (self.gain_box, d.gain), (self.axes_box, d.axes)):
            if box.currentText() != value:
                box.blockSignals(True)
                box.setCurrentText(value)
                box.blockSignals(False)
        # (not when the controls are hidden, e.g. by render's only_graphics)
        for box, value in ((self.hillas_box, d.show_hillas), (self.ids_box, d.show_pixel_ids),
                           (self.moments_box, d.show_moments),
                           (self.gradient_box, d.show_time_gradient)):
            if box.isChecked() != value:
                box.blockSignals(True)
                box.setChecked(value)
                box.blockSignals(False)
        if not self.highlight_edit.hasFocus():
            shown = d.highlight_filter or id_ranges(d.highlight)
            try:
                same = parse_pixel_ids(self.highlight_edit.text()) == tuple(d.highlight)
            except ValueError:
                same = False
            if self.highlight_edit.text().strip() != shown and not (
                    same and not d.highlight_filter):
                self.highlight_edit.setText(shown)
                self.highlight_edit.setStyleSheet("")
                self.highlight_edit.setToolTip(HIGHLIGHT_TIP)
        style = f"background-color: {d.highlight_color}; min-width: 1.5em"
        if self.highlight_color_button.styleSheet() != style:  # (restyling is not free)
            self.highlight_color_button.setStyleSheet(style)
        comparing = self.comparing
        for w in (self.compare_label, self.compare_box, self.compare_caption):
            if w.isVisibleTo(self) != comparing:
                w.setVisible(comparing)
        per_gain = is_per_gain(d.quantity) and not self.quantity_box.isHidden()
        self.gain_box.setVisible(per_gain)
        self.gain_label.setVisible(per_gain)
        mode = d.limit_mode
        self.percentile.setVisible(mode == "percentile")
        self.fixed_lo.setVisible(mode == "fixed")
        self.fixed_hi.setVisible(mode == "fixed")
        ev = self.session.array_event
        tel = self.session.selected_tel
        n = ev.tel[tel].n_samples if (ev is not None and tel in ev.tel) else 0
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setEnabled(n > 0)
        self.play_button.setEnabled(n > 0)
        self.sample_label.setText(f"{d.sample} / {max(n - 1, 0)}")

    def _sample_changed(self, sample):
        if self.slider.value() != sample:
            self.slider.setValue(sample)
        if self.display.quantity == "waveform sample":
            self.refresh()
        else:
            self._sync_controls()

    def _pixel_clicked(self, pixel, modifiers):
        add = bool(modifiers & (QtCore.Qt.ShiftModifier | QtCore.Qt.ControlModifier))
        self.session.select_pixels([pixel], add=add)

    # ---------------------------------------------------------------- animation
    def _play(self, on):
        if on:
            self.display.update(quantity="waveform sample")
            self._timer.start()
            self.play_button.setText("■ Stop")
        else:
            self._timer.stop()
            self.play_button.setText("▶ Play")

    def _advance(self):
        n = self.slider.maximum() + 1
        self.display.set_sample((self.display.sample + 1) % max(n, 1))
