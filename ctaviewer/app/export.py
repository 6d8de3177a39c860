"""Export a view of the window as PNG (raster), SVG or PDF (vectors).

The window's exports are drawn by the renderer's own code (``render.write_widget``): the
same painting as ``ctaviewer render`` (scatter symbols as paths, clipping that SVG viewers
honour, cosmetic strokes kept thin), of the view's plot only — a view's controls (combo
boxes, sliders, buttons) are not part of the picture.
"""

from __future__ import annotations

from ..errors import CtaviewerError
from .render import FORMATS, write_widget

#: the file dialog's choices
EXPORT_FILTER = "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"


def exported_part(widget):
    """What of ``widget`` an export shows: its plot (``graphics``) where it has controls
    around it, else the widget itself (the array and sky views keep their legend)."""
    part = getattr(widget, "graphics", None)
    return part if part is not None else widget


def export_widget(widget, path: str) -> str:
    """Write ``widget`` (its plot, see ``exported_part``) to ``path``; the format follows
    the extension (.png, .svg or .pdf). Raises ValueError for another extension and OSError
    when the file cannot be written."""
    if not str(path).lower().endswith(tuple(FORMATS)):
        raise ValueError(f"{path}: export as .png, .svg or .pdf")
    part = exported_part(widget)
    try:
        return write_widget(part, str(path), scale=part.devicePixelRatioF())
    except CtaviewerError as exc:
        raise OSError(str(exc)) from None
