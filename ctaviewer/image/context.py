"""Per-camera data the image steps need, derived once from the geometry and readout."""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np

from ..instrument import CameraGeometry, CameraReadout
from .integration import integration_correction


class CameraContext:
    """Neighbours, border rings, pixel coordinates and integration corrections of a camera.

    Built once per camera type and shared by every pipeline (``Pipeline.with_config`` reuses
    it); everything here depends on the camera only, never on a configuration value, except
    the integration corrections, which are cached per (width, shift).
    """

    def __init__(self, geometry: CameraGeometry, readout: CameraReadout, focal_length: float):
        self.geometry = geometry
        self.readout = readout
        self.focal_length = float(focal_length)
        self.sample_ns = float(readout.sample_width_ns) if readout.sampling_rate_ghz else 1.0
        self._corrections: dict[tuple[int, int], np.ndarray] = {}
        self._window_corrections: dict[tuple[int, int], np.ndarray] = {}
        self._lock = threading.Lock()

    @cached_property
    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        indptr, indices = self.geometry.neighbors
        return np.ascontiguousarray(indptr, np.int32), np.ascontiguousarray(indices, np.int32)

    @cached_property
    def no_broken(self) -> np.ndarray:
        """An all-False pixel mask for images without broken pixels (shared: never written;
        left writable so that the kernels see one array type)."""
        return np.zeros(self.geometry.n_pixels, dtype=np.bool_)

    @cached_property
    def no_peak_time(self) -> np.ndarray:
        """All-NaN peak times (float32) for images without timing, e.g. true images
        (shared: never written; left writable so that the kernels see one array type)."""
        return np.full(self.geometry.n_pixels, np.nan, dtype=np.float32)

    @cached_property
    def pix_x(self) -> np.ndarray:
        return np.ascontiguousarray(self.geometry.pix_x, dtype=np.float64)

    @cached_property
    def pix_y(self) -> np.ndarray:
        return np.ascontiguousarray(self.geometry.pix_y, dtype=np.float64)

    @cached_property
    def pixel_width(self) -> np.ndarray:
        return np.ascontiguousarray(self.geometry.pixel_width, dtype=np.float64)

    @cached_property
    def pix_area(self) -> np.ndarray:
        return np.ascontiguousarray(self.geometry.pix_area, dtype=np.float64)

    @cached_property
    def border(self) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the outermost ring and of the two outermost rings."""
        if self.geometry.n_pixels < 2:
            z = np.zeros(self.geometry.n_pixels, dtype=np.bool_)
            return z, z
        return (
            np.ascontiguousarray(self.geometry.border_mask(1)),
            np.ascontiguousarray(self.geometry.border_mask(2)),
        )

    @cached_property
    def deg_per_m(self) -> float:
        return float(np.rad2deg(1.0) / self.focal_length)

    def correction(self, width: int, shift: int) -> np.ndarray:
        key = (int(width), int(shift))
        corr = self._corrections.get(key)
        if corr is None:
            with self._lock:
                corr = integration_correction(self.readout, width, shift)
                corr.setflags(write=False)
                self._corrections[key] = corr
        return corr

    def window_correction(self, width: int, shift: int) -> np.ndarray:
        """``correction(width, shift)`` as the window kernel takes it: float32, at least one
        entry per gain of a two-gain readout (a single value repeated), cached: the
        extractor asks for it at every telescope event."""
        key = (int(width), int(shift))
        corr = self._window_corrections.get(key)
        if corr is None:
            corr = self.correction(width, shift)
            if len(corr) < 2:
                corr = np.concatenate([corr, corr])
            # left writable (never written), so that the kernel sees the array type it
            # always saw
            corr = corr.astype(np.float32)
            self._window_corrections[key] = corr
        return corr

    def warm(self) -> CameraContext:
        """Compute the geometry-derived caches now (e.g. before a worker thread uses them)."""
        _ = self.csr, self.pix_x, self.pix_y, self.pixel_width, self.pix_area, self.border
        _ = self.no_broken, self.no_peak_time, self.deg_per_m
        return self
