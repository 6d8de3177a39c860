"""What the waveform view draws, computed without Qt: traces of the selected pixels per gain
on a time axis in ns, the integration windows, the camera's reference pulse scaled to each
pixel's extracted charge, and a line of text per pixel.

Times: sample k of the readout is at ``k × sample_width_ns`` (the camera's sampling rate).
Units: "ADC" (raw counts, with the pedestal per sample as the baseline) or "p.e." (p.e. per
sample: ``(ADC − pedestal) × dc_to_pe`` of that gain, as the calibration computes it).

The reference pulse (``CameraReadout.reference_pulse_shape`` of the gain the pixel's charge
comes from, drawn over that gain's trace; sampled every ``reference_pulse_sample_width_ns``)
is scaled so that its integral, in p.e. per sample
over the time axis (``Σ y × Δt_ref / sample_width``), equals the pixel's extracted charge,
and placed where the extractor would find the pixel's peak time (before the laser
calibration's time shift is subtracted: where the pulse is in the readout): its samples over
the integration window have their charge-weighted mean time there. In ADC it is
converted with that gain's dc→p.e. and sits on its pedestal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..event import pixel_status_text

UNITS = ("ADC", "p.e.")
GAINS = {"high gain": (0,), "low gain": (1,), "both gains": (0, 1)}


@dataclass(frozen=True, eq=False)
class Trace:
    """One pixel's samples in one gain."""

    pixel: int
    gain: int
    time_ns: np.ndarray
    values: np.ndarray
    pedestal: float  # the baseline drawn (ADC per sample; NaN in p.e.)
    label: str


@dataclass(frozen=True, eq=False)
class Pulse:
    """The reference pulse of one pixel and gain, scaled to its charge."""

    pixel: int
    gain: int
    time_ns: np.ndarray
    values: np.ndarray
    charge: float  # p.e.
    ref_step_ns: float  # spacing of ``time_ns``


@dataclass(frozen=True)
class PixelText:
    pixel: int
    text: str
    window_ns: tuple[float, float] | None  # the integration window, None if unknown


@dataclass(frozen=True, eq=False)
class WaveformPlot:
    """Everything the view draws; ``message`` instead when there is nothing to draw."""

    tel_id: int | None
    unit: str
    sample_width_ns: float
    n_samples: int
    traces: tuple[Trace, ...] = ()
    pulses: tuple[Pulse, ...] = ()
    pixels: tuple[PixelText, ...] = ()
    message: str = ""


def pulse_integral(pulse: Pulse, sample_width_ns: float) -> float:
    """The pulse's integral in p.e. (its values are p.e. per sample)."""
    return float(np.sum(pulse.values) * pulse.ref_step_ns / sample_width_ns)


