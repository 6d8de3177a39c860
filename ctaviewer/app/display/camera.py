"""``CameraDisplay``: ctapipe's camera display for scripts and notebooks, drawn by the window's
camera item (``views.camera_item.CameraItem``) with the window's colour scales.

The interface is ctapipe's (``ctapipe.visualization.CameraDisplay``): ``image``, ``cmap``,
``norm``, ``autoscale``, ``autoupdate``, ``add_colorbar``, ``add_ellipse``,
``overlay_moments``, ``highlight_pixels``, ``enable_pixel_picker`` with ``on_pixel_clicked``
to override, ``set_limits_minmax``, ``set_limits_percent``, ``clear_overlays``, ``update``,
``show``; plus ``savefig`` and inline PNG in Jupyter.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import DisplayError
from ...instrument.camera_library import coerce_geometry
from .. import colors
from ..qt import QtCore, QtGui, QtWidgets, pg
from ..views.camera_item import CameraItem
from ..views.colorbar import ColorBar
from ..views.plotting import cached_axes
from .figure import Figure
from .items import PixelOutlines, Segments
from .style import check_norm, colormap_key, norm_bar_key, norm_index, pen_of, qcolor

#: axis names of the frames a geometry can be in (by the unit of its coordinates)
_FRAMES = {"m": ("CameraFrame", "x", "y"), "deg": ("TelescopeFrame", "fov_lon", "fov_lat")}


def _number(v, unit: str | None = None) -> float:
    if hasattr(v, "to_value"):
        try:
            return float(v.to_value(unit) if unit else v.value)
        except Exception as exc:  # astropy's UnitConversionError
            raise DisplayError(f"Hillas parameters: {v!r} is not in {unit} (the geometry's "
                               "frame): give camera-frame parameters for a geometry in m, "
                               "telescope-frame ones for a geometry in deg") from exc
    return float(v)


def hillas_values(hillas, unit: str) -> dict:
    """cog_x, cog_y, length, width (in ``unit``), psi and psi_uncertainty (deg) of Hillas
    parameters: a ctaviewer parameters dict (``TelescopeResult.parameters``: its
    ``camera_frame_hillas_*`` values for a geometry in m, ``hillas_fov_*`` for one in deg)
    or a ctapipe (Camera)HillasParametersContainer (duck-typed: ``x``/``y`` or
    ``fov_lon``/``fov_lat``, ``length``, ``width``, ``psi``, quantities or numbers)."""
    if isinstance(hillas, dict):
        if unit == "m":
            keys = ("camera_frame_hillas_x", "camera_frame_hillas_y",
                    "camera_frame_hillas_length", "camera_frame_hillas_width",
                    "camera_frame_hillas_psi")
        else:
            keys = ("hillas_fov_lon", "hillas_fov_lat", "hillas_length", "hillas_width",
                    "hillas_psi")
        missing = [k for k in keys if k not in hillas]
        if missing:
            raise DisplayError(f"Hillas parameters: no {', '.join(missing)} in the dict")
        x, y, length, width, psi = (float(hillas[k]) for k in keys)
        psi_u = float(hillas.get("hillas_psi_uncertainty", math.nan))
        intensity = float(hillas.get("hillas_intensity", math.nan))
    else:
        if hasattr(hillas, "x") and hasattr(hillas, "y"):
            x, y = _number(hillas.x, unit), _number(hillas.y, unit)
        elif hasattr(hillas, "fov_lon") and hasattr(hillas, "fov_lat"):
            x, y = _number(hillas.fov_lon, unit), _number(hillas.fov_lat, unit)
        else:
            raise DisplayError(f"Hillas parameters: {type(hillas).__name__} has neither x/y "
                               "nor fov_lon/fov_lat (give a parameters dict or a ctapipe "
                               "HillasParametersContainer)")
        try:
            length, width = _number(hillas.length, unit), _number(hillas.width, unit)
            psi = _number(hillas.psi, "deg")
        except AttributeError as exc:
            raise DisplayError(f"Hillas parameters: {exc}") from None
        psi_u = getattr(hillas, "psi_uncertainty", math.nan)
        psi_u = _number(psi_u, "deg") if psi_u is not None else math.nan
        intensity = float(getattr(hillas, "intensity", math.nan))
    return {"cog_x": x, "cog_y": y, "length": length, "width": width, "psi": psi,
            "psi_uncertainty": psi_u, "intensity": intensity}


def label_placement(v: dict, n_sigma: float) -> tuple[float, float, float]:
    """(x, y, rotation in deg) of the overlay_moments label: just outside the ellipse, turned
    as little as possible (ctapipe's rule)."""
    psi_deg = (v["psi"] + 180.0) % 360.0 - 180.0
    psi_rad = math.radians(psi_deg)
    if psi_deg < -135:
        psi_deg += 180
        psi_rad += math.pi
    elif psi_deg > 135:
        psi_deg -= 180
        psi_rad -= math.pi
    x, y = v["cog_x"], v["cog_y"]
    if -45 < psi_deg <= 45:
        r = 1.2 * n_sigma * v["width"]
        return (x + r * math.cos(psi_rad + 0.5 * math.pi),
                y + r * math.sin(psi_rad + 0.5 * math.pi), psi_deg)
    r = 1.2 * n_sigma * v["length"]
    if 45 < psi_deg <= 135:
        return x + r * math.cos(psi_rad), y + r * math.sin(psi_rad), psi_deg - 90
    return x - r * math.cos(psi_rad), y - r * math.sin(psi_rad), psi_deg + 90


class Ellipse(QtWidgets.QGraphicsEllipseItem):
    """An ellipse over the camera: ``centroid``, full ``length`` and ``width`` (the axes, in
    the geometry's unit) and ``angle`` (rad, from the x axis, anticlockwise), as given."""

    def __init__(self, centroid, length: float, width: float, angle: float, pen):
        super().__init__(-length / 2.0, -width / 2.0, length, width)
        self.centroid = (float(centroid[0]), float(centroid[1]))
        self.length, self.width, self.angle = float(length), float(width), float(angle)
        self.setPos(*self.centroid)
        self.setRotation(math.degrees(self.angle))
        self.setPen(pen)
        self.setBrush(QtGui.QBrush(QtCore.Qt.NoBrush))

    def vertices(self) -> np.ndarray:
        """The ends of the major and minor axes, (4, 2), in data coordinates."""
        h, w = self.length / 2.0, self.width / 2.0
        pts = [QtCore.QPointF(h, 0), QtCore.QPointF(-h, 0), QtCore.QPointF(0, w),
               QtCore.QPointF(0, -w)]
        return np.array([[q.x(), q.y()] for q in map(self.mapToParent, pts)])


class CameraDisplay(Figure):
    """One camera image: ``CameraDisplay(geometry, image=None, cmap="inferno", norm="lin",
    autoscale=True, title=None, allow_pick=False, autoupdate=True, show_frame=True)``.

    ``geometry``: ours (``ctaviewer.instrument.CameraGeometry``, e.g.
    ``CameraGeometry.from_name("NectarCam")``) or ctapipe's (its camera rotation is taken
    out, as ctapipe's display does). ``size``: the widget's size in pixels. ``ax``: a
    pyqtgraph ``PlotItem`` to draw in (a matplotlib Axes cannot hold this display).
    """

    def __init__(self, geometry, image=None, cmap="inferno", norm="lin", autoscale=True,
                 title=None, allow_pick=False, autoupdate=True, show_frame=True, ax=None,
                 size=(640, 540)):
        self.geom, self.unit = coerce_geometry(geometry)
        if ax is not None and not isinstance(ax, pg.PlotItem):
            raise DisplayError(f"ax: a {type(ax).__name__} cannot hold this display (it draws "
                               "with pyqtgraph): leave ax out, or give a pyqtgraph PlotItem")
        super().__init__(size)
        self.autoupdate = autoupdate
        self.autoscale = bool(autoscale)
        self._scale_or_norm = check_norm(norm)
        self._norm_given = norm
        self._cmap = cmap
        self._cmap_key = colormap_key(cmap)
        self._limits: tuple[float, float] | None = None
        self._bar_label = ""
        self._bar_args = None
        self._overlays: list = []
        self._picker = False
        self.colorbar: ColorBar | None = None

        if ax is None:
            self.axes = self.widget.addPlot(row=0, col=0, axisItems=cached_axes())
        else:
            self.axes = ax
            view = ax.getViewWidget()
            if view is not None:
                self.widget = view
        self.axes.setAspectLocked(True)
        self.axes.hideButtons()
        frame, xname, yname = _FRAMES.get(self.unit, ("Unknown Frame", "X", "Y"))
        self.axes.setLabel("bottom", f"{xname} ({self.unit})")
        self.axes.setLabel("left", f"{yname} ({self.unit})")
        for side in ("bottom", "left"):
            self.axes.getAxis(side).enableAutoSIPrefix(False)
        self.axes.setTitle(self.geom.name if title is None else title)
        self.frame_label = None
        if show_frame and ax is None:
            self.frame_label = pg.LabelItem(frame, color=(128, 128, 128), size="8pt",
                                            justify="right")
            self.widget.addItem(self.frame_label, row=1, col=0)

        self.pixels = CameraItem(self.geom)
        self.axes.addItem(self.pixels)
        self.highlight = PixelOutlines(self.geom)
        self.axes.addItem(self.highlight, ignoreBounds=True)
        self.active_pixel = PixelOutlines(self.geom)
        self.active_pixel.set_pixels([], pen=pg.mkPen((255, 0, 0), width=2, cosmetic=True),
                                     brush=QtGui.QBrush(QtGui.QColor(255, 0, 0, 128)))
        self.axes.addItem(self.active_pixel, ignoreBounds=True)
        self.active_pixel_label = pg.TextItem("", color=(0, 0, 0), anchor=(0.5, 0.5))
        self.active_pixel_label.hide()
        self.axes.addItem(self.active_pixel_label, ignoreBounds=True)
        self.axes.getViewBox().autoRange(padding=0.02)

        self._image = np.zeros(self.geom.n_pixels)
        if allow_pick:
            self.enable_pixel_picker()
        self.image = self._image if image is None else image

    # ---------------------------------------------------------------- image and colours
    @property
    def image(self) -> np.ndarray:
        """The values shown, one per pixel (a copy of what was set; NaN for masked)."""
        return self._image

    @image.setter
    def image(self, image) -> None:
        a = np.ma.asarray(image)
        if a.dtype.kind not in "biuf":
            raise DisplayError(f"image of dtype {a.dtype}: give numbers, one per pixel")
        values = np.ma.filled(a.astype(np.float64), np.nan)
        if values.shape != (self.geom.n_pixels,):
            raise DisplayError(f"image has shape {values.shape}, but camera "
                               f"{self.geom.name!r} has {self.geom.n_pixels} pixels")
        self._image = values
        self._recolor()
        self._update()

    @property
    def norm(self):
        """'lin', 'log', 'symlog' (the window's colour scales), or the normalisation object
        given (e.g. matplotlib's ``PowerNorm(gamma=0.5)``). Setting it rescales the limits
        to the image."""
        return self._norm_given

    @norm.setter
    def norm(self, norm) -> None:
        self._scale_or_norm = check_norm(norm)
        self._norm_given = norm
        self._limits = None
        if not isinstance(self._scale_or_norm, str) and hasattr(self._scale_or_norm,
                                                                "autoscale"):
            self._scale_or_norm.autoscale(np.ma.masked_invalid(self._image))
        self._recolor()
        self._update()

    @property
    def cmap(self):
        """The colour map: a name of pyqtgraph's or matplotlib's maps, or a map object."""
        return self._cmap

    @cmap.setter
    def cmap(self, cmap) -> None:
        self._cmap_key = colormap_key(cmap)
        self._cmap = cmap
        self._recolor()
        self._update()

    @property
    def limits(self) -> tuple[float, float]:
        """The values at the two ends of the colour scale."""
        return self._color_range()[:2]

    def _data_limits(self) -> tuple[float, float]:
        if self._limits is None or self.autoscale:
            lo, hi = colors.limits(self._image, "min-max")
            if not self.autoscale:
                self._limits = (lo, hi)
            return lo, hi
        return self._limits

    def _color_range(self):
        """(lo, hi, index) of the current image: as the window's camera view maps values."""
        s = self._scale_or_norm
        if isinstance(s, str):
            lo, hi = self._data_limits()
            lo, hi = colors.color_range(self._image, lo, hi, s)
            return lo, hi, colors.to_index(self._image, lo, hi, s)
        if self.autoscale and hasattr(s, "autoscale"):
            s.autoscale(np.ma.masked_invalid(self._image))
        elif self._limits is not None:
            s.vmin, s.vmax = self._limits
        if s.vmin is None or s.vmax is None:
            s.vmin, s.vmax = colors.limits(self._image, "min-max")
        return float(s.vmin), float(s.vmax), norm_index(s, self._image)

    def _recolor(self) -> None:
        lo, hi, index = self._color_range()
        self.pixels.set_colors(self._image, index, self._cmap_key)
        self._lo_hi = (lo, hi)

    def colors_rgba(self) -> np.ndarray:
        """(n_pixels, 4) uint8 RGBA each pixel is filled with (light grey: no valid value)."""
        _, _, index = self._color_range()
        table = np.vstack([colors.lut(self._cmap_key),
                           np.array([[200, 200, 200, 255]], dtype=np.uint8)])
        return table[index]

    def set_limits_minmax(self, zmin, zmax) -> None:
        """Colours from ``zmin`` to ``zmax`` (turns ``autoscale`` off)."""
        lo, hi = float(zmin), float(zmax)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise DisplayError(f"colour limits ({zmin}, {zmax}) must be finite numbers")
        self.autoscale = False
        self._limits = (lo, hi)
        self._recolor()
        self._update()

    def set_limits_percent(self, percent=95) -> None:
        """Colours from the image's minimum to ``percent`` % of the way to its maximum
        (ctapipe's meaning; on a log norm, non-positive ends become 0.1)."""
        percent = float(percent)
        finite = self._image[np.isfinite(self._image)]
        if finite.size == 0:
            raise DisplayError("set_limits_percent: the image has no finite value")
        zmin, zmax = float(finite.min()), float(finite.max())
        if self._scale_or_norm == "log" or type(self._scale_or_norm).__name__ == "LogNorm":
            zmin = zmin if zmin > 0 else 0.1
            zmax = zmax if zmax > 0 else 0.1
        dz = zmax - zmin
        self.set_limits_minmax(zmin, zmax - (1.0 - percent / 100.0) * dz)

    # ---------------------------------------------------------------- colour bar
    def add_colorbar(self, label: str = "", **kwargs) -> ColorBar:
        """A colour bar right of the camera, its axis labelled ``label``."""
        if self.colorbar is not None:
            raise DisplayError("there is already a colour bar attached to this display")
        if kwargs:
            raise DisplayError(f"add_colorbar: unknown keyword(s) {', '.join(sorted(kwargs))}"
                               " (it takes label)")
        self._bar_label = str(label)
        self.colorbar = ColorBar()
        # in the plot's own grid, right of its right-axis column: beside the camera, in the
        # display's figure as in a PlotItem given as ``ax``
        self.axes.layout.addItem(self.colorbar, 2, 3)
        self._before_update()
        self._update()
        return self.colorbar

    def _before_update(self) -> None:
        if self.colorbar is None:
            return
        lo, hi = self._lo_hi
        s = self._scale_or_norm
        if isinstance(s, str):
            args = (lo, hi, s, self._cmap_key, self._bar_label)
        else:
            args = (lo, hi, "linear", norm_bar_key(self._cmap_key, s), self._bar_label)
        if args != self._bar_args:  # its axis is laid out again only when it changes
            self.colorbar.set_range(*args)
            self._bar_args = args

    # ---------------------------------------------------------------- overlays
    def highlight_pixels(self, pixels, color="g", linewidth=1, alpha=0.75) -> None:
        """Outline ``pixels`` (ids, or a boolean mask of every pixel) in ``color``;
        replaces the previous highlighting (an empty selection clears it)."""
        ids = self._pixel_ids(pixels)
        pen = QtGui.QPen(qcolor(color, alpha))
        pen.setWidthF(float(linewidth))
        pen.setCosmetic(True)
        self.highlight.set_pixels(ids, pen=pen)
        self._update()

    def _pixel_ids(self, pixels) -> list[int]:
        n = self.geom.n_pixels
        p = np.asarray(pixels)
        if p.dtype == bool:
            if p.shape != (n,):
                raise DisplayError(f"pixel mask has shape {p.shape}, but camera "
                                   f"{self.geom.name!r} has {n} pixels")
            return np.flatnonzero(p).tolist()
        p = p.reshape(-1)
        if p.size and p.dtype.kind not in "iu":
            raise DisplayError(f"pixels: give pixel ids (integers) or a boolean mask, not "
                               f"{p.dtype}")
        bad = p[(p < 0) | (p >= n)]
        if bad.size:
            raise DisplayError(f"pixel id {int(bad[0])} is outside camera {self.geom.name!r} "
                               f"(0 to {n - 1})")
        return p.astype(int).tolist()

    def add_ellipse(self, centroid, length, width, angle, asymmetry=0.0, **kwargs) -> Ellipse:
        """An ellipse at ``centroid`` with full axes ``length`` and ``width`` (the
        geometry's unit), ``angle`` in rad from the x axis (anticlockwise); style keywords:
        color, linewidth, linestyle, alpha. Returns the item (``clear_overlays`` removes
        it)."""
        values = [float(v) for v in (*centroid, length, width, angle)]
        if not all(map(math.isfinite, values)):
            raise DisplayError(f"ellipse: centroid {tuple(centroid)}, length {length}, width "
                               f"{width} and angle {angle} must be finite")
        item = Ellipse(values[:2], values[2], values[3], values[4],
                       pen_of(kwargs, color="r", linewidth=2))
        self.axes.addItem(item, ignoreBounds=True)
        self._overlays.append(item)
        self._update()
        return item

    def overlay_moments(self, hillas_parameters, with_label=True, keep_old=False, n_sigma=1,
                        psi_uncertainty=True, psi_uncertainty_length=3.0, **kwargs) -> Ellipse:
        """The Hillas ellipse (``n_sigma`` standard deviations), its psi-uncertainty wedges
        and a label with the centroid, width and length. ``hillas_parameters``: a
        ctaviewer parameters dict (``TelescopeResult.parameters``) or a ctapipe
        (Camera)HillasParametersContainer, in the geometry's frame."""
        if not keep_old:
            self.clear_overlays()
        v = hillas_values(hillas_parameters, self.unit)
        if not all(math.isfinite(v[k]) for k in ("cog_x", "cog_y", "length", "width", "psi")):
            raise DisplayError("Hillas parameters are not finite (an image that was not "
                               "parametrised?)")
        el = self.add_ellipse((v["cog_x"], v["cog_y"]), 2 * n_sigma * v["length"],
                              2 * n_sigma * v["width"], math.radians(v["psi"]), **kwargs)
        pen = el.pen()
        if psi_uncertainty and math.isfinite(v["psi_uncertainty"]):
            reach = psi_uncertainty_length * v["length"]
            start, end = [], []
            for sign in (-1, 1):
                a = math.radians(v["psi"] + sign * v["psi_uncertainty"])
                for direction in (-1, 1):
                    start.append((v["cog_x"], v["cog_y"]))
                    end.append((v["cog_x"] + direction * reach * math.cos(a),
                                v["cog_y"] + direction * reach * math.sin(a)))
            wedges = Segments()
            wedges.set_segments(start, end, [pen] * len(start))
            self.axes.addItem(wedges, ignoreBounds=True)
            self._overlays.append(wedges)
        if with_label:
            x, y, rotation = label_placement(v, n_sigma)
            u = "°" if self.unit == "deg" else f" {self.unit}"
            text = (f"({v['cog_x']:.2f}{u}, {v['cog_y']:.2f}{u})\n"
                    f"[w={v['width']:.2f}{u},l={v['length']:.2f}{u}]")
            label = pg.TextItem(text, color=pen.color(), anchor=(0.5, 1.0), angle=rotation)
            label.setPos(x, y)
            self.axes.addItem(label, ignoreBounds=True)
            self._overlays.append(label)
        self._update()
        return el

    @property
    def overlays(self) -> list:
        """The items ``add_ellipse`` and ``overlay_moments`` added (ellipses, wedges,
        labels), oldest first."""
        return list(self._overlays)

    def clear_overlays(self) -> None:
        """Remove the ellipses, wedges and labels added (``add_ellipse``,
        ``overlay_moments``)."""
        while self._overlays:
            self.axes.removeItem(self._overlays.pop())
        self._update()

    # ---------------------------------------------------------------- picking
    def enable_pixel_picker(self) -> None:
        """Clicking a pixel marks it and calls ``on_pixel_clicked(pix_id)``."""
        if not self._picker:
            self.pixels.sigPixelClicked.connect(lambda pix_id, _modifiers:
                                                self.pick_pixel(pix_id))
            self._picker = True

    def pick_pixel(self, pix_id: int) -> None:
        """What a click on pixel ``pix_id`` does: mark it (red, with its id) and call
        ``on_pixel_clicked`` (for scripts that pick without a mouse)."""
        pix_id = self._pixel_ids([pix_id])[0]
        self.active_pixel.set_pixels([pix_id])
        self.active_pixel_label.setText(f"{pix_id:03d}")
        self.active_pixel_label.setPos(float(self.geom.pix_x[pix_id]),
                                       float(self.geom.pix_y[pix_id]))
        self.active_pixel_label.show()
        self._update()
        self.on_pixel_clicked(pix_id)

    def on_pixel_clicked(self, pix_id: int) -> None:
        """Called with the id of a clicked pixel (``enable_pixel_picker``); override it."""
        print(f"Clicked pixel_id {pix_id}")
