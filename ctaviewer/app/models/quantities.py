"""What a camera view can show, computed from the event and its processing result."""

from __future__ import annotations

import numpy as np

from ...service.display import QUANTITIES  # noqa: F401 - listed once, with DisplayState

UNITS = {
    "charge": "p.e.",
    "peak time": "ns",
    "cleaning mask": "",
    "true p.e.": "p.e.",
    "raw sum": "ADC",
    "waveform sample": "ADC",
}


def pixel_values(quantity: str, tel_data, tel_result=None, sample: int = 0) -> np.ndarray | None:
    """Per-pixel values of ``quantity`` for one telescope, or None when not available."""
    if quantity == "charge":
        return None if tel_result is None else np.asarray(tel_result.image, dtype=np.float64)
    if quantity == "peak time":
        return None if tel_result is None else np.asarray(tel_result.peak_time, dtype=np.float64)
    if quantity == "cleaning mask":
        return None if tel_result is None else tel_result.mask.astype(np.float64)
    if tel_data is None:
        return None
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