def scaled_pulse(shape: np.ndarray, step_ns: float, charge: float, centre_ns: float,
                 sample_width_ns: float, window: tuple[int, int] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(times, p.e. per sample) of the pulse ``shape`` (sampled every ``step_ns``) with its
    integral equal to ``charge``, placed where an extractor finds its peak time at
    ``centre_ns``: with ``window`` (first and end sample of the integration window) the
    pulse sampled at the readout's samples has its charge-weighted mean time over the
    window there, as the window extractors compute the peak time; without, its centroid."""
    shape = np.asarray(shape, dtype=np.float64)
    t = np.arange(len(shape)) * step_ns
    positive = np.clip(shape, 0.0, None)
    area = float(shape.sum() * step_ns / sample_width_ns)
    if not (math.isfinite(area) and area > 0 and positive.sum() > 0):
        return t, np.zeros_like(t)
    centroid = float((t * positive).sum() / positive.sum())
    offset = centre_ns - centroid
    if window is not None and window[1] > window[0]:
        offset = _window_offset(t, shape, offset, centre_ns, sample_width_ns, window)
    return t + offset, shape * (charge / area)


def _window_offset(t, shape, guess: float, centre_ns: float, width: float,
                   window: tuple[int, int]) -> float:
    """The shift of the pulse (near ``guess``) whose samples over ``window`` have their
    weighted mean time closest to ``centre_ns``."""
    offsets = guess + np.linspace(-4 * width, 4 * width, 321)
    k = np.arange(window[0], window[1])
    times = k * width
    samples = np.interp(times[None, :] - offsets[:, None], t, shape, left=0.0, right=0.0)
    weight = samples.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (samples * times).sum(axis=1) / weight
    # only where most of the pulse is inside the window: a pulse outside it with only its
    # tail (or undershoot) inside can have any mean time
    ok = np.isfinite(mean) & (weight > 0.5 * np.max(weight))
    if not ok.any():
        return guess
    best = np.argmin(np.where(ok, np.abs(mean - centre_ns), np.inf))
    return float(offsets[best])


def waveform_plot(event, tel_id: int, readout, pixels, tel_result=None, unit: str = "ADC",
                  gains=(0,), pulse: bool = True) -> WaveformPlot:
    """The traces, pulses and texts of ``pixels`` of telescope ``tel_id`` of ``event``.

    ``readout`` is the telescope's ``CameraReadout``; ``tel_result`` its processing result
    (None: not processed yet, no charge, window or pulse); ``gains`` the gains to draw
    (those the camera has); ``pulse`` adds the reference pulse over the trace of the gain
    each pixel's charge comes from (when that gain is drawn).
    """
    width = float(readout.sample_width_ns)
    if event is None or tel_id not in event.tel or not pixels:
        return WaveformPlot(tel_id, unit, width, 0,
                            message="Click a pixel in the camera view (shift-click adds).")
    data = event.tel[tel_id]
    if data.waveform is None:
        return WaveformPlot(tel_id, unit, width, 0,
                            message=f"Tel {tel_id}: this camera delivers integrated sums only.")
    n_gains, _, n_samples = data.waveform.shape
    gains = [g for g in gains if g < n_gains] or [0]
    t = np.arange(n_samples) * width
    tr = tel_result
    pe = unit == "p.e."
    traces, pulses, texts = [], [], []
    for pix in pixels:
        pix = int(pix)
        for g in gains:
            ped = float(data.pedestal_per_sample[g, pix])
            raw = data.waveform[g, pix].astype(np.float64)
            if pe:
                values = (raw - ped) * float(data.dc_to_pe[g, pix])
                baseline = math.nan
            else:
                values, baseline = raw, ped
            label = f"pixel {pix}" + (f" {'high' if g == 0 else 'low'} gain"
                                      if len(gains) > 1 else "")
            traces.append(Trace(pix, g, t, values, baseline, label))
            if pulse and tr is not None and g == _selected_gain(tr, pix):
                p = _pulse(data, tr, readout, pix, g, pe, width)
                if p is not None:
                    pulses.append(p)
        texts.append(_pixel_text(data, tr, pix, width, n_samples))
    return WaveformPlot(tel_id, unit, width, n_samples, tuple(traces), tuple(pulses),
                        tuple(texts))


def _selected_gain(tr, pix: int) -> int:
    """The gain the charge of ``pix`` comes from (0 where the result does not say)."""
    return int(tr.selected_gain[pix]) if tr.selected_gain is not None else 0


def _pulse(data, tr, readout, pix: int, g: int, pe: bool, width: float) -> Pulse | None:
    charge = float(tr.image[pix])
    peak = float(tr.peak_time[pix])
    if not (math.isfinite(charge) and math.isfinite(peak)) or charge <= 0:
        return None
    shapes = np.atleast_2d(readout.reference_pulse_shape)
    if shapes.size == 0:
        return None
    shape = shapes[min(g, len(shapes) - 1)]
    selected = _selected_gain(tr, pix)
    shift = 0.0
    if data.time_shift_ns is not None:
        row = data.time_shift_ns[min(selected, data.time_shift_ns.shape[0] - 1)]
        shift = float(row[pix]) if math.isfinite(row[pix]) else 0.0
    step = float(readout.reference_pulse_sample_width_ns)
    window = None
    if tr.window_start is not None and tr.window_width:
        start = int(tr.window_start[pix])
        window = (max(start, 0), min(start + int(tr.window_width), data.waveform.shape[2]))
    t, y = scaled_pulse(shape, step, charge, peak + shift, width, window)
    if not pe:
        dc = float(data.dc_to_pe[g, pix])
        if not (math.isfinite(dc) and dc > 0):
            return None
        y = y / dc + float(data.pedestal_per_sample[g, pix])
    return Pulse(pix, g, t, y, charge, step)


def _pixel_text(data, tr, pix: int, width: float, n_samples: int) -> PixelText:
    if tr is None:
        return PixelText(pix, f"pixel {pix}: raw sum {data.raw_sum[pix]:.0f} ADC", None)
    window = None
    if tr.window_start is not None and tr.window_width:
        start = float(tr.window_start[pix])
        end = min(start + tr.window_width, n_samples)  # windows are cut at the readout end
        window = ((start - 0.5) * width, (end - 0.5) * width)
    broken = pixel_status_text(data.pixel_status[pix]) if data.pixel_status is not None else ""
    gain = ""
    if tr.selected_gain is not None and data.n_gains > 1:
        gain = ", " + ("low" if int(tr.selected_gain[pix]) else "high") + " gain"
    text = (f"pixel {pix}: charge {tr.image[pix]:.1f} p.e., "
            f"peak time {tr.peak_time[pix]:.1f} ns{gain}"
            + (" (in cleaned image)" if tr.mask[pix] else "")
            + (f"; broken: {broken}" if broken else ""))
    return PixelText(pix, text, window)
