"""The processing configuration: a frozen dataclass tree, validated, with a TOML round trip.

    cfg = ProcessingConfig.default()
    cfg = cfg.replace(**{"cleaning.picture_threshold": 8.0})   # or cleaning__picture_threshold
    text = cfg.to_toml(); ProcessingConfig.from_toml(text) == cfg
    extractor, cleaning = cfg.for_camera("LSTCam")

Every invalid value raises ``ConfigError(field, message)`` naming the dotted field and the
allowed values; a malformed file (wrong types, unknown keys, bytes that are not UTF-8) too,
with the file's path in front. The type of each field is checked from its annotation, so a
field added to a section is covered without more code. ``camera_overrides`` maps a camera
name to partial ``extractor``/``cleaning`` settings that replace the global ones for that
camera.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from types import MappingProxyType

from .errors import ConfigError

WEIGHTINGS = ("intensity_length_width", "intensity", "equal")


def _check_range(name, value, lo, hi, kind=float):
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(name, f"must be an integer in [{lo}, {hi}], got {value!r}")
    if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ConfigError(name, f"must be a number in [{lo}, {hi}], got {value!r}")
    if not (lo <= value <= hi) or (kind is float and not math.isfinite(value)):
        raise ConfigError(name, f"must be in [{lo}, {hi}], got {value!r}")


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise ConfigError(name, f"must be true or false, got {value!r}")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ConfigError(name, f"must be one of {list(choices)}, got {value!r}")


#: what peak time sums-only data (no samples) get: the file's own pixel timing, or 0 (ctapipe)
SUMS_PEAK_TIMES = ("file", "zero")
#: how an integration window running past the readout is handled
WINDOW_EDGES = ("truncate", "shift")
#: timing fits by name: "lts" is ctapipe's unweighted least-trimmed-squares line fit,
#: "weighted" a charge-weighted least-squares one
TIMING_FITS = ("lts", "weighted")


# ---------------------------------------------------------------------- generic type checks
def _kind(value) -> str:
    """A value's type in TOML's words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def _short(value) -> str:
    """A value as TOML would show it (near enough), cut to 60 characters."""
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _matches(value, annotation) -> bool | None:
    """Whether ``value`` fits a field annotation; None for annotations not checked here."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        verdicts = [_matches(value, a) for a in typing.get_args(annotation)]
        if True in verdicts:
            return True
        return None if None in verdicts else False
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin is typing.Literal:
        return any(value == a and type(value) is type(a) for a in typing.get_args(annotation))
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            return False
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return not args or all(_matches(v, args[0]) is not False for v in value)
    return None


def _describe(annotation) -> str:
    """What a field of this annotation takes, in words."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        words = " or ".join(_describe(a) for a in args if a is not type(None))
        return words + (" (or no value)" if type(None) in args else "")
    if origin is typing.Literal:
        return f"one of {list(typing.get_args(annotation))}"
    if origin in (tuple, list):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return f"an array of {_describe(args[0])}" if args else "an array"
    return {bool: "true or false", int: "an integer", float: "a number",
            str: "a string"}.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _check_type(name: str, value, annotation) -> None:
    if _matches(value, annotation) is False:
        raise ConfigError(name, f"must be {_describe(annotation)}, got {_kind(value)} "
                                f"({_short(value)})")


@functools.cache
def _field_types(cls) -> dict:
    """{field name: resolved annotation} of a config dataclass."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name) for f in fields(cls)}


def _check_table(prefix: str, value, cls) -> dict:
    """``value`` as the keyword arguments of ``cls``: a table whose keys are fields of
    ``cls`` and whose values have the fields' types (ConfigError naming the first fault)."""
    types_ = _field_types(cls)
    if not isinstance(value, Mapping):
        raise ConfigError(prefix, f"must be a table ([{prefix}] with keys among "
                                  f"{sorted(types_)}), got {_kind(value)} ({_short(value)})")
    for key, item in value.items():
        if key not in types_:
            raise ConfigError(f"{prefix}.{key}", f"unknown key; allowed: {sorted(types_)}")
        _check_type(f"{prefix}.{key}", item, types_[key])
    return dict(value)


