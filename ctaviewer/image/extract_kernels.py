"""numba kernels of charge extraction on calibrated waveforms (n_pixels, n_samples), p.e."""

from __future__ import annotations

import numpy as np

from .._numba import njit


@njit(cache=True, fastmath=True)
def window_sum(wf, peak, width, shift, correction, gain, sample_ns, truncate):
    """Sum the window of ``width`` samples starting at ``peak - shift``, per pixel.

    A window running past the first or last sample is cut there when ``truncate`` (as
    ctapipe does: fewer samples, same integration correction) or else moved inside the
    readout whole. Returns charge × correction[gain] (p.e.), the mean sample index of the
    window weighted by its positive samples, in ns (the peak sample where none is positive),
    and the first sample of the window.
    """
    n_pix, n_s = wf.shape
    charge = np.empty(n_pix, dtype=np.float32)
    time = np.empty(n_pix, dtype=np.float32)
    starts = np.empty(n_pix, dtype=np.int32)
    w = min(width, n_s)
    for p in range(n_pix):
        start = peak[p] - shift
        if truncate:
            end = min(start + width, n_s)
            start = max(start, 0)
        else:
            start = min(max(start, 0), n_s - w)
            end = start + w
        total = 0.0
        num = 0.0
        den = 0.0
        for s in range(start, end):
            v = wf[p, s]
            total += v
            vp = max(v, 0.0)  # branch-free: mispredictions cost more than the work
            num += vp * s
            den += vp
        charge[p] = total * correction[gain[p]]
        time[p] = (num / den if den > 0 else peak[p]) * sample_ns
        starts[p] = start
    return charge, time, starts


@njit(cache=True, fastmath=True)
def _argmax(v):
    """First index of the maximum, without data-dependent branches."""
    best = 0
    best_v = v[0]
    for s in range(1, v.shape[0]):
        x = v[s]
        c = x > best_v
        best = s if c else best
        best_v = x if c else best_v
    return best


@njit(cache=True, fastmath=True)
def local_peaks(wf):
    """Index of each pixel's maximum sample."""
    n_pix, n_s = wf.shape
    out = np.empty(n_pix, dtype=np.int64)
    for p in range(n_pix):
        out[p] = _argmax(wf[p])
    return out


#: fast-math flags that change no sum or comparison of finite numbers: no reassociation,
#: contraction (FMA) or approximate division, so every sum keeps its order and rounding
EXACT_FASTMATH = {"nnan", "ninf", "nsz"}


@njit(cache=True, fastmath=EXACT_FASTMATH)
def neighbor_peaks(wf, indptr, indices, local_weight, broken):
    """Peak of the sum of the neighbours' waveforms (+ local_weight × own), per pixel.

    Neighbours flagged in ``broken`` are left out of the sum. The sum runs over the
    neighbours in ``indices`` order (so do the results' bits); a pixel with six good
    neighbours (the inside of a hexagonal camera) sums its seven rows in one pass over the
    samples, in registers.
    """
    n_pix, n_s = wf.shape
    out = np.empty(n_pix, dtype=np.int64)
    acc = np.empty(n_s, dtype=np.float32)
    for p in range(n_pix):
        k0 = indptr[p]
        nn = indptr[p + 1] - k0
        w0 = wf[p]
        six = nn == 6
        if six:
            for kk in range(k0, k0 + 6):
                if broken[indices[kk]]:
                    six = False
        if six:
            w1 = wf[indices[k0]]
            w2 = wf[indices[k0 + 1]]
            w3 = wf[indices[k0 + 2]]
            w4 = wf[indices[k0 + 3]]
            w5 = wf[indices[k0 + 4]]
            w6 = wf[indices[k0 + 5]]
            for s in range(n_s):
                a = local_weight * w0[s]
                a = a + w1[s]
                a = a + w2[s]
                a = a + w3[s]
                a = a + w4[s]
                a = a + w5[s]
                a = a + w6[s]
                acc[s] = a
        else:
            for s in range(n_s):
                acc[s] = local_weight * w0[s]
            for kk in range(k0, k0 + nn):
                q = indices[kk]
                if broken[q]:
                    continue
                for s in range(n_s):
                    acc[s] += wf[q, s]
        out[p] = _argmax(acc)
    return out


@njit(cache=True, fastmath=True)
def global_peak_index(wf, broken):
    """Peak sample of the waveform summed over the pixels not flagged in ``broken``."""
    n_pix, n_s = wf.shape
    acc = np.zeros(n_s, dtype=np.float64)
    for p in range(n_pix):
        if broken[p]:
            continue
        for s in range(n_s):
            acc[s] += wf[p, s]
    return _argmax(acc)


@njit(cache=True)
def core_pixels(charge, indptr, indices, threshold):
    """Pixels above ``threshold`` with at least one neighbour above it."""
    n = charge.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for p in range(n):
        if charge[p] >= threshold:
            for k in range(indptr[p], indptr[p + 1]):
                if charge[indices[k]] >= threshold:
                    out[p] = True
                    break
    return out
