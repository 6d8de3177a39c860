"""Calibration options (``[calibration]``), and the handlers of broken pixels that
``invalid_pixel_handler`` chooses (:mod:`ctaviewer.image.invalid_pixels` runs them)."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import Algorithms
from .options import Options, option

INVALID_PIXEL_HANDLERS = Algorithms(
    "invalid pixel handler",
    "Charge and peak time of broken pixels (high voltage disabled, not read out)",
    implemented_in="ctaviewer.image.invalid_pixels")
INVALID_PIXEL_HANDLERS.declare("neighbor_average", "mean of the good neighbours, ctapipe's "
                               "default", options=None)
INVALID_PIXEL_HANDLERS.declare("none", "what the extractor gave", options=None)

#: what peak time sums-only data (no samples) get
SUMS_PEAK_TIMES = {"file": "the file's own pixel timing, NaN where it has none",
                   "zero": "as ctapipe"}


@dataclass(frozen=True)
class CalibrationConfig(Options):
    gain_threshold: float = option(4000.0, "Raw high-gain ADC value above which a two-gain "
                                   "pixel is read from its low gain", bounds=(1.0, 1e6))
    apply_peak_time_shift: bool = option(True, "Subtract the laser calibration's per-pixel "
                                         "time offset (the file's tm_calib) from the peak "
                                         "times, as ctapipe does by default")
    invalid_pixel_handler: str = option("neighbor_average", INVALID_PIXEL_HANDLERS.help,
                                        choices=INVALID_PIXEL_HANDLERS)
    sums_peak_time: str = option("file", "Peak time of cameras that deliver only integrated "
                                 "sums", choices=SUMS_PEAK_TIMES)
