"""Going to an event by what the user types, and bookmarks of events (Qt-free).

``parse_go_to`` reads the text of Event ▸ Go to event: an event id (``1301``) or a position
in the file (``#12``). ``resolve_go_to`` finds it among the event list's rows (from the
file's index): the event's position, or why there is none (an id the file does not hold, a
position beyond its events) or that the index has not reached it yet (a file still being
indexed). An event id can be repeated in a file (concatenated runs): it goes to the first
occurrence after the current event, wrapping around to the first of the file, and says
which one of how many it is.

``Bookmarks`` keeps bookmarked events of one file as (position, event id) pairs: the id
checks that a position still names the same event when the file is opened again (with
another telescope or event selection the positions differ; the event is then found by its
id), ``to_text``/``from_text`` give the stored form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["Bookmark", "Bookmarks", "GoToRequest", "GoToTarget", "parse_go_to",
           "resolve_go_to"]


@dataclass(frozen=True)
class GoToRequest:
    """What to go to: ``kind`` "id" (an event id) or "index" (a position in the file)."""

    kind: str
    value: int

    def describe(self) -> str:
        return f"event id {self.value}" if self.kind == "id" else f"event #{self.value}"


@dataclass(frozen=True)
class GoToTarget:
    """Where a ``GoToRequest`` leads: ``index`` (None: nowhere), ``wait`` (the index has
    not reached it yet: go there once it does) and ``message`` (what to tell the user;
    for an id that is repeated, which occurrence)."""

    index: int | None
    message: str = ""
    wait: bool = False
    #: events with the id asked for (1 for a position)
    occurrences: int = 1

    @property
    def found(self) -> bool:
        return self.index is not None and not self.wait


def parse_go_to(text: str) -> GoToRequest:
    """``"1301"`` -> event id 1301, ``"#12"`` -> position 12; ValueError (the message says
    what is expected) for anything else."""
    t = text.strip()
    kind = "id"
    if t.startswith("#"):
        kind, t = "index", t[1:].strip()
    if not t:
        raise ValueError("Type an event id (e.g. 1301) or # and a position in the file "
                         "(e.g. #12)")
    try:
        value = int(t, 10)
    except ValueError:
        what = "a position (#12)" if kind == "index" else "an event id (1301) or #position"
        raise ValueError(f"{text.strip()!r} is not {what}: a whole number is expected") \
            from None
    if value < 0:
        raise ValueError(f"{text.strip()!r}: "
                         + ("positions" if kind == "index" else "event ids")
                         + " are not negative")
    return GoToRequest(kind, value)


def _id_range(rows) -> str:
    ids = [r["event_id"] for r in rows]
    return f"ids {min(ids)}–{max(ids)}" if ids else "no events"


def resolve_go_to(request: GoToRequest, rows: list[dict], current: int = -1,
                  indexing: bool = False) -> GoToTarget:
    """Where ``request`` leads among ``rows`` (the event list; ``current``: the event
    shown), while the file is still being indexed (``indexing``) or not."""
    n = len(rows)
    if request.kind == "index":
        i = request.value
        if i < n:
            return GoToTarget(i)
        if indexing:
            return GoToTarget(i, f"Event #{i} is not indexed yet ({n} events indexed so "
                                 "far): it is shown once the index reaches it", wait=True)
        return GoToTarget(None, f"There is no event #{i}: the file has {n} events "
                                f"(#0–#{n - 1})" if n else "The file has no events")
    event_id = request.value
    found = [k for k, r in enumerate(rows) if r.get("event_id") == event_id]
    if not found:
        if indexing:
            return GoToTarget(None, f"Event id {event_id} is not among the {n} events indexed "
                                    "so far: it is shown if the index finds it", wait=True)
        return GoToTarget(None, f"Event id {event_id} is not in this file ({n} events, "
                                f"{_id_range(rows)})")
    later = [k for k in found if k > current]
    index = later[0] if later else found[0]
    if len(found) == 1:
        return GoToTarget(index, f"Event id {event_id}: #{index}")
    which = found.index(index) + 1
    listed = ", ".join(f"#{k}" for k in found[:8]) + (", …" if len(found) > 8 else "")
    more = " (so far)" if indexing else ""
    return GoToTarget(index, f"Event id {event_id} is in the file {len(found)} times{more} "
                             f"({listed}): showing #{index}, occurrence {which} of "
                             f"{len(found)} (go to it again for the next)", False, len(found))


def first_with_id(rows: list[dict], event_id: int, start: int = 0) -> int | None:
    """The first of ``rows`` from ``start`` on with ``event_id``, None if none."""
    for k in range(max(start, 0), len(rows)):
        if rows[k].get("event_id") == event_id:
            return k
    return None


@dataclass(frozen=True, order=True)
class Bookmark:
    """A bookmarked event: its position in the file when bookmarked and its id."""

    index: int
    event_id: int

    def locate(self, rows: list[dict]) -> int | None:
        """Its position among ``rows``: ``index`` when that row still has the id, else the
        row with the id closest to it (another selection of the file), None when no row
        has it (not indexed yet, or not in these events)."""
        if 0 <= self.index < len(rows) and rows[self.index].get("event_id") == self.event_id:
            return self.index
        found = [k for k, r in enumerate(rows) if r.get("event_id") == self.event_id]
        if not found:
            return None
        return min(found, key=lambda k: abs(k - self.index))


class Bookmarks:
    """The bookmarked events of one file, in file order."""

    def __init__(self, entries=()):
        self._entries: dict[int, Bookmark] = {}
        for b in entries:
            b = b if isinstance(b, Bookmark) else Bookmark(int(b[0]), int(b[1]))
            self._entries[b.index] = b

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, index: int) -> bool:
        return index in self._entries

    def __iter__(self):
        return iter(self.entries)

    @property
    def entries(self) -> list[Bookmark]:
        return sorted(self._entries.values())

    def toggle(self, index: int, event_id: int) -> bool:
        """Bookmark event ``index`` (id ``event_id``), or remove its bookmark; True when it
        is bookmarked now."""
        if index in self._entries:
            del self._entries[index]
            return False
        self._entries[index] = Bookmark(int(index), int(event_id))
        return True

    def at(self, index: int, rows: list[dict]) -> Bookmark | None:
        """The bookmark of the event at ``index`` among ``rows`` (stored there, or found
        there by its id), None if it has none."""
        if index in self._entries:
            return self._entries[index]
        return next((b for b in self._entries.values() if b.locate(rows) == index), None)

    def remove(self, index: int) -> None:
        self._entries.pop(index, None)

    def to_text(self) -> str:
        return json.dumps([[b.index, b.event_id] for b in self.entries])

    @classmethod
    def from_text(cls, text) -> Bookmarks:
        """The bookmarks of ``to_text``; none for anything unreadable (a settings file
        edited by hand)."""
        try:
            items = json.loads(text) if text else []
            return cls((int(a), int(b)) for a, b in items)
        except (TypeError, ValueError):
            return cls()
