"""The charge extractors' options (``[extractor]``); :mod:`ctaviewer.image.extractors` runs
them. ``name`` chooses the extractor, the other keys of the table are its options::

    [extractor]
    name = "neighbor_peak"
    window_width = 7
    local_weight = 0.0

The defaults are ctapipe 0.28's (NeighborPeakWindowSum, 7 samples, 3 before the peak).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..registry import Algorithms
from .options import AlgorithmOptions, option

EXTRACTORS = Algorithms("extractor", "How charge and peak time are taken from the waveform",
                        implemented_in="ctaviewer.image.extractors")

#: how an integration window running past the readout is handled
WINDOW_EDGES = {"truncate": "cut there, as ctapipe", "shift": "moved inside the readout whole"}


class ExtractorConfig(AlgorithmOptions):
    """Base of every extractor's options."""

    family = EXTRACTORS


@dataclass(frozen=True)
class WindowConfig(ExtractorConfig):
    """Options of the extractors that integrate a window around a peak."""

    window_width: int = option(7, "Integration window length",
                               bounds=(1, 4096), unit="samples")
    window_shift: int = option(3, "Part of the window before the peak, at most the "
                               "window width - 1", bounds=(0, 4095), unit="samples")
    apply_correction: bool = option(True, "Scale the charge for the part of the reference "
                                    "pulse outside the window (integration correction)")
    window_edge: str = option("truncate", "A window running past the first or last sample",
                              choices=WINDOW_EDGES)

    def check(self, prefix: str) -> None:
        if self.window_shift > self.window_width - 1:
            raise ConfigError(f"{prefix}.window_shift", f"must be in [0, "
                              f"{self.window_width - 1}], got {self.window_shift!r}")


@EXTRACTORS.declare("full_waveform", "sum of all samples")
@dataclass(frozen=True)
class FullWaveformConfig(ExtractorConfig):
    """The whole readout summed; no options."""


@EXTRACTORS.declare("fixed_window", "window around a fixed sample")
@dataclass(frozen=True)
class FixedWindowConfig(WindowConfig):
    fixed_peak_index: int = option(-1, "Sample of the peak (-1: the middle of the readout)",
                                   bounds=(-1, 4096))


@EXTRACTORS.declare("global_peak", "window at the camera's mean peak")
@dataclass(frozen=True)
class GlobalPeakConfig(WindowConfig):
    pass


@EXTRACTORS.declare("local_peak", "window at each pixel's maximum")
@dataclass(frozen=True)
class LocalPeakConfig(WindowConfig):
    pass


@EXTRACTORS.declare("neighbor_peak", "window at the maximum of the neighbours' summed "
                    "waveform; ctapipe's default")
@dataclass(frozen=True)
class NeighborPeakConfig(WindowConfig):
    local_weight: float = option(0.0, "Weight of the pixel's own waveform in the sum used to "
                                 "find the peak", bounds=(0.0, 100.0))


@EXTRACTORS.declare("two_pass", "local peak, then faint pixels integrated where the core "
                    "pixels' timing predicts")
@dataclass(frozen=True)
class TwoPassConfig(WindowConfig):
    core_threshold: float = option(5.0, "Charge of the core pixels of the first pass",
                                   bounds=(0.0, 1e6), unit="p.e.")
