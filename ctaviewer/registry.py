"""Name → implementation registries.

What users choose by name is looked up in a registry, so a new one plugs in without caller
changes. ``Algorithms`` is the registry of one family of processing steps (extractors,
cleaners, reconstructors, invalid-pixel handlers): :mod:`ctaviewer.config` declares each
algorithm with its options class, and the module that implements it (numba kernels and
all) binds its function, so that configurations are built and checked without loading the
kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered mapping from a name to an implementation, with an optional priority."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, tuple[int, T]] = {}

    def register(self, name: str, item: T | None = None, *, priority: int = 0):
        """Register ``item`` under ``name``; usable as a decorator when ``item`` is omitted."""

        def _add(obj: T) -> T:
            if name in self._items:
                raise KeyError(f"{self.kind} {name!r} is already registered")
            self._items[name] = (priority, obj)
            return obj

        if item is None:
            return _add
        return _add(item)

    def get(self, name: str) -> T:
        try:
            return self._items[name][1]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise KeyError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        """Names, highest priority first, then in registration order."""
        order = sorted(enumerate(self._items.items()), key=lambda e: (-e[1][1][0], e[0]))
        return [name for _, (name, _) in order]

    def items(self) -> Iterator[tuple[str, T]]:
        for name in self.names():
            yield name, self._items[name][1]

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def find(self, predicate: Callable[[T], bool]) -> list[str]:
        return [name for name, item in self.items() if predicate(item)]


#: ``Algorithms.declare``'s default: used as a class decorator
_DECORATOR = object()


class Algorithm:
    """One algorithm users choose by name: its options (a frozen dataclass of
    :mod:`ctaviewer.config`, or None when it has none), a one-line summary, and the function
    that runs it.

    The configuration layer declares an algorithm (name, options, summary) without importing
    its code; the module that implements it binds the function with
    :meth:`Algorithms.implement`. Calling the algorithm calls that function.
    """

    __slots__ = ("name", "config", "summary", "function", "_family")

    def __init__(self, name: str, config: type | None, summary: str, family: Algorithms):
        self.name = name
        self.config = config
        self.summary = summary
        self.function: Callable | None = None
        self._family = family

    def __call__(self, *args, **kwargs):
        if self.function is None:
            raise LookupError(
                f"{self._family.kind} {self.name!r} is declared but not implemented in this "
                f"process: import {self._family.implemented_in} first")
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        config = self.config.__name__ if self.config is not None else None
        return f"Algorithm({self.name!r}, config={config}, implemented={self.function is not None})"


class Algorithms(Registry[Algorithm]):
    """A family of algorithms chosen by name (extractors, cleaners, reconstructors, ...).

    ``help`` says what the choice decides (shown with each algorithm's summary as the help of
    the ``name`` setting); ``implemented_in`` names the module that binds the functions (for
    the error when one is called before that module was imported).
    """

    def __init__(self, kind: str, help: str, implemented_in: str):
        super().__init__(kind)
        self.help = help
        self.implemented_in = implemented_in

    def declare(self, name: str, summary: str, options=_DECORATOR):
        """Declare algorithm ``name``: as a class decorator, the decorated options class
        becomes its configuration and gets ``name`` as a class attribute; with ``options=None``
        the algorithm has no options."""
        if options is not _DECORATOR:
            self.register(name, Algorithm(name, options, summary, self))
            return None

        def _declare(cls: type) -> type:
            if cls.__dict__.get("name") not in (None, name):
                raise KeyError(f"{cls.__name__} is already the options of {cls.name!r}")
            self.register(name, Algorithm(name, cls, summary, self))
            cls.name = name
            return cls

        return _declare

    def implement(self, name: str):
        """Decorator binding the function that runs declared algorithm ``name``."""
        algorithm = self.get(name)

        def _bind(function: Callable) -> Callable:
            if algorithm.function is not None:
                raise KeyError(f"{self.kind} {name!r} is already implemented")
            algorithm.function = function
            return function

        return _bind

    def choices(self) -> dict[str, str]:
        """{name: summary}, in order."""
        return {name: algorithm.summary for name, algorithm in self.items()}
