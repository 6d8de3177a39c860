"""One output from partial files: a file's events processed in ranges by several processes,
each writing its ranges into a partial file of its own, concatenated in event order.

A partial file is an ``EventFileWriter`` file. A range's part of it is given by row spans:
for each table, the rows the range appended (``row_counts`` before and after the range,
``spans``). ``concatenate`` appends to the output writer's tables, table by table, the
spans of every range in event order; the output's tables are made exactly as the partials'
were (``TableWriter.layout``), the rows are copied as they are, so the output holds what
one process writing every event would have written. Two kinds of table differ: the
pointing tables, written once per telescope at its first event, come from the first range
(in event order) that wrote them; the statistics tables (written at close) are summed. The
headers (instrument, run, observation), the shower distribution and the metadata are the
output writer's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import h5py
import numpy as np
from h5py import h5d, h5s

from ..datamodel import paths
from ..datamodel.table import TableWriter, compound_type, read_table
from .dl2 import GEOMETRY_ALGORITHM

#: tables written once per file (the first event that has a telescope writes its row)
ONCE_GROUP = paths.FIXED_POINTING_GROUP + "/"


@dataclass(frozen=True)
class Part:
    """What one range of ``n_events`` events appended to partial file ``path``: table
    path -> (first row, end row)."""

    path: str
    spans: dict
    n_events: int


def row_counts(writer) -> dict[str, int]:
    """Rows of every table of ``writer`` (an ``EventFileWriter``) appended so far."""
    return {path: t.n_appended for path, t in writer.tables().items()}


def spans(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The rows appended between two ``row_counts``."""
    return {path: (before.get(path, 0), n) for path, n in after.items()
            if n != before.get(path, 0)}


def _read(f: h5py.File, path: str, dtype: np.dtype) -> np.ndarray:
    """Every row of table ``path`` as ``dtype`` (its booleans as numpy booleans)."""
    dset = h5d.open(f.id, path.encode())
    n = dset.get_space().get_simple_extent_dims()[0]
    out = np.empty(n, dtype=dtype)
    if n:
        dset.read(h5s.create_simple((n,)), h5s.ALL, out, mtype=compound_type(dtype))
    return out


def _as(rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``rows`` in another layout of the same table. Only the true-image table's layout
    depends on the events (its image column exists when its first event has a true
    image): a column the rows lack is -1, as the writer writes a missing true image."""
    if rows.dtype == dtype:
        return rows
    out = np.full(len(rows), -1, dtype=dtype) if len(rows) else np.empty(0, dtype=dtype)
    for name in dtype.names:
        if name in rows.dtype.names:
            out[name] = rows[name]
    return out


def concatenate(writer, parts: list[Part], layouts: dict[str, dict[str, tuple]]) -> None:
    """Append the rows of ``parts`` (in event order) to ``writer``'s tables and add the
    partial files' statistics; ``layouts`` holds, per partial file, the layout of each
    of its tables."""
    pieces: dict[str, list[tuple[str, int, int]]] = {}
    for part in parts:
        for table, (a, b) in part.spans.items():
            pieces.setdefault(table, []).append((part.path, a, b))
    files = {path: h5py.File(path, "r") for path in layouts}
    dtypes: dict[int, np.dtype] = {}  # by the columns (one object per layout and file)
    try:
        for table in sorted({t for tables in layouts.values() for t in tables}):
            found = pieces.get(table, [])
            if table.startswith(ONCE_GROUP):
                found = found[:1]
            owner = found[0][0] if found else next(p for p, t in layouts.items() if table in t)
            out = writer.merged_table(table, layouts[owner][table])
            whole: dict[str, np.ndarray] = {}  # the rows of each partial file's table
            for path, _, _ in found:
                if path not in whole:
                    columns, title, _ = layouts[path][table]
                    dtype = dtypes.get(id(columns))
                    if dtype is None:
                        dtype = dtypes[id(columns)] = TableWriter(
                            writer.h5, table, columns, title=title).dtype
                    whole[path] = _as(_read(files[path], table, dtype), out.dtype)
            if len(found) == 1 and found[0][1:] == (0, len(whole[found[0][0]])):
                out.append_rows(whole[found[0][0]])  # one file's rows, all of them
            elif found:
                rows = np.empty(sum(b - a for _, a, b in found), dtype=out.dtype)
                at = 0
                for path, a, b in found:  # no np.concatenate: it promotes field by field
                    rows[at:at + b - a] = whole[path][a:b]
                    at += b - a
                out.append_rows(rows)
        _add_statistics(writer, files.values())
    finally:
        for f in files.values():
            f.close()
    writer.n_events += sum(part.n_events for part in parts)
    writer.raise_if_failed()


def _add_statistics(writer, files) -> None:
    """Sum the partial files' statistics tables into the writer's counters."""
    counters = []
    if writer.dl1 is not None:
        counters.append((paths.DL1_IMAGE_STATISTICS, writer.dl1.image_statistics))
    if writer.dl2 is not None:
        counters.append((paths.DL2_TEL_EVENT_STATISTICS.format(GEOMETRY_ALGORITHM),
                         writer.dl2.tel_event_statistics))
    for f in files:
        for path, counter in counters:
            if path in f:
                rows = read_table(f, path)
                counter.merge(rows["counts"], rows["cumulative_counts"])
