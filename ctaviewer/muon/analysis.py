"""The muon-ring analysis of one telescope image, as ctapipe 0.28's MuonProcessor.

1. *Image query*: single-mirror telescopes need their image parameters to pass
   ``muon.image_query`` (ctapipe: more than 100 cleaned pixels and 500 p.e.); the ring is
   fitted to the cleaning mask of the image. Dual-mirror telescopes (skipped by ctapipe) are
   cleaned for the muon analysis with tail cuts of their own
   (``dual_mirror_picture_threshold`` / ``dual_mirror_boundary_threshold``, two picture
   neighbours) and need more than ``dual_mirror_min_pixels`` pixels and
   ``dual_mirror_min_intensity`` p.e. in that mask.
2. *Ring geometry*: three rounds of the chosen fit, the first on the cleaning mask, the next
   ones on the pixels within 40 % of the radius from the previous ring (charges of every
   such pixel as weights, negative ones included, as ctapipe).
3. *Ring parameters* against the cleaning mask: containment in the camera, completeness,
   intensity ratio, mean squared error, ring intensity, charge outside, radial spread.
4. *Ring query* (ctapipe's RingQuery): a finite radius, more than ``min_ring_pixels`` pixels
   in the last 40 % band, containment above ``min_containment``.
5. *Intensity fit* (single-mirror telescopes only): impact, ring width, optical efficiency.
   Dual-mirror telescopes get NaN there: the model's light yield is a chord of one circular
   mirror with a central hole, and the shadow of a secondary mirror is not in the
   instrument description (see docs/processing.md).
"""

from __future__ import annotations

import math
import threading

import numpy as np

from ..config import RING_FITTERS, MuonConfig, TailcutsConfig
from ..errors import ConfigError
from ..expressions import Expression
from ..image import clean
from ..results import IMAGE_PARAMETER_NAMES, MuonResult, empty_muon_values
from . import ring_parameters as rp
from .intensity_fit import fit_intensity
from .telescope import MuonTelescope

#: a pixel belongs to the ring when its distance from the centre is within this fraction of
#: the radius from the radius (ctapipe's processor)
RING_BAND = 0.4
#: rounds of the ring fit
N_ROUNDS = 3


