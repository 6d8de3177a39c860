"""Name → implementation registries.

Readers, extractors, cleaners and reconstructors are looked up by name so a new one plugs in
with one ``register`` call and no caller changes.
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
