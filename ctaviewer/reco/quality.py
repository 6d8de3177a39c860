"""The quality query on image parameters, e.g. ``"hillas_intensity > 50 and hillas_width > 0"``.

It is an expression of :mod:`ctaviewer.expressions` (the language the event-list filter uses
too) over the image parameter names: checked when made, never handed to ``eval``. A
comparison with NaN is False, so undefined parameters fail.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..expressions import Expression


class QualityQuery(Expression):
    """A checked query; call it with a parameter dict, get True/False. A bad query raises
    ``ExpressionError`` (a ``ConfigError`` whose ``field`` is ``field``)."""

    def __init__(self, text: str, names: Iterable[str], field: str = "quality.query"):
        super().__init__(text, names, what="parameter", field=field)

    def __repr__(self) -> str:
        return f"QualityQuery({self.text!r})"
