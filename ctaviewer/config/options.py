"""Options: the fields of a configuration section, each defined once.

    @dataclass(frozen=True)
    class TailcutsConfig(CleaningConfig):
        picture_threshold: float = option(10.0, "Charge (p.e.) a pixel needs ...",
                                          bounds=(0.0, 1e6), unit="p.e.")

An option is a dataclass field whose metadata holds its help text, its allowed range
(``bounds``, inclusive) or choices (a tuple of names, a mapping name -> description, or an
:class:`~ctaviewer.registry.Algorithms` family), and its unit. Its type is the field's
annotation. Validation, the TOML reader, the processing panel's editors and tooltips, and the
settings table of the user guide all read these definitions (:func:`options_of`).

``Options.validate(prefix)`` checks every field generically (type from the annotation, then
bounds and choices) and then the class's own ``check(prefix)`` for rules between fields
(a boundary threshold at most the picture threshold). Faults are ``ConfigError`` naming the
dotted field.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

from ..errors import ConfigError
from ..registry import Algorithms


def option(default, help: str, *, bounds: tuple | None = None, choices=None,
           unit: str | None = None):
    """A dataclass field with its help text, allowed range or choices, and unit."""
    return dataclasses.field(default=default, metadata=MappingProxyType({
        "help": help, "bounds": bounds, "choices": choices, "unit": unit}))


@dataclass(frozen=True)
class Option:
    """What one setting is: name, type, default, range or choices, unit and help."""

    name: str
    annotation: object
    default: object
    help: str
    bounds: tuple | None = None
    #: the allowed values, each with its description ('' when none), or None
    choices: Mapping[str, str] | None = None
    unit: str | None = None

    @property
    def optional(self) -> bool:
        """Whether the setting may be unset (None: written as an absent key)."""
        return _matches(None, self.annotation) is True

    @property
    def kind(self) -> type | None:
        """The setting's value type (bool, int, float or str; None for others)."""
        for t in (bool, int, float, str):
            if any(a is t for a in _flat(self.annotation)):
                return t
        return None

    def text(self) -> str:
        """The help, then the unit in brackets or the choices and their descriptions."""
        if not self.choices:
            return f"{self.help} [{self.unit}]" if self.unit else self.help
        items = [f"{name} ({words})" if words else name for name, words in self.choices.items()]
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
        return f"{self.help}: {listed}"

    def allowed(self) -> str:
        """The allowed values in words (for the user guide's table)."""
        if self.choices:
            return ", ".join(f"`{c}`" for c in self.choices)
        words = _describe(self.annotation)
        if self.bounds is not None:
            lo, hi = self.bounds
            words = f"{words} in [{_number(lo)}, {_number(hi)}]"
        return words

    def validate(self, value, where: str) -> None:
        """ConfigError naming ``where`` unless ``value`` fits this option."""
        check_type(where, value, self.annotation)
        if value is None:
            return
        if self.choices is not None and value not in self.choices:
            raise ConfigError(where, f"must be one of {list(self.choices)}, got {value!r}")
        if self.bounds is not None:
            check_range(where, value, *self.bounds)


def choices_of(choices) -> dict[str, str] | None:
    """An option's ``choices`` metadata as {name: description}."""
    if choices is None:
        return None
    if isinstance(choices, Algorithms):
        return choices.choices()
    if isinstance(choices, Mapping):
        return dict(choices)
    return {str(c): "" for c in choices}


def options_of(cls) -> list[Option]:
    """The options of a section class (its fields), in order."""
    hints = field_types(cls)
    out = []
    for f in fields(cls):
        meta = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append(Option(f.name, hints[f.name], default, meta.get("help", ""),
                          meta.get("bounds"), choices_of(meta.get("choices")), meta.get("unit")))
    return out


class Options:
    """Base of the configuration sections: frozen dataclasses of :func:`option` fields."""

    def validate(self, prefix: str) -> None:
        """Every field checked against its option, then the class's own ``check``."""
        for opt in options_of(type(self)):
            opt.validate(getattr(self, opt.name), f"{prefix}.{opt.name}")
        self.check(prefix)

    def check(self, prefix: str) -> None:
        """Rules between fields (after each field was checked on its own); none here."""


class AlgorithmOptions(Options):
    """Base of the options of algorithms chosen by name; ``family`` is their registry and
    ``name`` (a class attribute set when the class is declared) the chosen one."""

    family: typing.ClassVar[Algorithms]
    name: typing.ClassVar[str]

    @classmethod
    def name_option(cls, default: str) -> Option:
        """The ``name`` setting of the family: its choices are the declared algorithms."""
        return Option("name", str, default, cls.family.help, choices=cls.family.choices())

    def converted(self, name: str) -> AlgorithmOptions:
        """The options of algorithm ``name``: the values of the options it shares with this
        one (same field name) kept, the others at their defaults."""
        if name == self.name:
            return self
        target = self.family.get(name).config
        shared = {f.name for f in fields(target)} & {f.name for f in fields(self)}
        return target(**{n: getattr(self, n) for n in shared})


# ---------------------------------------------------------------------- generic checks
def check_range(where: str, value, lo, hi) -> None:
    if not (lo <= value <= hi) or (isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(where, f"must be in [{lo}, {hi}], got {value!r}")


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def kind_of(value) -> str:
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


def short(value) -> str:
    """A value as TOML would show it (near enough), cut to 60 characters."""
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _flat(annotation) -> tuple:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


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


def check_type(where: str, value, annotation) -> None:
    """ConfigError naming ``where`` unless ``value`` has the annotated type."""
    if _matches(value, annotation) is False:
        raise ConfigError(where, f"must be {_describe(annotation)}, got {kind_of(value)} "
                                 f"({short(value)})")


@functools.cache
def field_types(cls) -> dict:
    """{field name: resolved annotation} of a dataclass."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name) for f in fields(cls)}


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value))
