"""Pedestal and noise per pixel measured from the data, to compare with the file's
monitoring values.

Two kinds of samples are used, as the field does (ctapipe's PedestalIntegrator works on
pedestal events; lstchain's datacheck also on the signal-free pixels of showers):

- **pedestal events** (``event.PEDESTAL_EVENT_TYPES``): every sample of every good pixel;
- **signal-free samples of shower events**, when the file has no pedestal event: pixels
  whose highest sample stays within ``SIGNAL_FREE_SIGMA`` × the camera's typical
  per-pixel RMS of their mean (no Cherenkov pulse in the readout window).

Per pixel and gain the accumulator keeps the sum, the sum of squares and the count of the
samples: ``pedestal`` is their mean (ADC per sample), ``rms`` their standard deviation
around it (ADC per sample: electronic noise plus night-sky light, the quantity a pedestal
calibration measures; the monitoring noise of the shared simulations is the electronic
part alone). Sums-only cameras add one value per event, the sum divided by the summed
samples: their ``pedestal`` is comparable, their ``rms`` is that of the per-event mean
(NaN with fewer than 2 events). Pixels with a status bit (HV off, no readout, no
calibration constants) are never used.

The accumulation is one numba pass over the ADC samples; reading the file is the
caller's (``service.camera_health.pedestal_from_file`` runs it in a process of its own).

``ChargeAccumulator`` adds the calibrated charge (p.e.) of calibration events per pixel:
its mean, median-free standard deviation and the pixels further than 5σ from the camera
median of either (ctapipe's PedestalIntegrator: charge mean and std per pixel over the
pedestal sample, outliers by their distance from the camera median in units of the camera
spread; at 3σ there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numba import njit
from ..event import PEDESTAL_EVENT_TYPES

#: a shower pixel is signal-free when (max − mean) of its samples is below this many
#: times the camera's median per-pixel RMS
SIGNAL_FREE_SIGMA = 5.0


@njit(cache=True)
def _accumulate(wf, use, sums, sumsq, counts):
    """Add the samples of ``wf`` (gains × pixels × samples) of the pixels ``use`` to the
    per-gain, per-pixel sums, sums of squares and counts."""
    n_g, n_p, n_s = wf.shape
    for g in range(n_g):
        for p in range(n_p):
            if not use[p]:
                continue
            s1 = 0.0
            s2 = 0.0
            for k in range(n_s):
                v = float(wf[g, p, k])
                s1 += v
                s2 += v * v
            sums[g, p] += s1
            sumsq[g, p] += s2
            counts[g, p] += n_s


def _mean_std(s1, s2, n):
    """Mean and standard deviation (n − 1 in the denominator) per element from the sums
    ``s1``, sums of squares ``s2`` and counts ``n``: NaN mean without a value, NaN standard
    deviation with fewer than 2."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s1 / n, np.nan)
        var = np.maximum(s2 / n - mean * mean, 0.0) * n / np.maximum(n - 1, 1)
    return mean, np.where(n > 1, np.sqrt(var), np.nan)


def signal_free_pixels(waveform) -> np.ndarray:
    """Pixels of a shower event's waveform (gains × pixels × samples) without a pulse in
    the high gain: max − mean below ``SIGNAL_FREE_SIGMA`` × the median per-pixel RMS."""
    hg = np.asarray(waveform[0], dtype=np.float32)
    mean = hg.mean(axis=1)
    rms = hg.std(axis=1)
    typical = float(np.median(rms))
    return (hg.max(axis=1) - mean) <= SIGNAL_FREE_SIGMA * max(typical, 1e-3)


@dataclass(frozen=True, eq=False)
class PedestalStats:
    """Pedestal and noise of one telescope from the data, beside the file's monitoring.

    Arrays are gains × pixels, ADC per sample, NaN where no sample was used.
    ``source``: "pedestal events" or "signal-free samples of shower events".
    """

    tel_id: int
    source: str
    n_events: int
    pedestal: np.ndarray
    rms: np.ndarray
    n_samples: np.ndarray
    monitoring_pedestal: np.ndarray
    monitoring_noise: np.ndarray | None
    sums_only: bool = False

    def pedestal_difference(self, gain: int = 0) -> np.ndarray:
        """Data − monitoring pedestal per sample (ADC) of ``gain``."""
        return self.pedestal[gain] - self.monitoring_pedestal[gain]

    def noise_difference(self, gain: int = 0) -> np.ndarray | None:
        """Data RMS − monitoring noise (ADC) of ``gain``, None without monitoring noise."""
        if self.monitoring_noise is None:
            return None
        return self.rms[gain] - self.monitoring_noise[gain]


