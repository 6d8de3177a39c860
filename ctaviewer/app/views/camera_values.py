"""From session + display settings to what a camera item draws."""

from __future__ import annotations

import numpy as np

from .. import colors
from ..models.quantities import pixel_values


def camera_colors(session, display, tel_id: int):
    """(values, lut_index, lo, hi) for a telescope of the current event, or None."""
    event = session.array_event
    if event is None or tel_id not in event.tel:
        return None
    values = pixel_values(display.quantity, event.tel[tel_id], session.tel_result(tel_id),
                          display.sample)
    if values is None:
        return None
    if display.quantity == "cleaning mask":
        lo, hi = 0.0, 1.0
        scale = "linear"
    else:
        lo, hi = colors.limits(values, display.limit_mode, display.percentile, display.fixed)
        scale = display.scale
    return values, colors.to_index(values, lo, hi, scale), lo, hi


def blank_index(n: int) -> np.ndarray:
    return np.full(n, colors.N_COLORS, dtype=np.int32)
