"""Which telescopes and how many events a source delivers (ctapipe's EventSource options).

``allowed_tels`` holds telescope ids and telescope type names, as ctapipe's
``SubarrayDescription.get_tel_ids`` takes them: a name is a type name as ctapipe writes it
("LST_LST_LSTCam", "MST_MST_NectarCam"), an optics name ("LST") or a camera name
("LSTCam", "NectarCam"); the selection is the union of all. A source with a selection
delivers the selected subarray only, the selected telescopes' data only, and skips the
events in which none of them has data (as ``ctapipe.io.SimTelEventSource``). An id or a
name the file does not hold is an error (``errors.SelectionError``), as in ctapipe.
``max_events`` caps iteration and ``len``.

``SourceSelection`` carries both (frozen, picklable: it travels to the helper process and to
batch workers); ``SourceSelection.parse`` reads the command line's and the Open dialog's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError, SelectionError


def id_ranges(ids) -> str:
    """1,2,3,5 -> "1-3, 5"."""
    ids = sorted(int(t) for t in ids)
    out, start = [], None
    for i, t in enumerate(ids):
        if start is None:
            start = t
        if i + 1 == len(ids) or ids[i + 1] != t + 1:
            out.append(str(start) if start == t else f"{start}-{t}")
            start = None
    return ", ".join(out)


def parse_tels(text: str, field: str = "allowed_tels") -> tuple[int | str, ...]:
    """``"1,2,5-8 LST_LST_LSTCam"`` -> (1, 2, 5, 6, 7, 8, "LST_LST_LSTCam"): ids, id ranges
    and type names, separated by commas or spaces. Raises ``ConfigError`` naming ``field``."""
    out: list[int | str] = []
    for token in text.replace(",", " ").split():
        head, dash, tail = token.partition("-")
        if token.isdigit():
            out.append(int(token))
        elif dash and head.isdigit() and tail.isdigit():
            lo, hi = int(head), int(tail)
            if hi < lo:
                raise ConfigError(field, f"the range {token} is empty (write {hi}-{lo})")
            out.extend(range(lo, hi + 1))
        elif token.lstrip("-").isdigit():
            raise ConfigError(field, f"{token}: telescope ids are positive whole numbers")
        else:
            out.append(token)
    if not out:
        raise ConfigError(field, "no telescope given")
    seen: dict = {}
    for t in out:
        seen.setdefault(t, None)
    return tuple(seen)


def check_max_events(value, field: str = "max_events") -> int | None:
    """``value`` as an event count (None: no limit); below 1 is an error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, f"{value!r}: must be a whole number of events")
    if value < 1:
        raise ConfigError(field, f"{value}: must be at least 1 (leave it out to read every event)")
    return int(value)


@dataclass(frozen=True)
class SourceSelection:
    """Telescopes (ids and type names; None: all) and events at most (None: all)."""

    allowed_tels: tuple[int | str, ...] | None = None
    max_events: int | None = None

    def __post_init__(self):
        if self.allowed_tels is not None:
            tels = tuple(self.allowed_tels)
            for t in tels:
                if isinstance(t, bool) or not isinstance(t, (int, str)) or (
                        isinstance(t, int) and t < 1) or (isinstance(t, str) and not t.strip()):
                    raise ConfigError("allowed_tels", f"{t!r}: neither a telescope id nor a "
                                      "telescope type name")
            if not tels:
                raise ConfigError("allowed_tels", "no telescope given (None selects all)")
            object.__setattr__(self, "allowed_tels", tels)
        object.__setattr__(self, "max_events", check_max_events(self.max_events))

    @classmethod
    def parse(cls, tels: str | None = None, max_events: int | None = None, *,
              tels_field: str = "allowed_tels",
              max_events_field: str = "max_events") -> SourceSelection:
        """From text (``parse_tels``; empty or None: all) and a count; errors name the
        fields as the caller shows them (e.g. "--allowed-tels")."""
        parsed = parse_tels(tels, tels_field) if tels and tels.strip() else None
        return cls(parsed, check_max_events(max_events, max_events_field))

    @property
    def is_all(self) -> bool:
        return self.allowed_tels is None and self.max_events is None

    def source_options(self) -> dict:
        """Keyword arguments of ``open_source`` and the readers (only those set)."""
        out = {}
        if self.allowed_tels is not None:
            out["allowed_tels"] = self.allowed_tels
        if self.max_events is not None:
            out["max_events"] = self.max_events
        return out

    def describe(self) -> str:
        """For people: "telescopes 1-4, LSTCam; 10 events at most"; "" when everything."""
        parts = []
        if self.allowed_tels is not None:
            ids = [t for t in self.allowed_tels if isinstance(t, int)]
            names = [t for t in self.allowed_tels if isinstance(t, str)]
            parts.append("telescopes " + ", ".join(([id_ranges(ids)] if ids else []) + names))
        if self.max_events is not None:
            parts.append(f"{self.max_events} events at most")
        return "; ".join(parts)


def resolve_allowed_tels(subarray, requested, path=None) -> frozenset[int] | None:
    """The telescope ids ``requested`` (ids and type names) selects in ``subarray``; None
    for no selection. Raises ``SelectionError`` naming the ids or names the file lacks and
    what it has."""
    if not requested:
        return None
    have = {int(t) for t in subarray.tel_ids}
    ids: set[int] = set()
    unknown_ids, unknown_names = [], []
    for t in requested:
        if isinstance(t, str) and not t.strip().isdigit():
            found = subarray.tel_ids_for_type(t.strip())
            if len(found) == 0:
                unknown_names.append(t)
            ids.update(int(x) for x in found)
        else:
            t = int(t)
            if t in have:
                ids.add(t)
            else:
                unknown_ids.append(t)
    problems = []
    if unknown_ids:
        problems.append(f"telescope id(s) {id_ranges(unknown_ids)} not in the file (it has "
                        f"{id_ranges(have)})")
    if unknown_names:
        types = sorted({d.type_name for d in subarray.telescope_types})
        cameras = sorted({d.camera.name for d in subarray.telescope_types})
        problems.append(f"telescope type(s) {', '.join(map(repr, unknown_names))} not in the "
                        f"file (its types: {', '.join(types)}; cameras: {', '.join(cameras)})")
    if problems:
        raise SelectionError(path, "allowed_tels: " + "; ".join(problems))
    return frozenset(ids)


def select_subarray(subarray, requested, path=None):
    """(the selected subarray, the allowed ids or None) of ``requested`` in ``subarray``."""
    allowed = resolve_allowed_tels(subarray, requested, path)
    if allowed is None:
        return subarray, None
    keep = [t for t in subarray.tel_ids if int(t) in allowed]
    return subarray.select(keep, name=subarray.name), allowed
