"""Time columns: unix seconds (UTC, the event model) to and from the file's TAI times.

Data model v7 stores event times as CTAO high-resolution times, two uint32: TAI seconds
since 1970-01-01 and quarter nanoseconds; older files (ctapipe < 0.21, ours before) store
MJD (TAI) as float64. TAI - UTC comes from ERFA's leap-second table (``erfa.dat``, the
table astropy uses), once per file.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np

UNIX_EPOCH_MJD = 40587.0
QNS_PER_S = 4_000_000_000


def tai_minus_utc(unix_s: float) -> float:
    """TAI - UTC (s) at a unix time (UTC)."""
    import erfa

    day = _dt.datetime.fromtimestamp(math.floor(unix_s), _dt.UTC)
    return float(erfa.dat(day.year, day.month, day.day, 0.0))


class TimeConverter:
    """Unix seconds (UTC) to the file's TAI times; the leap-second offset is found once
    (a file spans hours, not a leap second)."""

    def __init__(self):
        self.offset_s: float | None = None

    def _tai(self, unix_s: float) -> float:
        if self.offset_s is None:
            self.offset_s = tai_minus_utc(unix_s)
        return unix_s + self.offset_s

    def high_res(self, unix_s: float, offset_ns: float = 0.0) -> np.ndarray:
        """(TAI seconds, quarter nanoseconds) since 1970 of ``unix_s`` + ``offset_ns``;
        (0, 0) for an unknown time."""
        out = np.zeros(2, dtype=np.uint32)
        if not math.isfinite(unix_s):
            return out
        tai = self._tai(unix_s)
        seconds = math.floor(tai)
        qns = round((tai - seconds) * QNS_PER_S)
        if math.isfinite(offset_ns):
            qns += round(offset_ns * 4.0)
        seconds += qns // QNS_PER_S
        out[0] = min(max(seconds, 0), 2**32 - 1)
        out[1] = qns % QNS_PER_S
        return out

    def mjd(self, unix_s: float) -> float:
        """MJD (TAI) of ``unix_s``; NaN for an unknown time."""
        if not math.isfinite(unix_s):
            return math.nan
        return UNIX_EPOCH_MJD + self._tai(unix_s) / 86400.0


def tai_seconds(column: np.ndarray, time_format: str) -> np.ndarray:
    """TAI seconds since 1970 of a time column in either format (float64; NaN for the
    zero times that mean unknown)."""
    values = np.asarray(column)
    if time_format == "ctao_high_res" or (values.ndim >= 1 and values.shape[-1:] == (2,)
                                          and values.dtype.kind == "u"):
        s = values[..., 0].astype(np.float64) + values[..., 1].astype(np.float64) / QNS_PER_S
        return np.where((values[..., 0] == 0) & (values[..., 1] == 0), np.nan, s)
    return (values.astype(np.float64) - UNIX_EPOCH_MJD) * 86400.0


def unix_from_tai(tai_s: float) -> float:
    """Unix seconds (UTC) of TAI seconds since 1970."""
    if not math.isfinite(tai_s):
        return math.nan
    return tai_s - tai_minus_utc(tai_s)


def mjd_from_tai(tai_s: np.ndarray) -> np.ndarray:
    return UNIX_EPOCH_MJD + np.asarray(tai_s, dtype=np.float64) / 86400.0
