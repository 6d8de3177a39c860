"""What the muon analysis needs of a telescope, derived once: pixel positions and widths in
the telescope frame, the camera radius, the mirror and its central hole.

Angles in deg (telescope frame, ``fov_lon = y / f``, ``fov_lat = x / f`` with the focal
length the image parameters use), lengths in m.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

#: ctapipe 0.28's MuonIntensityFitter.hole_radius_m: the radius (m) of a circle of the area
#: of the hexagonal hole in the primary mirror, by telescope type (ctapipe's patterns on
#: "<size>_<optics>_<camera>"); other types have no hole
HOLE_RADIUS_M = (("LST_*", 0.74), ("MST_*", 0.59), ("SST_1M_*", 0.38))


def hole_radius(type_name: str) -> float:
    """The central hole radius (m) ctapipe assumes for a telescope type (0: none)."""
    for pattern, radius in HOLE_RADIUS_M:
        if fnmatch.fnmatchcase(type_name, pattern):
            return radius
    return 0.0


@dataclass(frozen=True, eq=False)
class MuonTelescope:
    """The per-telescope constants of the muon analysis."""

    tel_id: int
    type_name: str
    n_mirrors: int
    fov_lon: np.ndarray  # deg
    fov_lat: np.ndarray  # deg
    pixel_width: np.ndarray  # deg
    pixel_shape: str
    pixel_area_m2: float  # first pixel's area in the camera (m²)
    camera_radius: float  # deg: mean distance of the border pixels from the mean position
    max_fov: float  # deg: twice the largest fov_lon (ctapipe's bound of the Taubin fit)
    mirror_radius: float  # m: radius of a circle of the mirror area
    hole_radius: float  # m
    equivalent_focal_length: float  # m

    @property
    def single_mirror(self) -> bool:
        return self.n_mirrors == 1

    @classmethod
    def of(cls, subarray, tel_id: int) -> MuonTelescope:
        """The constants of telescope ``tel_id``; ConfigError naming it when its camera
        cannot carry a ring (no pixels) or its optics have no focal length."""
        if tel_id not in subarray.tels:
            raise ConfigError("muon", f"telescope {tel_id} is not in the subarray "
                                      f"{subarray.name!r}")
        desc = subarray.tels[tel_id]
        geom = desc.camera.geometry
        where = f"telescope {tel_id} ({desc.type_name})"
        if geom.n_pixels < 3:
            raise ConfigError("muon", f"{where}: a camera of {geom.n_pixels} pixels has no "
                                      "room for a muon ring")
        focal = float(desc.optics.focal_length)
        if not (math.isfinite(focal) and focal > 0):
            raise ConfigError("muon", f"{where}: no focal length, so no telescope frame")
        scale = math.degrees(1.0) / focal
        fov_lon = np.ascontiguousarray(geom.pix_y * scale, dtype=np.float64)
        fov_lat = np.ascontiguousarray(geom.pix_x * scale, dtype=np.float64)
        border = geom.border_mask(1)
        lon0, lat0 = fov_lon.mean(), fov_lat.mean()
        camera_radius = float(np.hypot(fov_lon[border] - lon0, fov_lat[border] - lat0).mean()) \
            if border.any() else float(np.hypot(fov_lon - lon0, fov_lat - lat0).max())
        optics = desc.optics
        area = float(optics.mirror_area)
        equivalent = float(optics.equivalent_focal_length)
        return cls(
            tel_id=int(tel_id),
            type_name=desc.type_name,
            n_mirrors=int(optics.n_mirrors),
            fov_lon=fov_lon,
            fov_lat=fov_lat,
            pixel_width=np.asarray(geom.pixel_width, dtype=np.float64) * scale,
            pixel_shape=geom.pix_shape,
            pixel_area_m2=float(geom.pix_area[0]),
            camera_radius=camera_radius,
            max_fov=2.0 * float(fov_lon.max()),
            mirror_radius=math.sqrt(area / math.pi) if area > 0 else math.nan,
            hole_radius=hole_radius(desc.type_name),
            equivalent_focal_length=equivalent if equivalent > 0 else focal,
        )
