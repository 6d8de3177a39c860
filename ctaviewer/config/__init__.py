"""The processing configuration: frozen dataclasses, validated, with a TOML round trip.

    cfg = ProcessingConfig.default()                      # ctapipe 0.28's settings
    cfg = cfg.replace(**{"cleaning.picture_threshold": 8.0})   # or cleaning__picture_threshold
    cfg = cfg.replace(**{"extractor.name": "local_peak"})      # shared options (window) kept
    text = cfg.to_toml(); ProcessingConfig.from_toml(text) == cfg
    extractor, cleaning = cfg.for_camera("LSTCam")

A TOML file has one table per section. In the sections that choose an algorithm by name
(``extractor``, ``cleaning``, ``stereo``), ``name`` picks it and the other keys of the same
table are that algorithm's own options::

    [extractor]
    name = "two_pass"
    window_width = 5
    core_threshold = 4.0          # an option of two_pass only

    [camera_overrides."LSTCam".cleaning]
    picture_threshold = 6.0

``camera_overrides`` maps a camera name to the keys of the per-camera sections (extractor,
cleaning) that differ for that camera type; an override may name another algorithm, which
then starts from the global options it shares. A key of another algorithm than the one named
is refused, naming it and the algorithms it belongs to; files saved before the options were
split per algorithm (every extractor's options under ``[extractor]``) still load, since such
keys that hold their default are skipped.

Each algorithm's options are a frozen dataclass next to its family's registry
(:mod:`.extractors`, :mod:`.cleaning`, :mod:`.stereo`; :mod:`.calibration` for the
invalid-pixel handlers); the implementing modules (``ctaviewer.image``, ``ctaviewer.reco``)
bind the functions. Every option is defined once (:func:`.options.option`: type, default,
range or choices, unit, help): validation, the TOML reader, the processing panel and the user
guide's table of settings (``python -m ctaviewer.config``) read it. Building, validating and
pickling a configuration import no numba kernel.

Every invalid value raises ``ConfigError(field, message)`` naming the dotted field and the
allowed values; a malformed file (wrong types, unknown keys, bytes that are not UTF-8) too,
with the file's path in front.
"""

from .calibration import INVALID_PIXEL_HANDLERS, SUMS_PEAK_TIMES, CalibrationConfig
from .cleaning import CLEANERS, CleaningConfig, TailcutsConfig
from .extractors import (
    EXTRACTORS,
    WINDOW_EDGES,
    ExtractorConfig,
    FixedWindowConfig,
    FullWaveformConfig,
    GlobalPeakConfig,
    LocalPeakConfig,
    NeighborPeakConfig,
    TwoPassConfig,
    WindowConfig,
)
from .muon import (
    CTAPIPE_MUON_IMAGE_QUERY,
    RING_FITTERS,
    KunduChaudhuriConfig,
    KunduChaudhuriTaubinConfig,
    MuonConfig,
    TaubinConfig,
)
from .options import AlgorithmOptions, Option, Options, option, options_of
from .parameters import CTAPIPE_QUALITY_QUERY, TIMING_FITS, ParametersConfig, QualityConfig
from .processing import ProcessingConfig, Section
from .stereo import (
    RECONSTRUCTORS,
    WEIGHTINGS,
    HillasIntersectionConfig,
    HillasWeightedConfig,
    NominalIntersectionConfig,
    StereoConfig,
)

__all__ = [
    "CLEANERS",
    "CTAPIPE_MUON_IMAGE_QUERY",
    "CTAPIPE_QUALITY_QUERY",
    "EXTRACTORS",
    "INVALID_PIXEL_HANDLERS",
    "RECONSTRUCTORS",
    "RING_FITTERS",
    "SUMS_PEAK_TIMES",
    "TIMING_FITS",
    "WEIGHTINGS",
    "WINDOW_EDGES",
    "AlgorithmOptions",
    "CalibrationConfig",
    "CleaningConfig",
    "ExtractorConfig",
    "FixedWindowConfig",
    "FullWaveformConfig",
    "GlobalPeakConfig",
    "HillasIntersectionConfig",
    "HillasWeightedConfig",
    "KunduChaudhuriConfig",
    "KunduChaudhuriTaubinConfig",
    "LocalPeakConfig",
    "MuonConfig",
    "NeighborPeakConfig",
    "NominalIntersectionConfig",
    "Option",
    "Options",
    "ParametersConfig",
    "ProcessingConfig",
    "QualityConfig",
    "Section",
    "StereoConfig",
    "TailcutsConfig",
    "TaubinConfig",
    "TwoPassConfig",
    "WindowConfig",
    "option",
    "options_of",
]