class PedestalAccumulator:
    """Pedestal and noise of every telescope over the events given to ``add``."""

    def __init__(self, use_showers: bool = False):
        #: take the signal-free samples of shower events (else pedestal events only)
        self.use_showers = bool(use_showers)
        self._acc: dict[int, list] = {}
        self._monitoring: dict[int, tuple] = {}

    @staticmethod
    def wanted(event_type: str, use_showers: bool) -> bool:
        if event_type in PEDESTAL_EVENT_TYPES:
            return not use_showers
        return use_showers and event_type == "subarray"

    def add(self, event) -> bool:
        """Add the telescopes of ``event`` (an ArrayEvent) when it is of the kind used;
        False (nothing added) otherwise."""
        if not self.wanted(event.event_type, self.use_showers):
            return False
        for data in event.tel.values():
            self.add_telescope(data)
        return True

    def add_telescope(self, data) -> None:
        n_g, n_p = data.n_gains, data.n_pixels
        acc = self._acc.get(data.tel_id)
        if acc is None or acc[0].shape != (n_g, n_p):
            acc = [np.zeros((n_g, n_p)), np.zeros((n_g, n_p)), np.zeros((n_g, n_p), np.int64),
                   0, data.waveform is None]
            self._acc[data.tel_id] = acc
            self._monitoring[data.tel_id] = (
                np.array(data.pedestal_per_sample, dtype=np.float64),
                None if data.pedestal_noise is None
                else np.array(data.pedestal_noise, dtype=np.float64))
        use = (np.ones(n_p, dtype=np.bool_) if data.pixel_status is None
               else np.asarray(data.pixel_status) == 0)
        if data.waveform is not None:
            if self.use_showers:
                use &= signal_free_pixels(data.waveform)
            _accumulate(data.waveform, use, acc[0], acc[1], acc[2])
        else:
            per_sample = (np.asarray(data.sums, dtype=np.float64)
                          / max(int(data.n_sum_samples), 1))[:, :, None]
            _accumulate(per_sample, use, acc[0], acc[1], acc[2])
        acc[3] += 1

    def result(self) -> dict[int, PedestalStats]:
        """tel_id -> PedestalStats of the telescopes seen."""
        source = ("signal-free samples of shower events" if self.use_showers
                  else "pedestal events")
        out = {}
        for tel_id, (s1, s2, n, n_events, sums_only) in sorted(self._acc.items()):
            mean, rms = _mean_std(s1, s2, n)
            mon_ped, mon_noise = self._monitoring[tel_id]
            out[tel_id] = PedestalStats(int(tel_id), source, int(n_events), mean, rms, n.copy(),
                                        mon_ped, mon_noise, bool(sums_only))
        return out


@dataclass(frozen=True, eq=False)
class ChargeStats:
    """Charge (p.e.) per pixel over the calibration events of one telescope: ``mean`` and
    ``std`` (NaN where a pixel was never good; ``std`` NaN with fewer than 2 events) and
    the pixels further than 5σ of the camera spread from the camera median of either."""

    tel_id: int
    n_events: int
    mean: np.ndarray
    std: np.ndarray
    mean_outliers: tuple
    std_outliers: tuple


class ChargeAccumulator:
    """The calibrated charge of calibration events, per telescope and pixel."""

    def __init__(self):
        self._acc: dict[int, list] = {}

    def add(self, tel_id: int, image, status=None) -> None:
        image = np.asarray(image, dtype=np.float64)
        acc = self._acc.get(tel_id)
        if acc is None or acc[0].shape != image.shape:
            acc = self._acc[tel_id] = [np.zeros_like(image), np.zeros_like(image),
                                       np.zeros(image.shape, np.int64), 0]
        use = np.isfinite(image)
        if status is not None:
            use &= np.asarray(status) == 0
        acc[0][use] += image[use]
        acc[1][use] += image[use] ** 2
        acc[2][use] += 1
        acc[3] += 1

    def result(self) -> dict[int, ChargeStats]:
        from .monitoring import summarize

        out = {}
        for tel_id, (s1, s2, n, n_events) in sorted(self._acc.items()):
            mean, std = _mean_std(s1, s2, n)
            outliers = []
            for values in (mean, std):
                sm = summarize(values)  # None where no pixel is finite
                outliers.append(sm.outliers if sm is not None else ())
            out[tel_id] = ChargeStats(int(tel_id), int(n_events), mean, std, *outliers)
        return out


__all__ = ["SIGNAL_FREE_SIGMA", "ChargeAccumulator", "ChargeStats", "PedestalAccumulator",
           "PedestalStats", "signal_free_pixels"]
