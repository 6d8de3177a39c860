"""``ArrayDisplay``: ctapipe's top view of a telescope array for scripts and notebooks —
telescopes on the ground (x north, y west, m) as circles sized by their mirrors, coloured by
type or by a value per telescope (``values``), vectors (``set_vector_uv``,
``set_vector_rho_phi``, ``set_vector_hillas``), Hillas lines (``set_line_hillas``) and labels
(``add_labels``)."""

from __future__ import annotations

import math

import numpy as np

from ...errors import DisplayError
from .. import colors
from ..qt import QtCore, QtGui, pg
from ..views.plotting import cached_axes
from .figure import Figure
from .items import Segments
from .style import colormap_key, qcolor

#: matplotlib's default colour cycle (tab10), as ctapipe colours telescope types
TYPE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf")


def _metres(v) -> np.ndarray:
    if hasattr(v, "to_value"):
        return np.asarray(v.to_value("m"), dtype=np.float64)
    return np.asarray(v, dtype=np.float64)


def _radians(v) -> np.ndarray:
    """Angles as radians: astropy Angle/Quantity, or plain numbers in degrees."""
    if hasattr(v, "to_value"):
        return np.asarray(v.to_value("rad"), dtype=np.float64)
    return np.deg2rad(np.asarray(v, dtype=np.float64))


def _layout(subarray):
    """(tel_ids, (n, 2) ground x/y in m, type names, mirror areas in m²) of ours or of a
    ctapipe SubarrayDescription (duck-typed)."""
    tels = getattr(subarray, "tels", None)
    if not isinstance(tels, dict) or not tels:
        raise DisplayError(f"not a subarray: {type(subarray).__name__} has no telescopes "
                           "(give a ctaviewer or ctapipe SubarrayDescription)")
    if isinstance(getattr(subarray, "positions", None), np.ndarray):  # ours
        ids = [int(t) for t in subarray.tel_ids]
        xy = np.asarray(subarray.positions, dtype=np.float64)[:, :2]
    elif hasattr(subarray, "tel_coords"):  # ctapipe: tel_coords in its GroundFrame
        ids = [int(t) for t in tels]
        c = subarray.tel_coords.cartesian
        xy = np.stack([_metres(c.x), _metres(c.y)], axis=1)
    else:
        raise DisplayError(f"subarray {type(subarray).__name__}: no telescope positions "
                           "(positions or tel_coords)")
    types = [str(tels[t]) for t in ids]
    areas = np.array([float(_metres(getattr(tels[t].optics, "mirror_area", 100.0)))
                      for t in ids])
    return ids, xy, types, areas


