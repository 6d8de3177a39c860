"""From session + display settings to what a camera item draws."""

from __future__ import annotations

import numpy as np

from ...calib.monitoring import MONITORING_QUANTITIES
from ...coords import camera_to_fov
from ...expressions import Expression
from .. import colors
from ..models.quantities import TWO_STATES, gain_threshold, has_readout, pixel_values


def camera_colors(session, display, tel_id: int):
    """(values, lut_index, lo, hi) for a telescope of the current event, or None; ``lo``,
    ``hi``: the values at the ends of the colour scale (what its colour bar spans)."""
    event = session.array_event
    if event is None or tel_id not in event.tel:
        return None
    if display.quantity in MONITORING_QUANTITIES and not has_readout(session.source):
        return None  # a DL1 file has no monitoring: "not available"
    threshold = gain_threshold(session)
    values = pixel_values(display.quantity, event.tel[tel_id], session.tel_result(tel_id),
                          display.sample, getattr(display, "gain", "high"), threshold)
    if values is None:
        return None
    if display.quantity in TWO_STATES:
        lo, hi = 0.0, 1.0
        scale = "linear"
    else:
        status = pixel_status(session, tel_id)
        # broken pixels are drawn in their own state: they do not set the colour range
        shown = values if status is None else np.where(status != 0, np.nan, values)
        lo, hi = colors.limits(shown, display.limit_mode, display.percentile, display.fixed)
        scale = display.scale
        lo, hi = colors.color_range(shown, lo, hi, scale)
    return values, colors.to_index(values, lo, hi, scale), lo, hi


def pixel_status(session, tel_id: int) -> np.ndarray | None:
    """The per-pixel status (PixelStatus bits) of a telescope of the current event, or None
    when all its pixels are good."""
    event = session.array_event
    data = event.tel.get(tel_id) if event is not None else None
    status = getattr(data, "pixel_status", None)
    return status if status is not None and np.any(status) else None


def status_note(session, display) -> dict:
    """What the shown value of a broken pixel is, per PixelStatus bit, for its tooltip."""
    from ...event import PixelStatus

    if display.quantity not in ("charge", "peak time"):
        return {}
    cfg = getattr(session, "config", None)
    handler = getattr(getattr(cfg, "calibration", None), "invalid_pixel_handler", None)
    if handler == "neighbor_average":
        disabled = f"{display.quantity}: mean of its good neighbours"
    else:
        disabled = f"{display.quantity}: as extracted (no interpolation)"
    unread = "charge 0: no signal" if display.quantity == "charge" else "no signal"
    unknown = "charge unknown (shown as 0)" if display.quantity == "charge" else "time unknown"
    return {
        PixelStatus.HV_DISABLED: disabled,
        PixelStatus.NO_READOUT: unread,
        PixelStatus.NO_CALIBRATION: unknown,
    }


def blank_index(n: int) -> np.ndarray:
    return np.full(n, colors.N_COLORS, dtype=np.int32)


def parse_pixel_ids(text: str, n_pixels: int | None = None) -> tuple[int, ...]:
    """Pixel ids from text such as ``"12, 40-44 97"`` (ids and inclusive ranges, separated by
    commas or spaces), sorted and without repeats; ValueError naming what is wrong (not a
    number, a range written backwards, an id outside a camera of ``n_pixels``)."""
    out: set[int] = set()
    for part in text.replace(",", " ").split():
        lo, sep, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise ValueError(f"{part!r} is not a pixel id or a range such as 40-44") from None
        if b < a:
            raise ValueError(f"range {part!r} is written backwards")
        if n_pixels is not None and (a < 0 or b >= n_pixels):
            raise ValueError(f"pixel {a if a < 0 else b} is outside the camera "
                             f"(0 to {n_pixels - 1})")
        out.update(range(a, b + 1))
    return tuple(sorted(out))


def time_gradient(geometry, focal_length_m: float, tel_result) -> dict | None:
    """The points and line of the timing fit of one image, as the processing computes them
    (``image.parameters``): each cleaned pixel with a finite peak time at its longitudinal
    coordinate along the Hillas major axis (telescope frame, deg from the centroid), and the
    fitted ``slope`` (ns/deg), ``intercept`` (ns at the centroid) and ``deviation`` (ns);
    None when the image has no Hillas axis."""
    if tel_result is None or not focal_length_m > 0:
        return None
    p = tel_result.parameters
    lon0, lat0, psi = (float(p.get(k, np.nan)) for k in
                       ("hillas_fov_lon", "hillas_fov_lat", "hillas_psi"))
    if not np.isfinite([lon0, lat0, psi]).all():
        return None
    t = np.asarray(tel_result.peak_time, dtype=np.float64)
    pixels = np.flatnonzero(np.asarray(tel_result.mask) & np.isfinite(t))
    lon, lat = camera_to_fov(geometry.pix_x[pixels], geometry.pix_y[pixels], focal_length_m)
    a = np.deg2rad(psi)
    return {
        "pixels": pixels,
        "longitudinal": (lon - lon0) * np.cos(a) + (lat - lat0) * np.sin(a),
        "peak_time": t[pixels],
        "charge": np.asarray(tel_result.image, dtype=np.float64)[pixels],
        "slope": float(p.get("timing_slope", np.nan)),
        "intercept": float(p.get("timing_intercept", np.nan)),
        "deviation": float(p.get("timing_deviation", np.nan)),
    }


#: what a pixel filter (the camera view's Highlight box) can name, per pixel: its id, charge
#: (p.e.), peak time (ns), true p.e., in_image and triggered (0 or 1), camera x, y (m) and
#: telescope-frame fov_lon, fov_lat (deg); missing values are NaN (a comparison is false)
PIXEL_COLUMNS = ("id", "charge", "peak_time", "true_pe", "in_image", "triggered", "x", "y",
                 "fov_lon", "fov_lat")


def pixel_filter(text: str) -> Expression:
    """The pixel filter ``text`` (ctaviewer's expression language over ``PIXEL_COLUMNS``),
    checked; ExpressionError says what is wrong and where."""
    return Expression(text, PIXEL_COLUMNS, what="pixel column", field="pixel filter")


def filtered_pixels(text: str, geometry, focal_length_m: float, tel_data,
                    tel_result) -> np.ndarray:
    """The ids of the pixels of one telescope for which the pixel filter ``text`` holds."""
    n = geometry.n_pixels
    nan = np.full(n, np.nan)

    def values(quantity):
        v = pixel_values(quantity, tel_data, tel_result)
        return nan if v is None or len(v) != n else v

    lon, lat = camera_to_fov(geometry.pix_x, geometry.pix_y, focal_length_m)
    columns = {
        "id": np.arange(n, dtype=np.float64), "charge": values("charge"),
        "peak_time": values("peak time"), "true_pe": values("true p.e."),
        "in_image": values("cleaning mask"), "triggered": values("triggered pixels"),
        "x": geometry.pix_x, "y": geometry.pix_y, "fov_lon": lon, "fov_lat": lat,
    }
    return np.flatnonzero(pixel_filter(text).evaluate(columns, n))
