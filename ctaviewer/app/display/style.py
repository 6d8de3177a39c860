"""What a script hands a display, turned into what the app's items draw: colour maps (names
of pyqtgraph's or matplotlib's maps, or map objects), normalisations ("lin", "log", "symlog"
or an object such as matplotlib's ``Normalize``), colours and line styles given the way
matplotlib takes them. Bad values raise ``DisplayError`` naming them."""

from __future__ import annotations

import hashlib

import numpy as np

from ...errors import DisplayError
from .. import colors
from ..qt import QtCore, QtGui, pg

#: norm names -> the colour scales of ``app.colors`` (the window's)
NORMS = {"lin": "linear", "linear": "linear", "log": "log", "symlog": "symlog"}
N = colors.N_COLORS


def _pyqtgraph_maps() -> set[str]:
    try:
        return set(pg.colormap.listMaps())
    except Exception:  # pyqtgraph without its map files
        return set()


def _register_table(prefix: str, table: np.ndarray) -> str:
    table = np.ascontiguousarray(table, dtype=np.uint8)
    digest = hashlib.sha1(table.tobytes()).hexdigest()[:12]
    return colors.register(f"{prefix}#{digest}", table)


def _table_of(cmap) -> np.ndarray:
    """(N, 4) uint8 RGBA of a matplotlib colormap object or a pyqtgraph ColorMap."""
    if isinstance(cmap, pg.ColorMap):
        return cmap.getLookupTable(nPts=N, alpha=True)
    rgba = np.asarray(cmap(np.linspace(0.0, 1.0, N)), dtype=np.float64)
    if rgba.shape != (N, 4):
        raise DisplayError(f"colour map {cmap!r}: calling it on {N} values gave an array of "
                           f"shape {rgba.shape}, not ({N}, 4) RGBA")
    return np.round(np.clip(rgba, 0.0, 1.0) * 255).astype(np.uint8)


def colormap_key(cmap) -> str:
    """The name under which ``app.colors`` knows ``cmap``: one of pyqtgraph's maps by name
    ("viridis", "inferno", "CET-L1"), one of matplotlib's by name ("hot", "RdBu_r"; when
    matplotlib is installed), a matplotlib ``Colormap`` or a pyqtgraph ``ColorMap``."""
    if isinstance(cmap, str):
        if cmap in _pyqtgraph_maps():
            return cmap
        try:
            import matplotlib
        except ImportError:
            matplotlib = None
        if matplotlib is not None:
            try:
                mpl_map = matplotlib.colormaps[cmap]
            except KeyError:
                mpl_map = None
            if mpl_map is not None:
                return _register_table(f"matplotlib:{cmap}", _table_of(mpl_map))
        known = sorted(_pyqtgraph_maps() - {m for m in _pyqtgraph_maps() if m.startswith("CET")})
        raise DisplayError(
            f"unknown colour map {cmap!r}: give one of pyqtgraph's ({', '.join(known)}, "
            "CET-...)" + (", or of matplotlib's" if matplotlib is not None else
                          "; matplotlib's names need matplotlib installed"))
    if isinstance(cmap, pg.ColorMap) or callable(cmap):
        name = getattr(cmap, "name", type(cmap).__name__)
        return _register_table(f"map:{name}", _table_of(cmap))
    raise DisplayError(f"colour map {cmap!r}: give a name, a matplotlib Colormap or a "
                       "pyqtgraph ColorMap")


def check_norm(norm):
    """The scale name ("linear", "log", "symlog") of a norm name, or the normalisation object
    itself: anything called on values that returns them mapped to [0, 1] (matplotlib's
    ``Normalize``, ``LogNorm``, ``PowerNorm``, ...), with ``vmin`` and ``vmax``."""
    if isinstance(norm, str):
        if norm in NORMS:
            return NORMS[norm]
        raise DisplayError(f"unknown norm {norm!r}: give 'lin', 'log', 'symlog' or a "
                           "normalisation object (e.g. matplotlib.colors.PowerNorm)")
    if callable(norm) and hasattr(norm, "vmin") and hasattr(norm, "vmax"):
        return norm
    raise DisplayError(f"norm {norm!r}: give 'lin', 'log', 'symlog' or a normalisation "
                       "object: callable on values, returning them in [0, 1], with vmin and "
                       "vmax (as matplotlib's Normalize)")