class ArrayDisplay(Figure):
    """``ArrayDisplay(subarray, autoupdate=True, tel_scale=2.0, alpha=0.7, title=None,
    radius=None)``: ours or ctapipe's subarray; ``radius``: one value or one per telescope
    (m; default: sqrt(mirror area) × ``tel_scale``). ``cmap`` colours ``values``."""

    def __init__(self, subarray, axes=None, autoupdate=True, tel_scale=2.0, alpha=0.7,
                 title=None, radius=None, cmap="viridis", size=(640, 600)):
        if axes is not None:
            raise DisplayError("axes: this display draws with pyqtgraph in its own widget; "
                               "leave axes out")
        self.subarray = subarray
        self.tel_ids, self.positions, self.types, areas = _layout(subarray)
        super().__init__(size)
        self.autoupdate = autoupdate
        n = len(self.tel_ids)
        self.radii = (np.sqrt(areas) * float(tel_scale) if radius is None
                      else np.broadcast_to(np.asarray(radius, dtype=float), (n,)).copy())
        self.alpha = float(alpha)
        self._cmap_key = colormap_key(cmap)
        self._values = np.full(n, np.nan)
        unique = list(dict.fromkeys(self.types))
        self.type_colors = {t: qcolor(TYPE_COLORS[i % len(TYPE_COLORS)])
                            for i, t in enumerate(unique)}
        self.tel_colors = [self.type_colors[t] for t in self.types]

        self.axes = self.widget.addPlot(row=0, col=0, axisItems=cached_axes())
        self.axes.setAspectLocked(True)
        self.axes.hideButtons()
        self.axes.setLabel("bottom", "x (m, north)")
        self.axes.setLabel("left", "y (m, west)")
        self.axes.setTitle(getattr(subarray, "name", "") if title is None else title)
        self.add_radial_grid()
        self.telescopes = pg.ScatterPlotItem(pxMode=False)
        self.axes.addItem(self.telescopes)
        self.legend = self.axes.addLegend(offset=(10, 10))
        for t in unique:
            sample = pg.ScatterPlotItem(symbol="o", size=10, pen=None,
                                        brush=self._with_alpha(self.type_colors[t]))
            self.legend.addItem(sample, t)
        self.vectors = Segments()
        self.axes.addItem(self.vectors)
        self.lines = Segments()
        self.axes.addItem(self.lines)
        self._labels: list = []
        self._draw_telescopes()
        self.axes.getViewBox().autoRange(padding=0.05)

    def _with_alpha(self, color) -> QtGui.QColor:
        c = QtGui.QColor(color)
        c.setAlphaF(self.alpha)
        return c

    def _value_colors(self, values: np.ndarray) -> list[QtGui.QColor]:
        """``values`` through the colour map, linearly from their minimum to their maximum
        (grey where not finite)."""
        lo, hi = colors.limits(values, "min-max")
        table = colors.lut(self._cmap_key)
        return [QtGui.QColor(*map(int, table[k])) if k < colors.N_COLORS
                else QtGui.QColor(200, 200, 200)
                for k in colors.to_index(values, lo, hi, "linear")]

    def _draw_telescopes(self) -> None:
        v = self._values
        fills = self._value_colors(v) if np.any(np.isfinite(v)) else self.tel_colors
        brushes = [pg.mkBrush(self._with_alpha(c)) for c in fills]
        pens = [pg.mkPen(c, width=2) for c in self.tel_colors]
        self.telescopes.setData(x=self.positions[:, 0], y=self.positions[:, 1],
                                size=2 * self.radii, brush=brushes, pen=pens, symbol="o")

    # ---------------------------------------------------------------- values
    @property
    def values(self) -> np.ndarray:
        """One value per telescope (in ``tel_ids`` order), shown as the fill colour (NaN:
        grey); all NaN: colours by telescope type."""
        return self._values

    @values.setter
    def values(self, values) -> None:
        v = np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan)
        if v.shape != (len(self.tel_ids),):
            raise DisplayError(f"values has shape {v.shape}, but the subarray has "
                               f"{len(self.tel_ids)} telescopes")
        self._values = v
        self._draw_telescopes()
        self._update()

    # ---------------------------------------------------------------- vectors and lines
    def _pens(self, c, n: int) -> list:
        if c is None:
            colours = self.tel_colors
        elif isinstance(c, str) or (np.ndim(c) == 1 and len(c) in (3, 4)
                                    and not np.issubdtype(np.asarray(c).dtype, np.integer)
                                    and n not in (3, 4)):
            colours = [qcolor(c)] * n
        else:
            arr = np.asarray(c)
            if arr.shape[:1] != (n,):
                raise DisplayError(f"c: give one colour, or one value or colour per "
                                   f"telescope ({n}), not shape {arr.shape}")
            if arr.dtype.kind in "if" and arr.ndim == 1:  # values through the colour map
                colours = self._value_colors(arr)
            else:
                colours = [qcolor(x) for x in c]
        return [pg.mkPen(col, width=2) for col in colours]

    def set_vector_uv(self, uu, vv, c=None, **kwargs) -> None:
        """Arrows from each telescope: (``uu``, ``vv``) in m (arrays per telescope or one
        value for all); ``c``: a colour, or a colour or value per telescope."""
        n = len(self.tel_ids)
        u = np.broadcast_to(_metres(uu), (n,)).astype(float)
        v = np.broadcast_to(_metres(vv), (n,)).astype(float)
        self.vectors.set_segments(self.positions, self.positions + np.stack([u, v], axis=1),
                                  self._pens(kwargs.get("color", c), n), arrows=True)
        self._update()

    def set_vector_rho_phi(self, rho, phi, c=None, **kwargs) -> None:
        """Arrows of length ``rho`` (m) at angle ``phi`` (an astropy angle, or degrees)."""
        rho = _metres(rho)
        phi = _radians(phi)
        self.set_vector_uv(rho * np.cos(phi), rho * np.sin(phi), c=c, **kwargs)

    def set_vector_hillas(self, hillas_dict, core_dict, length, time_gradient,
                          angle_offset) -> None:
        """ctapipe's arrows of the Hillas direction on the ground: for each telescope of
        ``hillas_dict``, an arrow of ``length`` m at angle ``core_dict[tel_id]`` (psi on the
        ground) plus ``angle_offset`` (the array azimuth), turned by 180° when the time
        gradient is positive, left out when it is within ±0.01."""
        n = len(self.tel_ids)
        rho = np.zeros(n)
        phi = np.zeros(n)
        offset = float(np.rad2deg(_radians(angle_offset)))
        index = {t: i for i, t in enumerate(self.tel_ids)}
        for tel_id in hillas_dict:
            i = index[int(tel_id)]
            psi = float(np.rad2deg(_radians(getattr(core_dict[tel_id], "psi",
                                                    core_dict[tel_id]))))
            gradient = float(time_gradient[tel_id])
            rho[i] = float(_metres(length))
            if gradient > 0.01:
                phi[i] = psi + offset + 180.0
            elif gradient < -0.01:
                phi[i] = psi + offset
            else:
                rho[i] = 0.0
        self.set_vector_rho_phi(rho, phi)

    def set_line_hillas(self, hillas_dict, core_dict, range, **kwargs) -> None:  # noqa: A002
        """A segment through each telescope of ``hillas_dict`` along ``core_dict[tel_id]``
        (psi on the ground), ``range`` m on each side."""
        index = {t: i for i, t in enumerate(self.tel_ids)}
        start, end, pens = [], [], []
        reach = float(_metres(range))
        for tel_id in hillas_dict:
            i = index[int(tel_id)]
            psi = float(_radians(getattr(core_dict[tel_id], "psi", core_dict[tel_id])))
            d = reach * np.array([math.cos(psi), math.sin(psi)])
            start.append(self.positions[i] - d)
            end.append(self.positions[i] + d)
            pens.append(pg.mkPen(kwargs.get("color", self.tel_colors[i]), width=1.5))
        self.lines.set_segments(start, end, pens)
        self._update()

    # ---------------------------------------------------------------- labels and grid
    def add_labels(self) -> None:
        """The telescope ids under the telescopes."""
        self.remove_labels()
        for tel_id, (x, y), r in zip(self.tel_ids, self.positions, self.radii):
            label = pg.TextItem(str(tel_id), color=(0, 0, 0), anchor=(0.5, 0.0))
            label.setPos(float(x), float(y - 1.8 * r))
            self.axes.addItem(label, ignoreBounds=True)
            self._labels.append(label)
        self._update()

    @property
    def labels(self) -> list:
        """The label items ``add_labels`` added."""
        return list(self._labels)

    def remove_labels(self) -> None:
        while self._labels:
            self.axes.removeItem(self._labels.pop())

    def add_radial_grid(self, spacing=100.0) -> None:
        """Dotted rings every ``spacing`` m around the array centre."""
        step = float(_metres(spacing))
        if not step > 0:
            raise DisplayError(f"spacing {spacing!r}: must be positive")
        reach = float(np.max(np.hypot(*self.positions.T))) if len(self.positions) else step
        n = int(min(max(1, math.ceil(reach / step)), 100))
        t = np.linspace(0, 2 * np.pi, 181)
        pen = pg.mkPen((200, 200, 200), width=1, style=QtCore.Qt.DotLine)
        for k in range(1, n + 1):
            ring = pg.PlotCurveItem(k * step * np.cos(t), k * step * np.sin(t), pen=pen)
            self.axes.addItem(ring, ignoreBounds=True)
