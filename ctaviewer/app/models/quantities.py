"""What a camera view can show, computed from the event and its processing result."""

from __future__ import annotations

import numpy as np

from ...calib.monitoring import (  # noqa: F401 - is_per_gain: the view's Gain choice applies
    GAINS,
    MONITORING_QUANTITIES,
    camera_quantity,
    is_per_gain,
)
from ...io.base import DataLevel
from ...service.display import QUANTITIES  # noqa: F401 - listed once, with DisplayState

UNITS = {
    "charge": "p.e.",
    "peak time": "ns",
    "cleaning mask": "",
    "true p.e.": "p.e.",
    "raw sum": "ADC",
    "waveform sample": "ADC",
    "triggered pixels": "",
    "true p.e. − charge": "p.e.",
    "peak time (cleaned)": "ns",
    **{name: unit for name, (unit, _, _) in MONITORING_QUANTITIES.items()},
}


#: quantities of two states (0 and 1), drawn with a legend instead of a scale: the names of
#: their states
TWO_STATES = {
    "cleaning mask": ("not in image", "in image"),
    "triggered pixels": ("not in trigger", "in trigger"),
    "selected gain": ("high gain", "low gain"),
    "saturated": ("not saturated", "saturated"),
    "HV disabled": ("HV on", "HV disabled"),
    "no readout": ("read out", "no readout"),
}


def has_readout(source) -> bool:
    """Whether ``source`` holds camera readout with its monitoring and calibration (a
    sim_telarray or simulated source), not DL1 (whose pedestals and dc→p.e. are stand-ins:
    its camera quantities are not available, never shown as zeros and ones)."""
    return getattr(source, "data_level", None) is DataLevel.RAW


def gain_threshold(session) -> float:
    """The gain-selection threshold of ``session``'s processing config (the defaults' 4000
    ADC without one): where the camera quantities call a pixel saturated."""
    cfg = getattr(session, "config", None)
    return getattr(getattr(cfg, "calibration", None), "gain_threshold", 4000.0)


def pixel_values(quantity: str, tel_data, tel_result=None, sample: int = 0, gain: str = "high",
                 gain_threshold: float = 4000.0) -> np.ndarray | None:
    """Per-pixel values of ``quantity`` for one telescope, or None when not available;
    ``gain`` for the per-gain camera quantities (``calib.monitoring``)."""
    if quantity in MONITORING_QUANTITIES:
        return camera_quantity(quantity, tel_data, GAINS.index(gain), tel_result,
                               gain_threshold)
    if quantity == "charge":
        return None if tel_result is None else np.asarray(tel_result.image, dtype=np.float64)
    if quantity == "peak time":
        return None if tel_result is None else np.asarray(tel_result.peak_time, dtype=np.float64)
    if quantity == "cleaning mask":
        return None if tel_result is None else tel_result.mask.astype(np.float64)
    if quantity == "peak time (cleaned)":  # NaN outside the cleaned image
        if tel_result is None:
            return None
        return np.where(tel_result.mask, np.asarray(tel_result.peak_time, dtype=np.float64),
                        np.nan)
    if tel_data is None:
        return None
    if quantity == "true p.e. − charge":  # what the calibration and extraction got wrong
        if tel_result is None or tel_data.true_image is None:
            return None
        return (tel_data.true_image.astype(np.float64)
                - np.asarray(tel_result.image, dtype=np.float64))
    if quantity == "triggered pixels":
        ids = getattr(tel_data, "trigger_pixels", None)
        if ids is None:
            return None
        out = np.zeros(tel_data.n_pixels, dtype=np.float64)
        ids = np.asarray(ids, dtype=np.intp)
        out[ids[(ids >= 0) & (ids < out.size)]] = 1.0
        return out
    if quantity == "true p.e.":
        return None if tel_data.true_image is None else tel_data.true_image.astype(np.float64)
    if quantity == "raw sum":
        return tel_data.raw_sum
    if quantity == "waveform sample":
        if tel_data.waveform is None:
            return None
        s = int(np.clip(sample, 0, tel_data.n_samples - 1))
        return tel_data.waveform[0, :, s].astype(np.float64) - tel_data.pedestal_per_sample[0]
    raise ValueError(f"unknown quantity {quantity!r}")
