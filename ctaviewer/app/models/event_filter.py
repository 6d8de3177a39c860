"""Event-list filter expressions such as ``n_tel >= 4 and energy > 1``.

The language is :mod:`ctaviewer.expressions` (the one of the quality query) over the event
list's columns (``table_columns.EventColumns``: the index's, the reconstruction's and, once
the whole file is processed, the simulation's). A filter is evaluated over the whole list
at once with numpy (``EventFilter.mask``), so that filtering 100,000 rows costs a few
array operations, and for one row (``accepts``) when only that row changed.
"""

from __future__ import annotations

import numpy as np

from ...errors import ExpressionError
from ...expressions import Expression
from .table_columns import KEYS

#: the names a filter may use: the event list's columns (``table_columns.KEYS``)
COLUMNS = KEYS
#: the event list's type choice: (label, the condition it adds to the filter)
TYPE_CHOICES = (
    ("all types", ""),
    ("showers", "is_shower == 1"),
    ("pedestal", "is_pedestal == 1"),
    ("flat-field", "is_flatfield == 1"),
    ("all calibration", "is_calibration == 1"),
    ("muon rings", "muon >= 1"),
)

#: the error a bad filter raises (``.message`` says what and where)
FilterError = ExpressionError


class EventFilter:
    """A checked filter over the event list's ``COLUMNS`` as arrays (an ``EventColumns``;
    NaN where a value is unknown, so a comparison with it is false), or over one row as a
    dict with those keys (``accepts``)."""

    def __init__(self, text: str = ""):
        self.expression = Expression(text, COLUMNS, what="column", field="filter")
        self.text = text

    @property
    def empty(self) -> bool:
        return not self.text.strip()

    def mask(self, columns) -> np.ndarray:
        """Boolean array: which rows of ``columns`` (name -> array, an ``EventColumns``)
        the filter keeps."""
        if self.empty:
            return np.ones(len(columns), dtype=bool)
        return self.expression.evaluate({name: columns[name] for name in self.expression.used},
                                        n=len(columns))

    def accepts(self, row: dict) -> bool:
        return self.expression(row)


class FilterMask:
    """The current filter and its result for every row, kept up to date by the event
    table model: ``reset(rows)`` for new rows, ``update(rows, i)`` when row ``i`` changed.
    ``rows`` are the list's columns (an ``EventColumns``)."""

    def __init__(self):
        self.filter = EventFilter("")
        self._mask = np.ones(0, dtype=bool)

    def set_filter(self, flt: EventFilter, rows) -> None:
        self.filter = flt
        self.reset(rows)

    def reset(self, rows) -> None:
        self._mask = self.filter.mask(rows)

    def extend(self, rows, start: int) -> None:
        """Rows ``start`` on were appended: only they are evaluated."""
        if start != len(self._mask):
            self.reset(rows)
        else:
            self._mask = np.concatenate([self._mask, self.filter.mask(_Tail(rows, start))])

    def next_kept(self, i: int, direction: int) -> int | None:
        """The first row after ``i`` (``direction`` +1) or before it (-1) the filter keeps,
        None if there is none."""
        if direction > 0:
            later = np.flatnonzero(self._mask[i + 1:])
            return int(i + 1 + later[0]) if len(later) else None
        earlier = np.flatnonzero(self._mask[:max(i, 0)])
        return int(earlier[-1]) if len(earlier) else None

    def update(self, rows, i: int) -> None:
        if len(self._mask) != len(rows):
            self.reset(rows)
        elif 0 <= i < len(rows):
            self._mask[i] = self.filter.accepts(rows.row(i))

    @property
    def mask(self) -> np.ndarray:
        """The verdict on every row (read-only: the filter's to change)."""
        return self._mask

    def __getitem__(self, i: int) -> bool:
        if 0 <= i < len(self._mask):
            return bool(self._mask[i])
        return self.filter.empty  # a row not seen yet: shown only without a filter

    def __len__(self) -> int:
        return len(self._mask)


class _Tail:
    """Columns from row ``start`` on (the rows appended)."""

    def __init__(self, columns, start: int):
        self.columns, self.start = columns, start

    def __getitem__(self, key):
        return self.columns[key][self.start:]

    def __len__(self) -> int:
        return len(self.columns) - self.start


def combined_filter(text: str, type_condition: str = "") -> EventFilter:
    """The filter of the typed ``text`` and the event-type choice's condition (both must
    hold); a bad ``text`` raises FilterError with positions in ``text`` itself."""
    flt = EventFilter(text)
    if not type_condition:
        return flt
    if flt.empty:
        return EventFilter(type_condition)
    return EventFilter(f"({text}) and {type_condition}")


def compile_filter(text: str):
    """A predicate row -> bool; raises FilterError (``ExpressionError``) for a bad text."""
    return EventFilter(text).accepts
