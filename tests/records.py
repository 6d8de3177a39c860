"""NaN-aware equality of result records for the tests.

A missing value in a result is NaN (a StereoResult's ``alt_uncert`` when the reconstruction
gives none, a parameter of an empty image). ``==`` on dataclasses holding NaN depends on the
Python version: up to 3.12 the generated ``__eq__`` compared tuples of fields, where the very
same NaN object counts as equal to itself; since 3.13 it compares field by field, and
``nan == nan`` is False. Tests therefore compare records with ``assert_records_equal``: exact
equality, NaN equal to NaN, the same on every Python version.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


def _is_float(x) -> bool:
    return isinstance(x, float | np.floating)


def record_differences(a, b, path: str = "", ignore: tuple[str, ...] = ()) -> list[str]:
    """Where ``a`` and ``b`` differ: one line per differing leaf (empty when equal).

    Dataclasses (same type, field by field), dicts (same keys), lists and tuples (same type and
    length), numpy arrays (same shape and dtype, values equal, NaN equal to NaN) and plain
    values; a float NaN equals any NaN. Fields and dict keys named in ``ignore`` are skipped
    at any depth (e.g. ``timing_ms``).
    """
    here = path or "record"
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return [f"{here}: {type(a).__name__} vs {type(b).__name__}"]
        out = []
        for f in dataclasses.fields(a):
            if f.name not in ignore:
                out += record_differences(
                    getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", ignore)
        return out
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return [f"{here}: dict vs {type(b).__name__}"]
        if set(a) != set(b):
            return [f"{here}: keys {sorted(map(str, set(a) ^ set(b)))} in only one of them"]
        out = []
        for k in a:
            if k not in ignore:
                out += record_differences(a[k], b[k], f"{path}[{k!r}]", ignore)
        return out
    if isinstance(a, list | tuple):
        if type(a) is not type(b) or len(a) != len(b):
            return [f"{here}: {a!r} vs {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += record_differences(x, y, f"{path}[{i}]", ignore)
        return out
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return [f"{here}: {type(a).__name__} vs {type(b).__name__}"]
        if a.shape != b.shape or a.dtype != b.dtype:
            return [f"{here}: array {a.dtype}{a.shape} vs {b.dtype}{b.shape}"]
        nan_aware = a.dtype.kind in "fc"
        if not np.array_equal(a, b, equal_nan=nan_aware):
            differ = a != b
            if nan_aware:
                differ &= ~(np.isnan(a) & np.isnan(b))
            first = tuple(int(i) for i in np.argwhere(differ)[0])
            return [f"{here}: {int(differ.sum())} elements differ, first at {first}: "
                    f"{a[first]!r} vs {b[first]!r}"]
        return []
    if _is_float(a) and _is_float(b) and math.isnan(a) and math.isnan(b):
        return []
    if isinstance(a, bool | np.bool_) != isinstance(b, bool | np.bool_):
        return [f"{here}: {a!r} vs {b!r}"]  # 1 == True: a flag where a count belongs differs
    return [] if a == b else [f"{here}: {a!r} vs {b!r}"]


def assert_records_equal(a, b, ignore: tuple[str, ...] = ()) -> None:
    """Assert that two records are equal as ``record_differences`` defines it."""
    diffs = record_differences(a, b, ignore=ignore)
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(diffs[:20])
