"""The stereo summed image: every telescope's cleaned image in the nominal frame, summed.

Each cleaned pixel (``TelescopeResult.mask``) is taken from the camera frame to its
telescope's frame (``coords.camera_to_fov`` with the focal length the image parameters use,
``TelescopeDescription.focal_length``), then through the horizontal frame with that
telescope's pointing to the nominal frame around the array pointing
(``coords.telescope_to_nominal``), in degrees. The pixels of all cameras land on one common
grid of square bins of fixed size (``BIN_DEG`` = 0.05° unless asked otherwise) centred on
the array pointing, wide enough to hold every camera's field of view seen from the array
pointing (the largest field-of-view radius plus the largest offset of a telescope's pointing).

A pixel's charge is spread evenly over ``SUBSAMPLES`` × ``SUBSAMPLES`` points on a square of
the pixel's area around its centre, each falling in one bin: cameras whose pixels are wider
than a bin (LSTCam, 0.1°) draw no gaps, the total charge is kept, and the charge-weighted
centroid of one image is its Hillas centroid up to the binning. Charge that falls outside the
grid is counted in ``outside``, never dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._numba import njit
from ..coords import camera_to_fov, telescope_to_nominal
from .geometry import fov_radius_deg, sky_vector

#: default bin size of the grid (deg)
BIN_DEG = 0.05
#: each pixel is spread over SUBSAMPLES² points of its area
SUBSAMPLES = 4


@dataclass(frozen=True)
class SummedImage:
    """The summed image: ``image[i, j]`` (p.e.) is the bin of fov_lon ``lon_edges[i:i+2]``
    and fov_lat ``lat_edges[j:j+2]`` (deg, nominal frame; ``image`` is n_lon × n_lat, as
    pyqtgraph's ImageItem takes it)."""

    image: np.ndarray
    lon_edges: np.ndarray
    lat_edges: np.ndarray
    bin_deg: float
    tel_ids: tuple  # the telescopes whose cleaned images were summed
    outside: float  # p.e. of the cleaned images that fell outside the grid

    @property
    def total(self) -> float:
        return float(self.image.sum())

    def centroid(self) -> tuple[float, float]:
        """Charge-weighted mean (fov_lon, fov_lat) of the bin centres (deg)."""
        lon_c = 0.5 * (self.lon_edges[1:] + self.lon_edges[:-1])
        lat_c = 0.5 * (self.lat_edges[1:] + self.lat_edges[:-1])
        total = self.image.sum()
        return (float(lon_c @ self.image.sum(axis=1) / total),
                float(lat_c @ self.image.sum(axis=0) / total))


@njit(cache=True)
def _deposit(image, lon, lat, charge, half_side, lon0, lat0, bin_deg, n_sub):  # pragma: no cover
    """Spread each pixel's charge over n_sub² points of a square of side 2 × half_side
    around (lon, lat) and add them to ``image``; returns the charge outside the grid."""
    n_lon, n_lat = image.shape
    outside = 0.0
    w = 1.0 / (n_sub * n_sub)
    for p in range(lon.shape[0]):
        q = charge[p] * w
        step = 2.0 * half_side[p] / n_sub
        for a in range(n_sub):
            x = lon[p] - half_side[p] + (a + 0.5) * step
            i = int(math.floor((x - lon0) / bin_deg))
            for b in range(n_sub):
                y = lat[p] - half_side[p] + (b + 0.5) * step
                j = int(math.floor((y - lat0) / bin_deg))
                if 0 <= i < n_lon and 0 <= j < n_lat:
                    image[i, j] += q
                else:
                    outside += q
    return outside


def grid_half_width(subarray, pointing) -> float:
    """Half width (deg) of the grid: the largest field-of-view radius plus the largest
    angle between a telescope's pointing and the array pointing."""
    a = sky_vector(pointing.array_alt, pointing.array_az)
    off = 0.0
    for t in subarray.tel_ids.tolist():
        alt, az = pointing.of(t)
        off = max(off, math.degrees(math.acos(min(1.0, float(a @ sky_vector(alt, az))))))
    return max(fov_radius_deg(subarray, t) for t in subarray.tel_ids.tolist()) + off


def nominal_pixels(subarray, pointing, tel_id: int, mask):
    """(fov_lon, fov_lat, half side of the pixel's square) in deg, nominal frame, of the
    pixels of ``mask`` of one telescope."""
    desc = subarray.tels[int(tel_id)]
    geom = desc.camera.geometry
    f = desc.optics.focal_length
    lon, lat = camera_to_fov(np.asarray(geom.pix_x)[mask], np.asarray(geom.pix_y)[mask], f)
    t_alt, t_az = pointing.of(int(tel_id))
    lon, lat = telescope_to_nominal(lon, lat, t_alt, t_az,
                                    pointing.array_alt, pointing.array_az)
    half = 0.5 * np.sqrt(np.asarray(geom.pix_area)[mask]) * math.degrees(1.0) / f
    return np.asarray(lon, float), np.asarray(lat, float), np.asarray(half, float)


def summed_image(subarray, pointing, tel_results: dict, bin_deg: float = BIN_DEG,
                 tel_ids=None, half_width_deg: float | None = None) -> SummedImage:
    """The summed image of the cleaned images of ``tel_results`` (tel_id → TelescopeResult;
    only ``tel_ids`` if given) in the nominal frame of ``pointing``."""
    if not bin_deg > 0:
        raise ValueError(f"bin size must be positive, not {bin_deg}")
    half = grid_half_width(subarray, pointing) if half_width_deg is None else half_width_deg
    n = max(1, int(math.ceil(half / bin_deg)))
    edges = (np.arange(-n, n + 1) * bin_deg).astype(np.float64)
    image = np.zeros((2 * n, 2 * n), dtype=np.float64)
    used, outside = [], 0.0
    for t in sorted(tel_results if tel_ids is None else tel_ids):
        tr = tel_results.get(t)
        if tr is None or tr.mask is None:
            continue
        mask = np.asarray(tr.mask, dtype=bool)
        if not mask.any():
            continue
        lon, lat, side = nominal_pixels(subarray, pointing, t, mask)
        charge = np.asarray(tr.image, dtype=np.float64)[mask]
        ok = np.isfinite(charge) & np.isfinite(lon) & np.isfinite(lat)
        outside += _deposit(image, lon[ok], lat[ok], charge[ok], side[ok],
                            float(edges[0]), float(edges[0]), float(bin_deg), SUBSAMPLES)
        used.append(int(t))
    return SummedImage(image, edges, edges.copy(), float(bin_deg), tuple(used), float(outside))