def _check_instance(prefix: str, section) -> None:
    """Every field of a config dataclass instance has its annotated type."""
    for name, annotation in _field_types(type(section)).items():
        _check_type(f"{prefix}.{name}", getattr(section, name), annotation)


def _run_validate(section, prefix: str) -> None:
    """``section.validate(prefix)``, any failure a ConfigError naming the section."""
    try:
        section.validate(prefix)
    except ConfigError:
        raise
    except (TypeError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ConfigError(prefix, f"invalid: {type(exc).__name__}: {exc}") from None


def _in_file(err: ConfigError, path) -> ConfigError:
    """``err`` with the path of the file it comes from in front of its message."""
    if path is not None and not getattr(err, "path", None):
        err.path = os.fspath(path)
        err.args = (f"{err.path}: {err}",)
    return err


@dataclass(frozen=True)
class CalibrationConfig:
    #: raw high-gain ADC value above which a two-gain pixel uses its low gain
    gain_threshold: float = 4000.0
    #: subtract the laser calibration's per-pixel time offset (tm_calib) from peak times
    apply_peak_time_shift: bool = True
    #: values of broken pixels (HV disabled, not read out): INVALID_PIXEL_HANDLERS name
    invalid_pixel_handler: str = "neighbor_average"
    #: peak time of sums-only data: "file" (its pixel timing, NaN where none) or "zero"
    sums_peak_time: str = "file"

    def validate(self, prefix="calibration"):
        from .image.invalid_pixels import INVALID_PIXEL_HANDLERS

        _check_range(f"{prefix}.gain_threshold", self.gain_threshold, 1.0, 1e6)
        _check_bool(f"{prefix}.apply_peak_time_shift", self.apply_peak_time_shift)
        _check_choice(
            f"{prefix}.invalid_pixel_handler",
            self.invalid_pixel_handler,
            INVALID_PIXEL_HANDLERS.names(),
        )
        _check_choice(f"{prefix}.sums_peak_time", self.sums_peak_time, SUMS_PEAK_TIMES)


@dataclass(frozen=True)
class ExtractorConfig:
    name: str = "neighbor_peak"
    window_width: int = 7  # samples
    window_shift: int = 3  # samples before the peak
    apply_correction: bool = True  # integration correction from the reference pulse
    local_weight: float = 0.0  # neighbor_peak: weight of the pixel's own waveform
    fixed_peak_index: int = -1  # fixed_window: peak sample, -1 = middle of the readout
    core_threshold: float = 5.0  # two_pass: p.e. for core pixels of the first pass
    window_edge: str = "truncate"  # window past the readout: "truncate" (ctapipe) or "shift"

    def validate(self, prefix="extractor"):
        from .image import EXTRACTORS

        if self.name not in EXTRACTORS:
            raise ConfigError(
                f"{prefix}.name", f"must be one of {EXTRACTORS.names()}, got {self.name!r}"
            )
        _check_range(f"{prefix}.window_width", self.window_width, 1, 4096, int)
        _check_range(f"{prefix}.window_shift", self.window_shift, 0, self.window_width - 1, int)
        _check_bool(f"{prefix}.apply_correction", self.apply_correction)
        _check_range(f"{prefix}.local_weight", self.local_weight, 0.0, 100.0)
        _check_range(f"{prefix}.fixed_peak_index", self.fixed_peak_index, -1, 4096, int)
        _check_range(f"{prefix}.core_threshold", self.core_threshold, 0.0, 1e6)
        _check_choice(f"{prefix}.window_edge", self.window_edge, WINDOW_EDGES)


@dataclass(frozen=True)
class CleaningConfig:
    name: str = "tailcuts"
    picture_threshold: float = 10.0  # p.e.
    boundary_threshold: float = 5.0  # p.e.
    min_picture_neighbors: int = 2
    keep_isolated_pixels: bool = False
    time_limit_ns: float | None = None  # peak-time difference to an image neighbour
    n_dilation_rings: int = 0

    def validate(self, prefix="cleaning"):
        from .image import CLEANERS

        if self.name not in CLEANERS:
            raise ConfigError(
                f"{prefix}.name", f"must be one of {CLEANERS.names()}, got {self.name!r}"
            )
        _check_range(f"{prefix}.picture_threshold", self.picture_threshold, 0.0, 1e6)
        _check_range(
            f"{prefix}.boundary_threshold", self.boundary_threshold, 0.0, self.picture_threshold
        )
        _check_range(f"{prefix}.min_picture_neighbors", self.min_picture_neighbors, 0, 8, int)
        _check_bool(f"{prefix}.keep_isolated_pixels", self.keep_isolated_pixels)
        if self.time_limit_ns is not None:
            _check_range(f"{prefix}.time_limit_ns", self.time_limit_ns, 1e-3, 1e4)
        _check_range(f"{prefix}.n_dilation_rings", self.n_dilation_rings, 0, 10, int)


@dataclass(frozen=True)
class ParametersConfig:
    #: line fit of peak time along the image axis: "lts" (ctapipe's unweighted
    #: least-trimmed-squares) or "weighted" (charge-weighted least squares)
    timing_fit: str = "lts"

    def validate(self, prefix="parameters"):
        if self.timing_fit not in TIMING_FITS:
            raise ConfigError(
                f"{prefix}.timing_fit",
                f"must be one of {list(TIMING_FITS)}, got {self.timing_fit!r}",
            )


#: ctapipe 0.28's default stereo quality query (StereoQualityQuery)
CTAPIPE_QUALITY_QUERY = "hillas_intensity > 50 and hillas_width > 0 and morphology_n_pixels > 3"


@dataclass(frozen=True)
class QualityConfig:
    query: str = CTAPIPE_QUALITY_QUERY

    def validate(self, prefix="quality"):
        if not isinstance(self.query, str):
            raise ConfigError(f"{prefix}.query", f"must be a string, got {self.query!r}")
        _ = self.compiled

    @cached_property
    def compiled(self):
        from .reco.quality import QualityQuery
        from .results import IMAGE_PARAMETER_NAMES

        return QualityQuery(self.query, IMAGE_PARAMETER_NAMES)


@dataclass(frozen=True)
class StereoConfig:
    name: str = "hillas_intersection"
    min_telescopes: int = 2
    weighting: str = "intensity_length_width"

    def validate(self, prefix="stereo"):
        from .reco import RECONSTRUCTORS

        if self.name not in RECONSTRUCTORS:
            raise ConfigError(
                f"{prefix}.name", f"must be one of {RECONSTRUCTORS.names()}, got {self.name!r}"
            )
        _check_range(f"{prefix}.min_telescopes", self.min_telescopes, 2, 1000, int)
        if self.weighting not in WEIGHTINGS:
            raise ConfigError(
                f"{prefix}.weighting", f"must be one of {list(WEIGHTINGS)}, got {self.weighting!r}"
            )


#: per-camera defaults: none, ctapipe 0.28's settings hold for every camera, so that the
#: defaults reproduce ctapipe pixel for pixel (docs/examples/per_camera.toml holds per-camera
#: thresholds and windows to start tuning from)
DEFAULT_CAMERA_OVERRIDES: dict = {}
_SECTIONS = {"extractor": ExtractorConfig, "cleaning": CleaningConfig}


def _check_overrides(value, prefix: str = "camera_overrides") -> None:
    """``camera_overrides``: a table of camera names, each a table of sections (extractor,
    cleaning), each a table of that section's fields with their types."""
    if not isinstance(value, Mapping):
        raise ConfigError(prefix, f"must be a table of camera names (e.g. "
                                  f"[{prefix}.LSTCam.cleaning]), got {_kind(value)} "
                                  f"({_short(value)})")
    for cam, parts in value.items():
        where = f"{prefix}.{cam}"
        if not isinstance(parts, Mapping):
            raise ConfigError(where, f"must be a table of sections {sorted(_SECTIONS)} (e.g. "
                                     f"[{where}.cleaning]), got {_kind(parts)} ({_short(parts)})")
        for section, values in parts.items():
            if section not in _SECTIONS:
                raise ConfigError(f"{where}.{section}",
                                  f"unknown section; allowed: {sorted(_SECTIONS)}")
            _check_table(f"{where}.{section}", values, _SECTIONS[section])


@functools.cache
def _section_types() -> dict:
    """{name: dataclass} of ProcessingConfig's sections (its fields that are dataclasses)."""
    return {name: t for name, t in _field_types(ProcessingConfig).items()
            if isinstance(t, type) and dataclasses.is_dataclass(t)}


def _freeze(overrides) -> MappingProxyType:
    out = {}
    for cam, parts in dict(overrides).items():
        out[str(cam)] = MappingProxyType({k: MappingProxyType(dict(v)) for k, v in parts.items()})
    return MappingProxyType(out)


@dataclass(frozen=True)
class ProcessingConfig:
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    extractor: ExtractorConfig = field(default_factory=ExtractorConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    parameters: ParametersConfig = field(default_factory=ParametersConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    stereo: StereoConfig = field(default_factory=StereoConfig)
    camera_overrides: MappingProxyType = field(
        default_factory=lambda: _freeze(DEFAULT_CAMERA_OVERRIDES)
    )

    def __post_init__(self):
        _check_overrides(self.camera_overrides)
        object.__setattr__(self, "camera_overrides", _freeze(self.camera_overrides))
        self.validate()

    def __hash__(self):
        return hash(self.to_toml())

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        for name, cls in _section_types().items():
            section = getattr(self, name)
            if not isinstance(section, cls):
                raise ConfigError(name, f"must be a {cls.__name__}, got {_kind(section)}")
            _check_instance(name, section)
            _run_validate(section, name)
        for cam, parts in self.camera_overrides.items():
            for section, values in parts.items():
                prefix = f"camera_overrides.{cam}.{section}"
                if section not in _SECTIONS:
                    raise ConfigError(prefix, f"unknown section; allowed: {sorted(_SECTIONS)}")
                allowed = {f.name for f in fields(_SECTIONS[section])}
                for key in values:
                    if key not in allowed:
                        raise ConfigError(
                            f"{prefix}.{key}", f"unknown key; allowed: {sorted(allowed)}"
                        )
            ext, cln = self.for_camera(cam)
            _run_validate(ext, f"camera_overrides.{cam}.extractor")
            _run_validate(cln, f"camera_overrides.{cam}.cleaning")

    @classmethod
    def default(cls) -> ProcessingConfig:
        return cls()

    def for_camera(self, camera_name: str) -> tuple[ExtractorConfig, CleaningConfig]:
        """The effective (extractor, cleaning) configuration for a camera."""
        parts = self.camera_overrides.get(camera_name, {})
        ext = dataclasses.replace(self.extractor, **dict(parts.get("extractor", {})))
        cln = dataclasses.replace(self.cleaning, **dict(parts.get("cleaning", {})))
        return ext, cln

    # ------------------------------------------------------------------ replace
    def replace(self, **path_values) -> ProcessingConfig:
        """A copy with dotted (or ``__``-separated) fields changed, e.g. ``cleaning__name``."""
        changes: dict[str, dict] = {}
        top = {}
        for path, value in path_values.items():
            parts = path.replace("__", ".").split(".")
            if len(parts) == 1:
                top[parts[0]] = value
            elif len(parts) == 2:
                changes.setdefault(parts[0], {})[parts[1]] = value
            else:
                raise ConfigError(path, "use section.field, e.g. cleaning.picture_threshold")
        for section, values in changes.items():
            current = getattr(self, section, None)
            if current is None or section == "camera_overrides":
                raise ConfigError(section, "unknown section")
            allowed = {f.name for f in fields(current)}
            for key in values:
                if key not in allowed:
                    raise ConfigError(
                        f"{section}.{key}", f"unknown key; allowed: {sorted(allowed)}"
                    )
            top[section] = dataclasses.replace(current, **values)
        return dataclasses.replace(self, **top)

    # ------------------------------------------------------------------ TOML
    def to_toml(self) -> str:
        lines = []
        for section in ("calibration", "extractor", "cleaning", "parameters", "quality", "stereo"):
            lines.append(f"[{section}]")
            for f in fields(getattr(self, section)):
                value = getattr(getattr(self, section), f.name)
                if value is not None:
                    lines.append(f"{f.name} = {_toml_value(value)}")
            lines.append("")
        for cam, parts in self.camera_overrides.items():
            for section, values in parts.items():
                lines.append(f"[camera_overrides.{json.dumps(cam)}.{section}]")
                for key, value in values.items():
                    if value is not None:
                        lines.append(f"{key} = {_toml_value(value)}")
                lines.append("")
        return "\n".join(lines)

    @classmethod
    def from_toml(cls, text_or_path) -> ProcessingConfig:
        """Read TOML text or a TOML file; missing fields keep their defaults.

        A file that names ``camera_overrides`` replaces the default per-camera table. Any
        fault raises ConfigError naming the dotted field (and the file, when read from one).
        """
        is_text = isinstance(text_or_path, str) and not os.path.isfile(text_or_path)
        if is_text and "\n" not in text_or_path and "=" not in text_or_path:
            if text_or_path.endswith(".toml") or os.sep in text_or_path:
                raise ConfigError("toml", f"no such configuration file: {text_or_path}")
        source = None if is_text else os.fspath(text_or_path)
        try:
            if is_text:
                text = text_or_path
            else:
                try:
                    with open(source, "rb") as f:
                        raw = f.read()
                except OSError as err:
                    raise ConfigError("toml", f"cannot read {source}: "
                                              f"{err.strerror or err}") from None
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise ConfigError("toml", f"not UTF-8 text (byte 0x{raw[err.start]:02x} "
                                              f"at offset {err.start})") from None
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as err:
                raise ConfigError("toml", str(err)) from None
            except RecursionError:
                raise ConfigError("toml", "values nested too deeply") from None
        except ConfigError as err:
            raise _in_file(err, source) from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data, *, source=None) -> ProcessingConfig:
        """A configuration from a mapping of sections (parsed TOML): tables of known keys
        with values of the fields' types; ``camera_overrides`` as in the module docstring.
        ``source`` (a file's path) is named in front of every error."""
        try:
            if not isinstance(data, Mapping):
                raise ConfigError("toml", f"must be a table of sections, got {_kind(data)}")
            sections = _section_types()
            kwargs = {}
            for key, value in data.items():
                if key == "camera_overrides":
                    _check_overrides(value)
                    kwargs[key] = value
                    continue
                if key not in sections:
                    allowed = sorted([*sections, "camera_overrides"])
                    raise ConfigError(key, f"unknown section; allowed: {allowed}")
                kwargs[key] = sections[key](**_check_table(key, value, sections[key]))
            return cls(**kwargs)
        except ConfigError as err:
            raise _in_file(err, source) from None


#: one sentence per setting ("section.field"), shown as tooltips and in the user guide
FIELD_HELP = MappingProxyType({
    "calibration.gain_threshold": "Raw high-gain ADC value above which a two-gain pixel is "
    "read from its low gain",
    "calibration.apply_peak_time_shift": "Subtract the laser calibration's per-pixel time "
    "offset (the file's tm_calib) from the peak times, as ctapipe does by default",
    "calibration.invalid_pixel_handler": "Charge and peak time of broken pixels (high voltage "
    "disabled, not read out): neighbor_average (mean of the good neighbours, ctapipe's "
    "default) or none (what the extractor gave)",
    "calibration.sums_peak_time": "Peak time of cameras that deliver only integrated sums: "
    "file (the file's own pixel timing, NaN where it has none) or zero (ctapipe)",
    "extractor.name": "How charge and peak time are taken from the waveform: full_waveform "
    "(sum of all samples), fixed_window, global_peak (window at the camera's mean peak), "
    "local_peak (at each pixel's peak), neighbor_peak (at the peak of the neighbours' sum), "
    "two_pass (local_peak, then faint pixels at the time the core pixels predict)",
    "extractor.window_width": "Integration window length, in samples",
    "extractor.window_shift": "Samples of the window before the peak",
    "extractor.apply_correction": "Scale the charge for the part of the reference pulse "
    "outside the window (integration correction)",
    "extractor.local_weight": "neighbor_peak: weight of the pixel's own waveform in the sum "
    "used to find the peak",
    "extractor.fixed_peak_index": "fixed_window: sample of the peak (-1: the middle of the "
    "readout)",
    "extractor.core_threshold": "two_pass: charge (p.e.) of the core pixels of the first pass",
    "extractor.window_edge": "A window running past the first or last sample: truncate "
    "(cut there, as ctapipe) or shift (moved inside the readout whole)",
    "cleaning.name": "Image cleaning algorithm",
    "cleaning.picture_threshold": "Charge (p.e.) a pixel needs to be a picture (core) pixel "
    "of the image",
    "cleaning.boundary_threshold": "Charge (p.e.) a neighbour of a picture pixel needs to be "
    "kept as a boundary pixel (at most the picture threshold)",
    "cleaning.min_picture_neighbors": "Picture pixels need at least this many neighbours "
    "above the picture threshold",
    "cleaning.keep_isolated_pixels": "Keep picture pixels that have no neighbour in the image",
    "cleaning.time_limit_ns": "Drop pixels whose peak time differs by more than this (ns) from "
    "every image neighbour (empty: no time constraint)",
    "cleaning.n_dilation_rings": "Rings of neighbouring pixels added around the cleaned image",
    "parameters.timing_fit": "Line of peak time along the image axis: lts (unweighted "
    "least-trimmed-squares, as ctapipe) or weighted (charge-weighted least squares)",
    "quality.query": "Telescopes whose image parameters fail this expression are left out of "
    "the stereo reconstruction (and greyed in the views); the default is ctapipe's: "
    "hillas_intensity > 50 and hillas_width > 0 and morphology_n_pixels > 3",
    "stereo.name": "Direction and core reconstruction: hillas_intersection (ctapipe's "
    "HillasReconstructor: image planes, core in the tilted frame), hillas_weighted (the same "
    "planes, weighted core on the ground, every uncertainty estimated) or nominal_intersection "
    "(image axes crossed in the nominal frame)",
    "stereo.min_telescopes": "Telescopes passing the quality query needed for a stereo result",
    "stereo.weighting": "Weight of each telescope's image axis: intensity_length_width, "
    "intensity or equal",
})


#: the allowed values of the settings that are a choice of words ("section.field")
FIELD_CHOICES = MappingProxyType({
    "calibration.sums_peak_time": SUMS_PEAK_TIMES,
    "extractor.window_edge": WINDOW_EDGES,
    "parameters.timing_fit": TIMING_FITS,
})


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value))


__all__ = [
    "CalibrationConfig",
    "CleaningConfig",
    "ExtractorConfig",
    "CTAPIPE_QUALITY_QUERY",
    "FIELD_CHOICES",
    "FIELD_HELP",
    "ParametersConfig",
    "ProcessingConfig",
    "QualityConfig",
    "StereoConfig",
]
