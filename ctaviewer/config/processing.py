"""``ProcessingConfig``: the sections of the processing chain, validated, with a TOML round
trip and per-camera overrides. See :mod:`ctaviewer.config` for the file format."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from ..errors import ConfigError
from .calibration import CalibrationConfig
from .cleaning import CleaningConfig, TailcutsConfig
from .extractors import ExtractorConfig, NeighborPeakConfig
from .muon import KunduChaudhuriTaubinConfig, MuonConfig
from .options import (
    AlgorithmOptions,
    Option,
    Options,
    check_type,
    field_types,
    kind_of,
    options_of,
    short,
    toml_value,
)
from .parameters import ParametersConfig, QualityConfig
from .stereo import HillasIntersectionConfig, StereoConfig


def section(default: type, *, per_camera: bool = False):
    """A field of ProcessingConfig holding one section (``per_camera``: it may differ per
    camera type, through ``camera_overrides``)."""
    return field(default_factory=default, metadata=MappingProxyType({"per_camera": per_camera}))


@dataclass(frozen=True)
class Section:
    """One section of ProcessingConfig: its TOML table name, the type of its value (for an
    algorithm family, their options' common base), its default, and whether it may differ
    per camera type."""

    name: str
    type: type
    default: Options
    per_camera: bool

    @property
    def family(self):
        """The algorithms chosen by ``name`` in this section (None: not a choice)."""
        return self.type.family if issubclass(self.type, AlgorithmOptions) else None


@dataclass(frozen=True)
class ProcessingConfig:
    """Every setting of the processing chain; the defaults are ctapipe 0.28's."""

    extractor: ExtractorConfig = section(NeighborPeakConfig, per_camera=True)
    cleaning: CleaningConfig = section(TailcutsConfig, per_camera=True)
    parameters: ParametersConfig = section(ParametersConfig)
    quality: QualityConfig = section(QualityConfig)
    stereo: StereoConfig = section(HillasIntersectionConfig)
    calibration: CalibrationConfig = section(CalibrationConfig)
    muon: MuonConfig = section(KunduChaudhuriTaubinConfig)
    #: camera name -> per-camera section name -> the keys that differ from the global section
    camera_overrides: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _check_overrides(self.camera_overrides)
        object.__setattr__(self, "camera_overrides", _freeze(self.camera_overrides))
        self.validate()

    def __hash__(self):
        sections = tuple(getattr(self, s) for s in self.sections())
        return hash((sections, _thaw(self.camera_overrides, tuple)))

    def __reduce__(self):  # camera_overrides is read-only: pickled as plain dicts
        values = {s: getattr(self, s) for s in self.sections()}
        return (_restore, (values, _thaw(self.camera_overrides, dict)))

    # ------------------------------------------------------------------ sections
    @classmethod
    def sections(cls) -> Mapping[str, Section]:
        """{name: Section}, in order (the order of the TOML file and the processing panel)."""
        return _sections()

    def options(self, section: str, camera: str | None = None) -> list[Option]:
        """The settings of a section as set here (for ``camera``: with its overrides): the
        family's ``name`` first for an algorithm section, then the chosen one's options."""
        spec = self.sections()[section]
        value = getattr(self, section)
        if camera is not None and spec.per_camera:
            value = self.for_camera(camera)[self.per_camera_sections().index(section)]
        head = [spec.type.name_option(spec.default.name)] if spec.family is not None else []
        return head + options_of(type(value))

    @classmethod
    def per_camera_sections(cls) -> tuple[str, ...]:
        return tuple(name for name, s in cls.sections().items() if s.per_camera)

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        for name, spec in self.sections().items():
            value = getattr(self, name)
            if not isinstance(value, spec.type):
                raise ConfigError(name, f"must be a {spec.type.__name__}, got {kind_of(value)}")
            family = spec.family
            if family is not None:
                declared = getattr(type(value), "name", None)
                if declared not in family or family.get(declared).config is not type(value):
                    raise ConfigError(name, f"must be the options of one of {family.names()}, "
                                            f"got {type(value).__name__}")
            _run_validate(value, name)
        for cam, parts in self.camera_overrides.items():
            for name, values in parts.items():
                prefix = f"camera_overrides.{cam}.{name}"
                _run_validate(_apply(getattr(self, name), values, prefix), prefix)

    @classmethod
    def default(cls) -> ProcessingConfig:
        return cls()

    def for_camera(self, camera_name: str) -> tuple:
        """The effective per-camera sections (extractor, cleaning) of a camera type: the global
        ones with the camera's overrides. An override naming another algorithm starts from
        the global options that algorithm shares (e.g. the window width), else its defaults."""
        parts = self.camera_overrides.get(camera_name, {})
        return tuple(_apply(getattr(self, s), parts.get(s, {}), f"camera_overrides."
                                                                  f"{camera_name}.{s}")
                     for s in self.per_camera_sections())

    def with_camera(self, camera_name: str, **sections) -> ProcessingConfig:
        """A copy in which ``camera_name`` has the given per-camera sections (e.g.
        ``extractor=LocalPeakConfig(window_width=5)``), stored as the keys that differ from
        the global ones; sections not given keep their overrides."""
        overrides = _thaw(self.camera_overrides, dict)
        mine = overrides.pop(camera_name, {})
        for name, value in sections.items():
            if name not in self.per_camera_sections():
                raise ConfigError(f"camera_overrides.{camera_name}.{name}",
                                  f"not a per-camera section; those are "
                                  f"{list(self.per_camera_sections())}")
            base = getattr(self, name)
            diff = {}
            if isinstance(base, AlgorithmOptions) and value.name != base.name:
                diff["name"] = value.name
                base = base.converted(value.name)
            diff.update({f.name: getattr(value, f.name) for f in fields(value)
                         if getattr(value, f.name) != getattr(base, f.name)})
            mine.pop(name, None)
            if diff:
                mine[name] = diff
        if mine:
            overrides[camera_name] = mine
        return dataclasses.replace(self, camera_overrides=overrides)

    # ------------------------------------------------------------------ replace
    def replace(self, **path_values) -> ProcessingConfig:
        """A copy with dotted (or ``__``-separated) fields changed, e.g. ``cleaning__name``,
        or whole sections (``extractor=LocalPeakConfig()``).

        A new ``name`` keeps the options the new algorithm shares with the old one. When a
        per-camera section changes algorithm, the camera overrides that do not name their
        own keep only the keys the new algorithm has (a window width, not a local weight)."""
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
        for name, values in changes.items():
            if name not in self.sections():
                raise ConfigError(name, f"unknown section; allowed: {list(self.sections())}")
            top[name] = _apply(getattr(self, name), values, name)
        if "camera_overrides" not in top:
            top["camera_overrides"] = self._overrides_for(top)
        return dataclasses.replace(self, **top)

    def _overrides_for(self, new: dict) -> dict:
        """The camera overrides, adapted to the per-camera sections in ``new`` (see
        ``replace``)."""
        overrides = _thaw(self.camera_overrides, dict)
        for name in self.per_camera_sections():
            value = new.get(name)
            if value is None or type(value) is type(getattr(self, name)):
                continue
            keep = {f.name for f in fields(value)}
            for cam in list(overrides):
                values = overrides[cam].get(name)
                if values is None or "name" in values:
                    continue
                values = {k: v for k, v in values.items() if k in keep}
                if values:
                    overrides[cam][name] = values
                else:
                    del overrides[cam][name]
                if not overrides[cam]:
                    del overrides[cam]
        return overrides

    # ------------------------------------------------------------------ TOML
    def to_toml(self) -> str:
        lines = []
        for name in self.sections():
            lines.append(f"[{name}]")
            lines += _toml_lines(getattr(self, name))
            lines.append("")
        for cam, parts in self.camera_overrides.items():
            for name, values in parts.items():
                lines.append(f"[camera_overrides.{json.dumps(cam)}.{name}]")
                lines += [f"{k} = {toml_value(v)}" for k, v in values.items() if v is not None]
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
                if os.path.isdir(text_or_path):
                    raise ConfigError("toml", f"{text_or_path} is a folder, not a "
                                              "configuration file")
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
        with values of the fields' types; ``camera_overrides`` as in :mod:`ctaviewer.config`.
        A key of another algorithm than the one named (as files saved before the options
        were split by algorithm hold them) is skipped when it has its default value.
        ``source`` (a file's path) is named in front of every error."""
        try:
            if not isinstance(data, Mapping):
                raise ConfigError("toml", f"must be a table of sections, got {kind_of(data)}")
            sections = cls.sections()
            kwargs = {}
            for key, value in data.items():
                if key == "camera_overrides":
                    continue
                if key not in sections:
                    allowed = [*sections, "camera_overrides"]
                    raise ConfigError(key, f"unknown section; allowed: {allowed}")
                kwargs[key] = _read_section(sections[key], value)
            if "camera_overrides" in data:
                overrides = data["camera_overrides"]
                _check_overrides(overrides)
                kwargs["camera_overrides"] = {
                    cam: {name: _without_stale(kwargs.get(name, sections[name].default), values)
                          for name, values in parts.items()}
                    for cam, parts in overrides.items()}
            return cls(**kwargs)
        except ConfigError as err:
            raise _in_file(err, source) from None


# ---------------------------------------------------------------------- helpers
@functools.cache
def _sections() -> Mapping[str, Section]:
    types_ = field_types(ProcessingConfig)
    return MappingProxyType({
        f.name: Section(f.name, types_[f.name], f.default_factory(), f.metadata["per_camera"])
        for f in fields(ProcessingConfig) if "per_camera" in f.metadata})


def _restore(values: dict, overrides: dict) -> ProcessingConfig:
    return ProcessingConfig(**values, camera_overrides=overrides)


def _toml_lines(value: Options) -> list[str]:
    lines = [f"name = {toml_value(value.name)}"] if isinstance(value, AlgorithmOptions) else []
    for f in fields(value):
        if getattr(value, f.name) is not None:
            lines.append(f"{f.name} = {toml_value(getattr(value, f.name))}")
    return lines


def _owners(family, key: str) -> list[str]:
    """The algorithms of ``family`` that have option ``key``."""
    return [name for name, a in family.items()
            if a.config is not None and key in {f.name for f in fields(a.config)}]


def _apply(base: Options, values: Mapping, prefix: str) -> Options:
    """``base`` with the keys of ``values`` (a table of a file, an override or a replace)
    set; a ``name`` key first changes an algorithm section to that algorithm, keeping the
    options the two share. Unknown keys and values of the wrong type are ConfigErrors."""
    values = dict(values)
    if isinstance(base, AlgorithmOptions) and "name" in values:
        name = values.pop("name")
        check_type(f"{prefix}.name", name, str)
        if name not in base.family:
            raise ConfigError(f"{prefix}.name",
                              f"must be one of {base.family.names()}, got {name!r}")
        base = base.converted(name)
    types_ = field_types(type(base))
    for key, value in values.items():
        if key not in types_:
            raise ConfigError(f"{prefix}.{key}", _not_an_option(base, key))
        check_type(f"{prefix}.{key}", value, types_[key])
    return dataclasses.replace(base, **values) if values else base


def _not_an_option(base: Options, key: str) -> str:
    allowed = [f.name for f in fields(base)]
    if isinstance(base, AlgorithmOptions):
        owners = _owners(base.family, key)
        if owners:
            return (f"an option of {', '.join(owners)}, not of {base.name} (the {base.family.kind}"
                    f" this table names or inherits): remove it or set name to one of those")
        allowed = ["name", *allowed]
    return f"unknown key; allowed: {sorted(allowed)}"


def _without_stale(base: Options, values):
    """A table without the keys that belong to other algorithms of ``base``'s family than
    the one it names and hold their default (files saved when every extractor's options were
    written under [extractor]). Other keys are left for ``_apply`` to judge."""
    if not isinstance(base, AlgorithmOptions) or not isinstance(values, Mapping):
        return values
    name = values.get("name", base.name)
    if not isinstance(name, str) or name not in base.family:
        return values
    own = base.family.get(name).config
    mine = {f.name for f in fields(own)}
    out = {}
    for key, value in values.items():
        defaults = [f.default for n in _owners(base.family, key)
                    for f in fields(base.family.get(n).config) if f.name == key]
        if key in mine or key == "name" or not any(_same(value, d) for d in defaults):
            out[key] = value
    return out


def _same(value, default) -> bool:
    """``value == default`` where true is not 1 (nor 1 true)."""
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default
    return value == default


def _read_section(spec: Section, table) -> Options:
    """A section from its TOML table (ConfigError naming the first fault)."""
    if not isinstance(table, Mapping):
        allowed = [o.name for o in _all_options(spec)]
        raise ConfigError(spec.name, f"must be a table ([{spec.name}] with keys among "
                                     f"{allowed}), got {kind_of(table)} ({short(table)})")
    table = _without_stale(spec.default, table)
    if spec.family is not None:
        name = table.get("name", spec.default.name)
        check_type(f"{spec.name}.name", name, str)
        if name not in spec.family:
            raise ConfigError(f"{spec.name}.name",
                              f"must be one of {spec.family.names()}, got {name!r}")
        base = spec.family.get(name).config()  # its own defaults, not the default's
        table = {k: v for k, v in table.items() if k != "name"}
    else:
        base = spec.default
    return _apply(base, table, spec.name)


def _all_options(spec: Section) -> list[Option]:
    if spec.family is None:
        return options_of(spec.type)
    seen = {"name": spec.type.name_option(spec.default.name)}
    for _, algorithm in spec.family.items():
        for opt in options_of(algorithm.config):
            seen.setdefault(opt.name, opt)
    return list(seen.values())


def _check_overrides(value, prefix: str = "camera_overrides") -> None:
    """``camera_overrides``: a table of camera names, each a table of per-camera sections,
    each a table (its keys are checked against the section's options by ``_apply``)."""
    per_camera = ProcessingConfig.per_camera_sections()
    if not isinstance(value, Mapping):
        raise ConfigError(prefix, f"must be a table of camera names (e.g. "
                                  f"[{prefix}.LSTCam.cleaning]), got {kind_of(value)} "
                                  f"({short(value)})")
    for cam, parts in value.items():
        where = f"{prefix}.{cam}"
        if not isinstance(parts, Mapping):
            raise ConfigError(where, f"must be a table of sections {list(per_camera)} (e.g. "
                                     f"[{where}.cleaning]), got {kind_of(parts)} "
                                     f"({short(parts)})")
        for name, values in parts.items():
            if name not in per_camera:
                raise ConfigError(f"{where}.{name}",
                                  f"unknown section; allowed: {list(per_camera)}")
            if not isinstance(values, Mapping):
                raise ConfigError(f"{where}.{name}", f"must be a table, got "
                                                     f"{kind_of(values)} ({short(values)})")


def _freeze(overrides) -> MappingProxyType:
    return MappingProxyType({
        str(cam): MappingProxyType({k: MappingProxyType(dict(v)) for k, v in parts.items()})
        for cam, parts in dict(overrides).items()})


def _thaw(overrides, kind):
    """The overrides as nested dicts (``kind=dict``) or sorted tuples (``tuple``, hashable)."""
    if kind is dict:
        return {cam: {k: dict(v) for k, v in parts.items()} for cam, parts in overrides.items()}
    return tuple((cam, tuple((k, tuple(sorted(v.items()))) for k, v in sorted(parts.items())))
                 for cam, parts in sorted(overrides.items()))


def _run_validate(section: Options, prefix: str) -> None:
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
