"""HDF5 tables that PyTables and ctapipe read as their own, written with h5py.

A table is a 1-D chunked compound dataset with PyTables' attributes (``CLASS='TABLE'``,
``VERSION='2.7'``, ``TITLE``, ``NROWS``) and ctapipe's column metadata
(``CTAFIELD_i_NAME``/``_DESC``/``_UNIT``/``_TRANSFORM``). PyTables takes column names from
the compound type, so its per-column ``FIELD_i_NAME`` attributes are left out: with 47
parameter columns per telescope table they cost file size and writing time for nothing.
Booleans are stored as 8-bit HDF5 bitfields, as PyTables writes them (h5py's default enum
would read back as int8 there).
Compression is gzip with shuffle: every HDF5 reader has it, no plugin needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import h5py
import numpy as np
from h5py import h5a, h5d, h5p, h5s, h5t

#: rows per chunk; images use fewer rows (see ``chunk_rows``)
DEFAULT_CHUNK_BYTES = 32 * 1024
GZIP_LEVEL = 1


@dataclass(frozen=True)
class Column:
    """One table column: name, numpy dtype, per-row shape, unit and description."""

    name: str
    dtype: str
    shape: tuple[int, ...] = ()
    unit: str = ""
    desc: str = ""
    time_scale: str = ""  # "tai" for MJD time columns (ctapipe's time transform)


def _h5_type(dt: np.dtype):
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return h5t.array_create(_h5_type(base), shape)
    if dt.kind == "b":
        return h5t.STD_B8LE.copy()
    return h5t.py_create(dt)


_COMPOUND_TYPES: dict[np.dtype, object] = {}


def compound_type(dtype: np.dtype):
    """HDF5 compound type for ``dtype`` with booleans as bitfields (cached per dtype)."""
    ct = _COMPOUND_TYPES.get(dtype)
    if ct is None:
        ct = h5t.create(h5t.COMPOUND, dtype.itemsize)
        for name in dtype.names:
            sub, offset = dtype.fields[name][:2]
            ct.insert(name.encode(), offset, _h5_type(sub))
        _COMPOUND_TYPES[dtype] = ct
    return ct


_SCALAR = h5s.create(h5s.SCALAR)
_STRING_TYPES: dict[int, object] = {}


def _string_type(size: int):
    tid = _STRING_TYPES.get(size)
    if tid is None:
        tid = h5t.C_S1.copy()
        tid.set_size(size)
        tid.set_cset(h5t.CSET_UTF8)
        _STRING_TYPES[size] = tid
    return tid


def _string_attr(node, key: str, value: str) -> None:
    """A fixed-length UTF-8 string attribute (low-level: ~10x faster than attrs.create)."""
    data = value.encode("utf-8")
    size = max(1, len(data))
    tid = _string_type(size)
    name = key.encode("utf-8")
    if h5a.exists(node.id, name):
        h5a.delete(node.id, name)
    aid = h5a.create(node.id, name, tid, _SCALAR)
    aid.write(np.array(data, dtype=f"S{size}"), mtype=tid)


def set_attrs(node, attrs: dict) -> None:
    """Write attributes the way PyTables does: strings as fixed-length UTF-8."""
    for key, value in attrs.items():
        if isinstance(value, str):
            _string_attr(node, key, value)
        elif isinstance(value, bool):
            node.attrs[key] = np.bool_(value)
        elif isinstance(value, int):
            node.attrs[key] = np.int64(value)
        elif isinstance(value, float):
            node.attrs[key] = np.float64(value)
        else:
            node.attrs[key] = value


def ensure_group(h5: h5py.File, path: str) -> h5py.Group:
    """Create ``path`` and its parents as PyTables groups."""
    group = h5["/"]
    for part in path.strip("/").split("/"):
        if not part:
            continue
        if part in group:
            group = group[part]
            continue
        group = group.create_group(part)
        set_attrs(group, {"CLASS": "GROUP", "VERSION": "1.0", "TITLE": ""})
    return group


def init_root(h5: h5py.File, attrs: dict) -> None:
    """Root attributes PyTables and ctapipe expect, plus ``attrs``."""
    base = {"CLASS": "GROUP", "VERSION": "1.0", "TITLE": "", "PYTABLES_FORMAT_VERSION": "2.1"}
    set_attrs(h5["/"], {**base, **attrs})


class TableWriter:
    """An appendable table: rows are buffered and written chunk by chunk.

    ``append(**columns)`` takes one row as scalars/arrays; ``append_rows(array)`` takes a
    structured array. ``close()`` flushes and sets ``NROWS``.
    """

    def __init__(self, h5: h5py.File, path: str, columns, *, title: str = "", attrs=None):
        self.path = path
        self.columns = tuple(columns)
        self.dtype = np.dtype([(c.name, c.dtype, c.shape) for c in self.columns])
        parent, _, name = path.rpartition("/")
        group = ensure_group(h5, parent)
        if name in group:
            raise KeyError(f"table {path} already exists")
        self.chunk_rows = max(8, min(4096, DEFAULT_CHUNK_BYTES // max(1, self.dtype.itemsize)))
        self._ctype = compound_type(self.dtype)
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_chunk((self.chunk_rows,))
        dcpl.set_shuffle()
        dcpl.set_deflate(GZIP_LEVEL)
        space = h5s.create_simple((0,), (h5s.UNLIMITED,))
        dset_id = h5d.create(group.id, name.encode(), self._ctype, space, dcpl=dcpl)
        self.dataset = h5py.Dataset(dset_id)
        meta = {"CLASS": "TABLE", "VERSION": "2.7", "TITLE": title, "NROWS": 0}
        for i, col in enumerate(self.columns):
            meta[f"CTAFIELD_{i}_NAME"] = col.name  # ctapipe's HDF5TableReader maps by it
            if col.desc:
                meta[f"CTAFIELD_{i}_DESC"] = col.desc
            if col.unit:
                meta[f"CTAFIELD_{i}_TRANSFORM"] = "quantity"
                meta[f"CTAFIELD_{i}_UNIT"] = col.unit
            elif col.time_scale:
                meta[f"CTAFIELD_{i}_TRANSFORM"] = "time"
                meta[f"CTAFIELD_{i}_TIME_FORMAT"] = "mjd"
                meta[f"CTAFIELD_{i}_TIME_SCALE"] = col.time_scale
            elif np.dtype(col.dtype).kind == "S":
                meta[f"CTAFIELD_{i}_TRANSFORM"] = "string"
                meta[f"CTAFIELD_{i}_MAXLEN"] = np.dtype(col.dtype).itemsize
        meta.update(attrs or {})
        set_attrs(self.dataset, meta)
        self._buffer = np.zeros(self.chunk_rows, dtype=self.dtype)
        self._n_buffered = 0
        self.n_rows = 0

    def append(self, mapping: dict | None = None, /, **values) -> None:
        """Append one row; keys of ``mapping`` that are not columns are ignored."""
        row = self._buffer[self._n_buffered]
        if mapping:
            names = self.dtype.fields
            for key, value in mapping.items():
                if key in names:
                    row[key] = value
        for key, value in values.items():
            row[key] = value
        self._n_buffered += 1
        if self._n_buffered == self.chunk_rows:
            self.flush()

    def append_rows(self, rows: np.ndarray) -> None:
        self.flush()
        rows = np.asarray(rows, dtype=self.dtype)
        self._write(rows)

    def flush(self) -> None:
        if self._n_buffered:
            self._write(self._buffer[: self._n_buffered])
            self._buffer = np.zeros(self.chunk_rows, dtype=self.dtype)
            self._n_buffered = 0

    def _write(self, rows: np.ndarray) -> None:
        n = len(rows)
        if n == 0:
            return
        start = self.n_rows
        self.dataset.resize((start + n,))
        fspace = self.dataset.id.get_space()
        fspace.select_hyperslab((start,), (n,))
        mspace = h5s.create_simple((n,))
        self.dataset.id.write(mspace, fspace, np.ascontiguousarray(rows), mtype=self._ctype)
        self.n_rows += n

    def close(self) -> None:
        self.flush()
        self.dataset.attrs["NROWS"] = np.int64(self.n_rows)


def write_table(h5, path, columns, rows, *, title: str = "", attrs=None) -> TableWriter:
    """Write a whole table at once from a dict of column arrays or a structured array."""
    writer = TableWriter(h5, path, columns, title=title, attrs=attrs)
    if isinstance(rows, dict):
        n = len(next(iter(rows.values()))) if rows else 0
        data = np.zeros(n, dtype=writer.dtype)
        for key, value in rows.items():
            data[key] = value
        rows = data
    writer.append_rows(rows)
    writer.close()
    return writer


def read_table(h5: h5py.File, path: str) -> np.ndarray:
    """Read a table as a structured array, bitfield booleans turned back into bool."""
    dset = h5[path]
    data = dset[()]
    tid = dset.id.get_type()
    bool_fields = []
    if tid.get_class() == h5t.COMPOUND:
        for i in range(tid.get_nmembers()):
            member = tid.get_member_type(i)
            base = member.get_super() if member.get_class() == h5t.ARRAY else member
            if base.get_class() == h5t.BITFIELD and base.get_size() == 1:
                bool_fields.append(tid.get_member_name(i).decode())
    if not bool_fields:
        return data
    descr = []
    for name in data.dtype.names:
        sub = data.dtype.fields[name][0]
        if name in bool_fields:
            shape = sub.shape
            descr.append((name, "?", shape) if shape else (name, "?"))
        else:
            descr.append((name, sub))
    out = np.empty(data.shape, dtype=descr)
    for name in data.dtype.names:
        out[name] = data[name] != 0 if name in bool_fields else data[name]
    return out


def decode(value) -> str:
    """An HDF5 string attribute as str."""
    if isinstance(value, bytes | np.bytes_):
        return value.decode("utf-8", "replace")
    return str(value)
