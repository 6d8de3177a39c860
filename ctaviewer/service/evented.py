"""``Signal``: the one event mechanism of the Qt-free models.

A model owns one ``Signal`` per kind of change and calls ``emit`` when it happens; whoever
wants to know ``connect``s a callable, which is called at once, in the emitting thread,
with the signal's arguments, in the order of connection. A Qt adapter connects a Qt
signal's ``emit`` to forward the change to widgets.

    changed = Signal(int, name="row_changed")
    changed.connect(print)
    changed.emit(3)           # print(3)
    changed.disconnect(print)
"""

from __future__ import annotations

from collections.abc import Callable


class Signal:
    """Callbacks called with ``len(types)`` arguments on every ``emit``."""

    __slots__ = ("name", "types", "_slots")

    def __init__(self, *types: type, name: str = ""):
        self.name = name
        self.types = types
        self._slots: list[Callable] = []

    def connect(self, slot: Callable) -> Callable:
        """Call ``slot`` on every emission (once, however often it is connected); returns
        it, so that ``connect`` serves as a decorator."""
        if not callable(slot):
            raise TypeError(f"{self.name or 'signal'}: {slot!r} is not callable")
        if slot not in self._slots:
            self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable | None = None) -> None:
        """Stop calling ``slot`` (every slot when None); ValueError if it is not connected."""
        if slot is None:
            self._slots.clear()
            return
        try:
            self._slots.remove(slot)
        except ValueError:
            raise ValueError(f"{self.name or 'signal'}: {slot!r} is not connected") from None

    def emit(self, *args) -> None:
        if len(args) != len(self.types):
            raise TypeError(f"{self.name or 'signal'} takes {len(self.types)} argument(s), "
                            f"got {len(args)}")
        for slot in list(self._slots):  # a slot may disconnect itself
            slot(*args)

    def __len__(self) -> int:
        """The number of connected slots."""
        return len(self._slots)

    def __repr__(self) -> str:
        types = ", ".join(t.__name__ for t in self.types)
        return f"Signal({types}, name={self.name!r}, {len(self._slots)} slot(s))"


__all__ = ["Signal"]