class MuonAnalysis:
    """Runs the muon analysis of ``config`` on telescope images of ``subarray``.

    Thread-safe: the per-telescope constants are built once under a lock, the rest keeps
    no state.
    """

    def __init__(self, subarray, config: MuonConfig):
        self.subarray = subarray
        self.config = config
        self._fit = RING_FITTERS.get(config.name)
        self._query = Expression(config.image_query, IMAGE_PARAMETER_NAMES, what="parameter",
                                 field="muon.image_query")
        self._dual_cleaning = TailcutsConfig(
            picture_threshold=config.dual_mirror_picture_threshold,
            boundary_threshold=config.dual_mirror_boundary_threshold,
        )
        self._tels: dict[int, MuonTelescope] = {}
        self._lock = threading.Lock()

    def telescope(self, tel_id: int) -> MuonTelescope:
        tel = self._tels.get(tel_id)
        if tel is None:
            with self._lock:
                tel = self._tels.get(tel_id)
                if tel is None:
                    tel = self._tels[tel_id] = MuonTelescope.of(self.subarray, tel_id)
        return tel

    def analyse(self, tel_id: int, image, peak_time, clean_mask, parameters: dict,
                ctx=None) -> MuonResult:
        """The MuonResult of one cleaned image (``ctx``: the camera's CameraContext, needed
        for the own cleaning of dual-mirror telescopes)."""
        cfg = self.config
        values = empty_muon_values()
        try:
            tel = self.telescope(tel_id)
        except ConfigError as exc:  # a camera that cannot carry a ring: said, not raised
            return MuonResult(tel_id, values, "no_ring", str(exc))
        image = np.asarray(image, dtype=np.float64)
        if tel.single_mirror:
            mask = np.asarray(clean_mask, dtype=bool)
            if not self._query(parameters):
                return MuonResult(tel_id, values, "no_ring",
                                  f"image fails the muon image query ({cfg.image_query})")
        else:
            if ctx is None:
                return MuonResult(tel_id, values, "no_ring", "no camera context for the "
                                  "muon cleaning of a dual-mirror telescope")
            mask = np.asarray(clean("tailcuts", image.astype(np.float32), peak_time, ctx,
                                    self._dual_cleaning), dtype=bool)
            n, total = int(mask.sum()), float(image[mask].sum())
            if not (n > cfg.dual_mirror_min_pixels and total > cfg.dual_mirror_min_intensity):
                return MuonResult(tel_id, values, "no_ring",
                                  f"muon cleaning keeps {n} pixels, {total:.0f} p.e. (needs "
                                  f"more than {cfg.dual_mirror_min_pixels} and "
                                  f"{cfg.dual_mirror_min_intensity:g})")
        clean_mask = mask
        lon, lat = tel.fov_lon, tel.fov_lat
        ring = (math.nan,) * 6
        for _ in range(N_ROUNDS):
            ring = self._fit(lon, lat, image, mask, tel.max_fov)
            radius, cx, cy = ring[0], ring[1], ring[2]
            with np.errstate(invalid="ignore", divide="ignore"):
                mask = np.abs(np.hypot(lon - cx, lat - cy) - radius) / radius < RING_BAND
        radius, cx, cy, radius_err, cx_err, cy_err = (float(v) for v in ring)
        values.update({
            "muonring_center_fov_lon": cx,
            "muonring_center_fov_lat": cy,
            "muonring_radius": radius,
            "muonring_center_fov_lon_err": cx_err,
            "muonring_center_fov_lat_err": cy_err,
            "muonring_radius_err": radius_err,
            "muonring_center_phi": math.degrees(math.atan2(cy, cx)),
            "muonring_center_distance": math.hypot(cx, cy),
        })
        if not math.isfinite(radius):
            return MuonResult(tel_id, values, "ring", "the ring fit found no circle", mask)
        values.update(self._parameters(tel, image, clean_mask, radius, cx, cy))
        n_ring = int(np.count_nonzero(mask))
        containment = values["muonparameters_containment"]
        if n_ring <= cfg.min_ring_pixels:
            return MuonResult(tel_id, values, "ring", f"{n_ring} pixels on the ring (the "
                              f"intensity fit needs more than {cfg.min_ring_pixels})", mask)
        if not containment > cfg.min_containment:
            return MuonResult(tel_id, values, "ring", f"containment {containment:.2f} (the "
                              f"intensity fit needs more than {cfg.min_containment:g})", mask)
        if not tel.single_mirror:
            return MuonResult(tel_id, values, "ring", "dual-mirror telescope: no optical "
                              "efficiency (the shadow of the secondary mirror is not modelled)",
                              mask, passes_ring_query=True)
        if not (math.isfinite(tel.mirror_radius) and tel.mirror_radius > 0):
            return MuonResult(tel_id, values, "ring", "the optics give no mirror area: no "
                              "intensity fit", mask, passes_ring_query=True)
        values.update(fit_intensity(
            lon, lat, image, mask, cx=cx, cy=cy, radius=radius,
            mirror_radius=tel.mirror_radius, hole_radius=tel.hole_radius,
            pixel_diameter=float(tel.pixel_width[0]), pixel_shape=tel.pixel_shape,
            equivalent_focal_length=tel.equivalent_focal_length,
            pixel_area_m2=tel.pixel_area_m2, pedestal=cfg.pedestal, spe_width=cfg.spe_width,
            oversampling=cfg.oversampling, min_lambda_nm=cfg.min_lambda_nm,
            max_lambda_nm=cfg.max_lambda_nm,
        ))
        return MuonResult(tel_id, values, "efficiency", "", mask, passes_ring_query=True)

    def _parameters(self, tel: MuonTelescope, image, clean_mask, radius, cx, cy) -> dict:
        cfg = self.config
        lon, lat = tel.fov_lon, tel.fov_lat
        lon_c, lat_c, img_c = lon[clean_mask], lat[clean_mask], image[clean_mask]
        ring_sum, outside, n_in_ring, mean_outside = rp.ring_intensity(
            lon, lat, image, clean_mask, cx, cy, radius, cfg.ring_integration_width,
            cfg.outer_ring_width)
        std, skew, kurt = rp.radial_distribution(lon, lat, image, cx, cy)
        return {
            "muonparameters_containment": rp.containment(radius, math.hypot(cx, cy),
                                                         tel.camera_radius),
            "muonparameters_completeness": rp.completeness(
                lon, lat, image, cx, cy, cfg.completeness_threshold if tel.single_mirror
                else cfg.dual_mirror_completeness_threshold),
            "muonparameters_intensity_ratio": rp.intensity_ratio(
                lon_c, lat_c, img_c, cx, cy, radius,
                cfg.ratio_width * tel.pixel_width[clean_mask]),
            "muonparameters_mean_squared_error": rp.mean_squared_error(lon_c, lat_c, img_c,
                                                                       cx, cy, radius),
            "muonparameters_ring_intensity": ring_sum,
            "muonparameters_intensity_outside_ring": outside,
            "muonparameters_n_pixels_in_ring": n_in_ring,
            "muonparameters_mean_intensity_outside_ring": mean_outside,
            "muonparameters_radial_std_dev": std,
            "muonparameters_skewness": skew,
            "muonparameters_excess_kurtosis": kurt,
        }