def norm_index(norm, values: np.ndarray) -> np.ndarray:
    """LUT index per value through a normalisation object (N for invalid values)."""
    t = norm(np.ma.masked_invalid(values))
    t = np.ma.filled(np.ma.asarray(t, dtype=np.float64), np.nan)
    if np.shape(t) != np.shape(values):
        raise DisplayError(f"norm {norm!r} returned shape {np.shape(t)} for "
                           f"{np.shape(values)} values")
    with np.errstate(invalid="ignore"):
        idx = np.clip(np.nan_to_num(np.floor(t * N), nan=-1.0), 0, N - 1).astype(np.int32)
    idx[~np.isfinite(t)] = N
    return idx


def norm_bar_key(cmap_key: str, norm) -> str:
    """A colour map that, drawn linearly from ``norm.vmin`` to ``norm.vmax``, shows the
    colours ``norm`` gives those values: the colour bar of a display with a norm object."""
    lo, hi = float(norm.vmin), float(norm.vmax)
    centres = lo + (np.arange(N) + 0.5) / N * (hi - lo)
    idx = norm_index(norm, centres)
    table = colors.lut(cmap_key)
    out = table[np.minimum(idx, N - 1)]
    return _register_table(f"{cmap_key}|norm", out)


_LETTERS = {"b": (31, 119, 180), "g": (0, 128, 0), "r": (255, 0, 0), "c": (0, 191, 191),
            "m": (191, 0, 191), "y": (191, 191, 0), "k": (0, 0, 0), "w": (255, 255, 255)}


def qcolor(color, alpha: float | None = None) -> QtGui.QColor:
    """A QColor of a colour given as matplotlib takes it: a letter ("g"), a name ("red",
    "tab:blue"), "#rrggbb", or an RGB(A) tuple of floats in [0, 1] or ints to 255."""
    out = None
    if isinstance(color, QtGui.QColor):
        out = QtGui.QColor(color)
    elif isinstance(color, str):
        if color in _LETTERS:
            out = QtGui.QColor(*_LETTERS[color])
        elif QtGui.QColor.isValidColorName(color):
            out = QtGui.QColor(color)
        else:
            try:
                from matplotlib.colors import to_rgba

                out = QtGui.QColor.fromRgbF(*to_rgba(color))
            except (ImportError, ValueError):
                out = None
    elif isinstance(color, (tuple, list, np.ndarray)) and len(color) in (3, 4):
        c = [float(v) for v in color]
        out = (QtGui.QColor.fromRgbF(*np.clip(c, 0, 1)) if max(c) <= 1.0
               else QtGui.QColor(*[int(v) for v in c]))
    if out is None or not out.isValid():
        raise DisplayError(f"colour {color!r}: give a name ('red', 'g', 'tab:blue'), "
                           "'#rrggbb' or an RGB tuple")
    if alpha is not None:
        out.setAlphaF(float(np.clip(alpha, 0.0, 1.0)))
    return out


_STYLES = {"-": QtCore.Qt.SolidLine, "solid": QtCore.Qt.SolidLine,
           "--": QtCore.Qt.DashLine, "dashed": QtCore.Qt.DashLine,
           ":": QtCore.Qt.DotLine, "dotted": QtCore.Qt.DotLine,
           "-.": QtCore.Qt.DashDotLine, "dashdot": QtCore.Qt.DashDotLine}


def pen_of(kwargs: dict, color="r", linewidth: float = 1.5) -> QtGui.QPen:
    """A cosmetic pen from matplotlib-style keywords: color/edgecolor/ec/c, linewidth/lw,
    linestyle/ls, alpha. Keywords it does not know raise ``DisplayError``."""
    kw = dict(kwargs)
    for key in ("color", "edgecolor", "ec", "c"):
        if key in kw:
            color = kw.pop(key)
    for key in ("linewidth", "lw"):
        if key in kw:
            linewidth = float(kw.pop(key))
    style = "-"
    for key in ("linestyle", "ls"):
        if key in kw:
            style = kw.pop(key)
    alpha = kw.pop("alpha", None)
    kw.pop("fill", None)
    if kw:
        raise DisplayError(f"unknown style keyword(s) {', '.join(sorted(kw))}: this display "
                           "takes color, linewidth (lw), linestyle (ls) and alpha")
    if style not in _STYLES:
        raise DisplayError(f"line style {style!r}: give one of {', '.join(_STYLES)}")
    pen = QtGui.QPen(qcolor(color, alpha))
    pen.setWidthF(linewidth)
    pen.setCosmetic(True)
    pen.setStyle(_STYLES[style])
    return pen
