"""Table rows from parameter dictionaries, assembled as tuples in column order.

A telescope event adds a parameter row of ~50 columns (and one of true-image parameters);
looking the values up with one ``operator.itemgetter`` call and appending them with
``TableWriter.append_row`` costs a few µs, where a keyword per column cost ~30 µs.
"""

from __future__ import annotations

import math
import operator


class DictValues:
    """The values of ``names`` in a dictionary, as a tuple; ``default`` for missing keys."""

    def __init__(self, names, default=math.nan):
        self.names = tuple(names)
        self.default = default
        self._get = operator.itemgetter(*self.names) if len(self.names) > 1 else None

    def __call__(self, values: dict) -> tuple:
        if self._get is not None:
            try:
                return self._get(values)
            except KeyError:
                pass
        return tuple(values.get(n, self.default) for n in self.names)


def check_order(table, names) -> None:
    """Fail early if a table's columns are not ``names`` in order (rows are positional)."""
    if tuple(table.names) != tuple(names):
        raise ValueError(f"{table.path}: columns {table.names} are not {tuple(names)}")
