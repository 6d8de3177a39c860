"""Camera quantities from a file's monitoring and calibration blocks, per pixel and gain,
and the per-camera summary of any of them (mean, spread, outliers beyond 5σ).

Qt-free: the camera view's "Show" menu, ``ctaviewer render --quantity``, the parameter
inspector and the camera health dock all call :func:`camera_quantity` and
:func:`summarize`.

- ``pedestal``: the monitoring pedestal per sample (sim_telarray's pedestal sum over its
  ``n_ped_slices`` samples, divided by them), ADC.
- ``pedestal noise``: the monitoring block's ``noise`` as the file stores it, ADC. In the
  shared simulations it is one value per camera and gain (e.g. 6.7 ADC for the LSTCam high
  gain of gamma_4lst, 2.0 for CHEC), the electronic noise: the RMS per sample that pedestal
  events show adds the night-sky light (``calib.pedestal_stats``).
- ``dc→p.e.``: the laser calibration's conversion (p.e. per ADC count).
- ``flat-field``: the laser calibration's flat-fielding coefficient (files of
  sim_telarray's LaserCalibration version 3 and later; "not available" otherwise).
- ``time shift``: the laser calibration's per-pixel time offset (``tm_calib``), ns.
- ``selected gain``: the gain the calibration used per pixel (0 high, 1 low).
- ``saturated``: 1 where the raw signal of the gain used reaches the gain-selection
  threshold (``calibration.gain_threshold``) in the last gain the camera has: beyond it
  no gain is left to switch to.
- ``HV disabled``, ``no readout``: the pixel status bits (1 where set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..event import PixelStatus

#: quantity -> (unit, per gain, description); the order of the menus
MONITORING_QUANTITIES: dict[str, tuple[str, bool, str]] = {
    "pedestal": ("ADC", True, "monitoring pedestal per sample"),
    "pedestal noise": ("ADC", True, "monitoring pedestal noise (as the file stores it)"),
    "dc→p.e.": ("p.e./ADC", True, "laser calibration: p.e. per ADC count"),
    "flat-field": ("", True, "laser calibration: flat-fielding coefficient"),
    "time shift": ("ns", True, "laser calibration: per-pixel time offset"),
    "selected gain": ("", False, "gain used per pixel: 0 high, 1 low"),
    "saturated": ("", False, "signal at the gain threshold in the camera's last gain"),
    "HV disabled": ("", False, "high voltage off in the run settings"),
    "no readout": ("", False, "no ADC data in any gain"),
}
GAINS = ("high", "low")
#: outliers: further than this many standard deviations from the camera median
OUTLIER_SIGMA = 5.0


def is_per_gain(quantity: str) -> bool:
    entry = MONITORING_QUANTITIES.get(quantity)
    return bool(entry and entry[1])


#: the per-gain quantities' TelescopeData fields (gains × pixels)
_PER_GAIN_FIELDS = {"pedestal": "pedestal_per_sample", "pedestal noise": "pedestal_noise",
                    "dc→p.e.": "dc_to_pe", "flat-field": "flat_field",
                    "time shift": "time_shift_ns"}


def _gain_row(values, gain: int) -> np.ndarray | None:
    if values is None or gain >= np.shape(values)[0]:
        return None
    return np.asarray(values[gain], dtype=np.float64)


def saturated_pixels(data, selected_gain, threshold: float) -> np.ndarray | None:
    """1.0 where the raw signal of a pixel's gain reaches ``threshold`` in the camera's last
    gain (nothing left to switch to), else 0.0; None without samples or sums."""
    raw = data.waveform if data.waveform is not None else data.sums
    if raw is None:
        return None
    last = raw.shape[0] - 1
    if data.waveform is not None:
        peak = data.waveform[last].max(axis=1).astype(np.float64)
    else:  # sums-only: the sum above its pedestal, per summed sample
        n = max(int(data.n_sum_samples), 1)
        peak = data.sums[last].astype(np.float64) / n
    sat = peak >= threshold
    if selected_gain is not None and last > 0:
        sat &= np.asarray(selected_gain) == last
    return sat.astype(np.float64)


def camera_quantity(quantity: str, data, gain: int = 0, tel_result=None,
                    gain_threshold: float = 4000.0) -> np.ndarray | None:
    """Per-pixel values (float64) of a monitoring ``quantity`` of one telescope event
    (``data``: TelescopeData), for ``gain`` (0 high, 1 low) where it is per gain; None
    when the file (or the processing result, for the selected gain) has none."""
    if quantity not in MONITORING_QUANTITIES:
        raise ValueError(f"unknown camera quantity {quantity!r}")
    if data is None:
        return None
    field = _PER_GAIN_FIELDS.get(quantity)
    if field is not None:
        return _gain_row(getattr(data, field), gain)
    if quantity == "selected gain":
        sel = getattr(tel_result, "selected_gain", None)
        return None if sel is None else np.asarray(sel, dtype=np.float64)
    if quantity == "saturated":
        sel = getattr(tel_result, "selected_gain", None)
        return saturated_pixels(data, sel, gain_threshold)
    bit = PixelStatus.HV_DISABLED if quantity == "HV disabled" else PixelStatus.NO_READOUT
    status = data.pixel_status
    if status is None:
        return np.zeros(data.n_pixels, dtype=np.float64)
    return ((status & np.uint8(bit)) != 0).astype(np.float64)


@dataclass(frozen=True)
class Summary:
    """One camera's summary of a quantity over its good pixels: mean, standard deviation
    (the spread), median, and the pixels further than ``n_sigma`` standard deviations from
    the median (ctapipe's PedestalIntegrator flags outliers the same way, at 3σ)."""

    n_pixels: int
    mean: float
    std: float
    median: float
    minimum: float
    maximum: float
    n_sigma: float
    outliers: tuple[int, ...]

    def text(self, unit: str = "", max_ids: int = 12) -> str:
        """One line, e.g. ``mean 300.0 ADC, spread 0.12 ADC, 2 outliers > 5σ: 17, 904``."""
        u = f" {unit}" if unit else ""
        head = (f"mean {self.mean:.4g}{u}, spread (σ) {self.std:.3g}{u} over "
                f"{self.n_pixels} pixels")
        if not self.outliers:
            return f"{head}; no outlier beyond {self.n_sigma:g}σ"
        ids = ", ".join(str(i) for i in self.outliers[:max_ids])
        more = f" … (+{len(self.outliers) - max_ids})" if len(self.outliers) > max_ids else ""
        return (f"{head}; {len(self.outliers)} outlier(s) beyond {self.n_sigma:g}σ: "
                f"pixel {ids}{more}")


def summarize(values, status=None, n_sigma: float = OUTLIER_SIGMA) -> Summary | None:
    """The summary of per-pixel ``values`` over the pixels whose ``status`` (PixelStatus
    bits) is 0 and whose value is finite; None when no pixel is left."""
    values = np.asarray(values, dtype=np.float64)
    good = np.isfinite(values)
    if status is not None:
        good &= np.asarray(status) == 0
    if not good.any():
        return None
    v = values[good]
    mean, std, median = float(v.mean()), float(v.std()), float(np.median(v))
    outliers: tuple[int, ...] = ()
    if std > 0:
        far = good & (np.abs(values - median) > n_sigma * std)
        outliers = tuple(int(i) for i in np.flatnonzero(far))
    return Summary(int(good.sum()), mean, std, median, float(v.min()), float(v.max()),
                   float(n_sigma), outliers)


__all__ = ["GAINS", "MONITORING_QUANTITIES", "OUTLIER_SIGMA", "Summary", "camera_quantity",
           "is_per_gain", "saturated_pixels", "summarize"]
