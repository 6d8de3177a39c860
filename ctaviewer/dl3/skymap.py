"""A counts map around the pointing, with an astropy WCS, and the RA/Dec grid drawn through it.

``counts_map`` bins events (RA, Dec in deg) on a square WCS image (TAN projection by
default) centred on a position; an event falls in the pixel whose centre is nearest its
pixel coordinates (``WCS.world_to_pixel_values``, 0-based centres). ``grid_lines`` gives
lines of constant RA and of constant Dec as pixel-coordinate polylines through the same WCS
(curves, as the projection makes them), with "nice" steps and labels, for any view to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: grid steps tried, deg (the first giving at most ``max_lines`` lines is used)
NICE_STEPS_DEG = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 15.0, 30.0, 45.0, 90.0)


def make_wcs(centre_ra: float, centre_dec: float, width_deg: float, binsz_deg: float,
             projection: str = "TAN"):
    """A WCS of ``n × n`` pixels of ``binsz_deg`` centred on (``centre_ra``, ``centre_dec``),
    RA increasing to the left (east left, as the sky is seen); and ``n``."""
    from astropy.wcs import WCS

    n = max(1, int(round(width_deg / binsz_deg)))
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = [f"RA---{projection}", f"DEC--{projection}"]
    wcs.wcs.crval = [centre_ra, centre_dec]
    wcs.wcs.crpix = [(n + 1) / 2.0, (n + 1) / 2.0]  # FITS pixels are 1-based
    wcs.wcs.cdelt = [-binsz_deg, binsz_deg]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.radesys = "ICRS"
    return wcs, n


@dataclass
class CountsMap:
    """``data[y, x]`` counts on ``wcs``; ``n_inside`` events fell on the image."""

    data: np.ndarray
    wcs: object
    centre: tuple[float, float]
    binsz_deg: float
    n_inside: int
    n_events: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    def pixel(self, ra, dec):
        """Pixel coordinates (x, y; 0-based centres) of sky positions."""
        return self.wcs.world_to_pixel_values(np.asarray(ra, dtype=float),
                                              np.asarray(dec, dtype=float))

    def world(self, x, y):
        """(RA, Dec) in deg of pixel coordinates."""
        return self.wcs.pixel_to_world_values(np.asarray(x, dtype=float),
                                              np.asarray(y, dtype=float))


def counts_map(ra, dec, centre_ra: float, centre_dec: float, width_deg: float = 5.0,
               binsz_deg: float = 0.02, projection: str = "TAN") -> CountsMap:
    """The counts of the events at (``ra``, ``dec``) on a WCS image around the centre."""
    wcs, n = make_wcs(centre_ra, centre_dec, width_deg, binsz_deg, projection)
    ra = np.asarray(ra, dtype=np.float64)
    dec = np.asarray(dec, dtype=np.float64)
    x, y = wcs.world_to_pixel_values(ra, dec)
    ix = np.floor(np.asarray(x) + 0.5)
    iy = np.floor(np.asarray(y) + 0.5)
    inside = np.isfinite(ix) & np.isfinite(iy) & (ix >= 0) & (ix < n) & (iy >= 0) & (iy < n)
    data = np.zeros((n, n), dtype=np.int64)
    np.add.at(data, (iy[inside].astype(np.int64), ix[inside].astype(np.int64)), 1)
    return CountsMap(data, wcs, (float(centre_ra), float(centre_dec)), float(binsz_deg),
                     int(inside.sum()), int(len(ra)))


@dataclass(frozen=True)
class GridLine:
    """A line of constant RA (``axis`` "ra") or Dec ("dec") at ``value`` deg: pixel
    coordinates ``x``, ``y`` (NaN where it leaves the image, to break the curve), its label
    and where to write it (pixel coordinates, at the image border)."""

    axis: str
    value: float
    x: np.ndarray
    y: np.ndarray
    label: str
    label_xy: tuple[float, float] | None


def _nice_step(span: float, max_lines: int) -> float:
    for step in NICE_STEPS_DEG:
        if span / step <= max_lines:
            return step
    return NICE_STEPS_DEG[-1]


def format_ra(value: float, step: float) -> str:
    """RA in hours and minutes (``5h34m``), or with fractional minutes for fine steps."""
    hours = (value % 360.0) / 15.0
    h = int(hours)
    minutes = (hours - h) * 60.0
    if step * 4 < 1.0:  # steps below 1/4 deg = 1 min of RA
        return f"{h}h{minutes:04.1f}m"
    m = int(round(minutes))
    if m == 60:
        h, m = (h + 1) % 24, 0
    return f"{h}h{m:02d}m"


def format_dec(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else (1 if step >= 0.1 else 2)
    return f"{value:+.{decimals}f}°"


def grid_lines(wcs, shape: tuple[int, int], max_lines: int = 8,
               samples: int = 200) -> list[GridLine]:
    """Lines of constant RA and Dec crossing an image of ``shape`` (ny, nx) on ``wcs``."""
    ny, nx = shape
    # the sky range of the image from its border and centre lines
    t = np.linspace(-0.5, 1.0, samples)
    bx = np.concatenate([t * 0 - 0.5, t * 0 + nx - 0.5, (t + 0.5) * nx - 0.5,
                         (t + 0.5) * nx - 0.5, np.full(samples, (nx - 1) / 2)])
    by = np.concatenate([(t + 0.5) * ny - 0.5, (t + 0.5) * ny - 0.5, t * 0 - 0.5,
                         t * 0 + ny - 0.5, (t + 0.5) * ny - 0.5])
    ra, dec = wcs.pixel_to_world_values(bx, by)
    ok = np.isfinite(ra) & np.isfinite(dec)
    ra, dec = ra[ok], dec[ok]
    ra0 = float(wcs.wcs.crval[0])
    dra = (ra - ra0 + 180.0) % 360.0 - 180.0
    dec_lo, dec_hi = float(dec.min()), float(dec.max())
    pole = dec_hi > 89.0 or dec_lo < -89.0
    ra_lo, ra_hi = (-180.0, 180.0) if pole else (float(dra.min()), float(dra.max()))
    out = []
    dec_step = _nice_step(dec_hi - dec_lo, max_lines)
    ra_step = _nice_step(ra_hi - ra_lo, max_lines)
    dense_dec = np.linspace(max(-90.0, dec_lo - dec_step), min(90.0, dec_hi + dec_step),
                            samples)
    dense_ra = np.linspace(ra_lo - ra_step, ra_hi + ra_step, samples)

    def inside(x, y):
        return (x >= -0.5) & (x <= nx - 0.5) & (y >= -0.5) & (y <= ny - 0.5)

    def label_at(x, y, keep, edge):
        if not keep.any():
            return None
        i = np.flatnonzero(keep)
        j = i[np.argmin(y[i])] if edge == "bottom" else i[np.argmin(x[i])]
        return float(x[j]), float(y[j])

    first = np.ceil((ra0 + ra_lo) / ra_step) * ra_step
    for value in np.arange(first, ra0 + ra_hi + 1e-9, ra_step):
        x, y = wcs.world_to_pixel_values(np.full(samples, value), dense_dec)
        keep = inside(x, y)
        if keep.sum() < 2:
            continue
        out.append(GridLine("ra", float(value % 360.0), np.where(keep, x, np.nan),
                            np.where(keep, y, np.nan), format_ra(value, ra_step),
                            label_at(x, y, keep, "bottom")))
    first = np.ceil(dec_lo / dec_step) * dec_step
    for value in np.arange(first, dec_hi + 1e-9, dec_step):
        x, y = wcs.world_to_pixel_values(ra0 + dense_ra, np.full(samples, value))
        keep = inside(x, y)
        if keep.sum() < 2:
            continue
        out.append(GridLine("dec", float(value), np.where(keep, x, np.nan),
                            np.where(keep, y, np.nan), format_dec(value, dec_step),
                            label_at(x, y, keep, "left")))
    return out
