"""Lookup tables in (log10 intensity, impact distance), accumulated by streaming.

Each table keeps, per bin, the count, sum and sum of squares of a target value, so that
training adds events one batch at a time (no event lists) and tables from several trainings
add up. ``lookup`` returns mean and standard deviation per query, NaN where a bin is empty.
"""

from __future__ import annotations

import numpy as np

#: default binning: log10(intensity / p.e.) and impact distance (m)
LOG_INTENSITY_EDGES = np.linspace(1.0, 6.0, 21)
IMPACT_EDGES = np.linspace(0.0, 1000.0, 21)


class LookupTable:
    """Mean and spread of a value in (log10 intensity, impact) bins."""

    def __init__(self, x_edges=LOG_INTENSITY_EDGES, y_edges=IMPACT_EDGES):
        self.x_edges = np.asarray(x_edges, dtype=np.float64)
        self.y_edges = np.asarray(y_edges, dtype=np.float64)
        shape = (len(self.x_edges) - 1, len(self.y_edges) - 1)
        self.count = np.zeros(shape, dtype=np.int64)
        self.sum = np.zeros(shape)
        self.sum2 = np.zeros(shape)

    def _bins(self, x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        ix = np.searchsorted(self.x_edges, x, side="right") - 1
        iy = np.searchsorted(self.y_edges, y, side="right") - 1
        ok = (
            np.isfinite(x) & np.isfinite(y)
            & (ix >= 0) & (ix < self.count.shape[0])
            & (iy >= 0) & (iy < self.count.shape[1])
        )
        return ix, iy, ok

    def fill(self, x, y, value) -> int:
        """Add entries; returns how many fell inside the table."""
        value = np.asarray(value, dtype=np.float64)
        ix, iy, ok = self._bins(x, y)
        ok &= np.isfinite(value)
        np.add.at(self.count, (ix[ok], iy[ok]), 1)
        np.add.at(self.sum, (ix[ok], iy[ok]), value[ok])
        np.add.at(self.sum2, (ix[ok], iy[ok]), value[ok] ** 2)
        return int(ok.sum())

    @property
    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.sum / self.count, np.nan)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation per bin; bins with one entry get NaN (no spread known)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            var = self.sum2 / self.count - self.mean**2
            return np.where(self.count > 1, np.sqrt(np.clip(var, 0.0, None)), np.nan)

    def lookup(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) for each query; NaN outside the table or in empty bins."""
        ix, iy, ok = self._bins(np.atleast_1d(x), np.atleast_1d(y))
        mean = np.full(ix.shape, np.nan)
        std = np.full(ix.shape, np.nan)
        mean[ok] = self.mean[ix[ok], iy[ok]]
        std[ok] = self.std[ix[ok], iy[ok]]
        return mean, std

    def merge(self, other: LookupTable) -> None:
        if not (np.array_equal(self.x_edges, other.x_edges)
                and np.array_equal(self.y_edges, other.y_edges)):
            raise ValueError("lookup tables with different binning cannot be merged")
        self.count += other.count
        self.sum += other.sum
        self.sum2 += other.sum2

    # ---------------------------------------------------------------- persistence
    def save(self, group) -> None:
        for name in ("x_edges", "y_edges", "count", "sum", "sum2"):
            group.create_dataset(name, data=getattr(self, name))

    @classmethod
    def load(cls, group) -> LookupTable:
        table = cls(group["x_edges"][()], group["y_edges"][()])
        table.count[...] = group["count"][()]
        table.sum[...] = group["sum"][()]
        table.sum2[...] = group["sum2"][()]
        return table
