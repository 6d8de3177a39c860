"""HDF5 tables that PyTables and ctapipe read as their own: the writer and the reader.

A table is a 1-D chunked compound dataset with PyTables' attributes (``CLASS='TABLE'``,
``VERSION='2.7'``, ``TITLE``, ``NROWS``) and ctapipe's column metadata
(``CTAFIELD_i_NAME``/``_DESC``/``_UNIT``/``_TRANSFORM``). PyTables takes column names from
the compound type, so its per-column ``FIELD_i_NAME`` attributes are left out: with 47
parameter columns per telescope table they cost file size and writing time for nothing.
Booleans are stored as 8-bit HDF5 bitfields, as PyTables writes them (h5py's default enum
would read back as int8 there).
Compression is gzip with shuffle: every HDF5 reader has it, no plugin needed.

Speed: a file holds a few tables per telescope (parameters, pointing, true impact, ...),
~270 for 70 telescopes, each with ~100 attributes. A table is created only when its first
rows are written (or when it is closed empty), as a copy (``H5Ocopy``) of an empty template
table with all its attributes, built once per layout and process in an in-memory file;
dtypes, layouts and groups are cached. That made writing a 31-event file 5x cheaper than
writing each attribute of each table.
"""

from __future__ import annotations

import operator
import os
import threading

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5o, h5p, h5s, h5t

from ..errors import FilterMissingError

#: rows per chunk; images use fewer rows (see ``chunk_rows``)
DEFAULT_CHUNK_BYTES = 32 * 1024
GZIP_LEVEL = 1


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
    """Create ``path`` and its parents as PyTables groups (an existing group is opened in
    one low-level call: writers ask for the same few parents hundreds of times)."""
    key = path.strip("/")
    if not key:
        return h5["/"]
    cache = h5.__dict__.setdefault("_ctaviewer_groups", {})
    group = cache.get(key)
    if group is not None and group.id.valid:
        return group
    try:
        group = cache[key] = h5py.Group(h5g.open(h5.id, key.encode()))
        return group
    except (KeyError, ValueError):
        pass
    group = h5["/"]
    for part in key.split("/"):
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


def table_meta(columns, title: str = "", attrs=None) -> dict:
    """PyTables' table attributes and ctapipe's column metadata of a table."""
    meta = {"CLASS": "TABLE", "VERSION": "2.7", "TITLE": title, "NROWS": 0}
    for i, col in enumerate(columns):
        meta[f"CTAFIELD_{i}_NAME"] = col.field  # ctapipe's HDF5TableReader maps by it
        if col.desc:
            meta[f"CTAFIELD_{i}_DESC"] = col.desc
        if col.unit:
            meta[f"CTAFIELD_{i}_TRANSFORM"] = "quantity"
            meta[f"CTAFIELD_{i}_UNIT"] = col.unit
        elif col.time_format:
            meta[f"CTAFIELD_{i}_TRANSFORM"] = "time"
            meta[f"CTAFIELD_{i}_TIME_FORMAT"] = col.time_format
            meta[f"CTAFIELD_{i}_TIME_SCALE"] = "tai"
        elif col.enum:  # the enum class as ctapipe stores it: a (protocol 0) pickle of it
            meta[f"CTAFIELD_{i}_TRANSFORM"] = "enum"
            meta[f"CTAFIELD_{i}_ENUM"] = np.bytes_(
                f"cctapipe.containers\n{col.enum}\np0\n.".encode())
        elif col.transform:
            meta[f"CTAFIELD_{i}_TRANSFORM"] = col.transform
        elif np.dtype(col.dtype).kind == "S":
            meta[f"CTAFIELD_{i}_TRANSFORM"] = "string"
            meta[f"CTAFIELD_{i}_MAXLEN"] = np.dtype(col.dtype).itemsize
    meta.update(attrs or {})
    return meta


def _create_table(loc, name: bytes, dtype: np.dtype, chunk_rows: int, meta: dict):
    """An empty chunked, gzip-compressed compound dataset with ``meta`` as attributes."""
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk((chunk_rows,))
    dcpl.set_shuffle()
    dcpl.set_deflate(GZIP_LEVEL)
    space = h5s.create_simple((0,), (h5s.UNLIMITED,))
    dset_id = h5d.create(loc, name, compound_type(dtype), space, dcpl=dcpl)
    set_attrs(h5py.Dataset(dset_id), meta)
    return dset_id


class _TableTemplates:
    """Empty tables, one per table layout (columns, title, attributes), built once per
    process in an in-memory HDF5 file and copied into outputs with ``H5Ocopy``.

    Creating a parameter table attribute by attribute costs ~100 HDF5 calls (2.5 ms); the
    copy of a finished empty table, attributes included, is one C call (~0.2 ms). A file
    of 70 telescopes has ~270 such tables, and a batch repeats the same layouts per file.
    """

    LIMIT = 512  # layouts kept; beyond that tables are created directly

    def __init__(self):
        self._file: h5py.File | None = None
        self._names: dict = {}
        self._pid = None
        self._lock = threading.Lock()  # writers may run in threads (GUI export, tests)

    def _store(self) -> h5py.File:
        if self._file is None or self._pid != os.getpid() or not self._file.id.valid:
            self._pid = os.getpid()
            self._names = {}
            self._file = h5py.File(
                f"ctaviewer-table-templates-{self._pid}-{id(self)}.h5", "w",
                driver="core", backing_store=False, libver="earliest",
            )
        return self._file

    def create(self, loc, name: bytes, key, dtype, chunk_rows, make_meta) -> h5d.DatasetID:
        """Create table ``name`` under group id ``loc`` from the template of ``key``."""
        with self._lock:
            store = self._store()
            tname = self._names.get(key)
            if tname is None:
                if len(self._names) >= self.LIMIT:
                    return _create_table(loc, name, dtype, chunk_rows, make_meta())
                tname = f"t{len(self._names)}".encode()
                _create_table(store.id, tname, dtype, chunk_rows, make_meta()).close()
                self._names[key] = tname
            h5o.copy(store.id, tname, loc, name)
        return h5d.open(loc, name)


_TEMPLATES = _TableTemplates()


_LAYOUTS: dict[tuple, tuple] = {}
_COLUMN_FIELDS = operator.attrgetter(
    "name", "dtype", "shape", "unit", "desc", "time_format", "transform", "enum", "prefix"
)


def _layout(key: tuple, columns: tuple) -> tuple:
    """(numpy dtype, rows per chunk, HDF5 compound type) of columns, cached by ``key``."""
    layout = _LAYOUTS.get(key)
    if layout is None:
        dtype = np.dtype([(c.name, c.dtype, c.shape) for c in columns])
        chunk_rows = max(8, min(4096, DEFAULT_CHUNK_BYTES // max(1, dtype.itemsize)))
        layout = (dtype, chunk_rows, compound_type(dtype))
        if len(_LAYOUTS) < 4096:
            _LAYOUTS[key] = layout
    return layout


def _attrs_key(attrs) -> tuple:
    if not attrs:
        return ()
    return tuple(
        (k, v.dtype.str, v.shape, v.tobytes()) if isinstance(v, np.ndarray)
        else (k, type(v).__name__, repr(v))
        for k, v in attrs.items()
    )


class TableWriter:
    """An appendable table: rows are buffered and written chunk by chunk.

    ``append(**columns)`` takes one row as scalars/arrays, ``append_row(tuple)`` one row as
    the values of every column in order (the cheapest); ``append_rows(array)`` takes a
    structured array. ``close()`` flushes and sets ``NROWS``. The HDF5 dataset is created
    when the first rows are written (or at ``close()`` for an empty table), as a copy of a
    per-process template of the same layout (see ``_TableTemplates``).
    """

    def __init__(self, h5: h5py.File, path: str, columns, *, title: str = "", attrs=None):
        self.path = path
        self.columns = tuple(columns)
        ckey = tuple(map(_COLUMN_FIELDS, self.columns))  # plain tuples: C-speed hash/compare
        self.dtype, self.chunk_rows, self._ctype = _layout(ckey, self.columns)
        #: the column names in order, as ``append_row`` takes their values
        self.names: tuple[str, ...] = self.dtype.names
        self._h5 = h5
        self._parent, _, name = path.rpartition("/")
        self._name = name.encode()
        self._title = title
        self._attrs = attrs
        self._key = (ckey, title, _attrs_key(attrs))
        self._dset = None
        self._buffer = np.zeros(self.chunk_rows, dtype=self.dtype)
        self._n_buffered = 0
        self.n_rows = 0

    def _create(self):
        if self._dset is None:
            group = ensure_group(self._h5, self._parent)
            if group.id.links.exists(self._name):
                raise KeyError(f"table {self.path} already exists")
            self._dset = _TEMPLATES.create(
                group.id, self._name, self._key, self.dtype, self.chunk_rows,
                lambda: table_meta(self.columns, self._title, self._attrs),
            )
        return self._dset

    @property
    def dataset(self) -> h5py.Dataset:
        return h5py.Dataset(self._create())

    def append(self, mapping: dict | None = None, /, **values) -> None:
        """Append one row; keys of ``mapping`` that are not columns are ignored."""
        if not mapping and len(values) == len(self.names) and tuple(values) == self.names:
            # every column, in column order: one tuple assignment instead of one per field
            self.append_row(tuple(values.values()))
            return
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

    def append_row(self, values: tuple) -> None:
        """Append one row given as a tuple of every column's value in column order
        (``names``). numpy converts each value to its column's type exactly as a per-column
        assignment does, in one call: writers append ~25 rows per event, the parameter rows
        with ~50 columns each, and assigning field by field cost ~30 µs a row."""
        self._buffer[self._n_buffered] = values
        self._n_buffered += 1
        if self._n_buffered == self.chunk_rows:
            self.flush()

    def append_rows(self, rows: np.ndarray) -> None:
        self.flush()
        rows = np.asarray(rows, dtype=self.dtype)
        self._write(rows)

    def flush(self) -> None:
        if self._write_buffered():
            self._buffer = np.zeros(self.chunk_rows, dtype=self.dtype)

    def _write_buffered(self) -> bool:
        """Write the rows buffered; whether there were any."""
        if not self._n_buffered:
            return False
        self._write(self._buffer[: self._n_buffered])
        self._n_buffered = 0
        return True

    def _write(self, rows: np.ndarray) -> None:
        n = len(rows)
        if n == 0:
            return
        dset = self._create()
        start = self.n_rows
        dset.set_extent((start + n,))
        fspace = dset.get_space()
        fspace.select_hyperslab((start,), (n,))
        mspace = h5s.create_simple((n,))
        dset.write(mspace, fspace, np.ascontiguousarray(rows), mtype=self._ctype)
        self.n_rows += n

    def close(self) -> None:
        self._write_buffered()
        self._buffer = None  # no new buffer: nothing more comes
        dset = self._create()
        if self.n_rows:
            attr = h5a.open(dset, b"NROWS")
            attr.write(np.array(self.n_rows, dtype=np.int64))
            attr.close()
        # the dataset closes here, not with the file: its chunk cache (what HDF5 holds of
        # the last chunk written) is freed at once, not ~270 tables' worth at the end
        self._dset = None
        dset.close()


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


_PLUGINS_TRIED = False


def register_compression_plugins() -> bool:
    """Make ctapipe's default compression (blosc) readable: ``hdf5plugin`` registers its
    filters with h5py when imported. Imported only when a table needs it (it loads a dozen
    filter libraries, ~0.5 s). Returns False where it is not installed."""
    global _PLUGINS_TRIED
    try:
        import hdf5plugin  # noqa: F401
    except ImportError:
        return False
    _PLUGINS_TRIED = True
    return True


def _read_all(dset: h5py.Dataset) -> np.ndarray:
    try:
        return dset[()]
    except OSError as exc:
        text = str(exc).lower()
        if "filter" not in text and "plugin" not in text:
            raise
        if not _PLUGINS_TRIED and register_compression_plugins():
            return _read_all(dset)
        raise FilterMissingError(
            f"{dset.name} is compressed with a filter h5py cannot decode (ctapipe writes "
            "blosc): the hdf5plugin package provides it"
        ) from None


def read_table(h5: h5py.File, path: str) -> np.ndarray:
    """Read a table as a structured array, bitfield booleans turned back into bool.

    ctapipe's blosc-compressed tables are read through ``hdf5plugin`` (registered on the
    first such table); ``FilterMissingError`` where it is missing."""
    dset = h5[path]
    data = _read_all(dset)
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


def column_attrs(dset: h5py.Dataset) -> dict[str, dict]:
    """ctapipe's per-column metadata (``CTAFIELD_i_*``) by column name: UNIT, TRANSFORM,
    TIME_FORMAT, TRANSFORM_SCALE, ... (string values decoded)."""
    names = dset.dtype.names or ()
    out: dict[str, dict] = {}
    for key, value in dset.attrs.items():
        if not key.startswith("CTAFIELD_"):
            continue
        pos, _, what = key[len("CTAFIELD_"):].partition("_")
        if not pos.isdigit() or int(pos) >= len(names):
            continue
        if isinstance(value, bytes | np.bytes_ | str):
            value = decode(value)
        out.setdefault(names[int(pos)], {})[what] = value
    return out


def undo_fixed_point(values: np.ndarray, attrs: dict) -> np.ndarray:
    """Float values of a column ctapipe stored as scaled integers (its ``transform_image``
    and ``transform_peak_time`` options); other columns are returned as they are. The three
    largest (unsigned) or two smallest and the largest (signed) integers mark NaN/±inf."""
    scale = attrs.get("TRANSFORM_SCALE")
    if scale is None or values.dtype.kind not in "iu":
        return values
    offset = attrs.get("TRANSFORM_OFFSET", 0)
    info = np.iinfo(values.dtype)
    if values.dtype.kind == "u":
        neg_inf, nan, pos_inf = info.max - 2, info.max - 1, info.max
    else:
        neg_inf, nan, pos_inf = info.min, info.min + 1, info.max
    out = (values.astype(np.float64) - offset) / float(scale)
    out[values == nan] = np.nan
    out[values == pos_inf] = np.inf
    out[values == neg_inf] = -np.inf
    return out.astype(np.dtype(str(attrs.get("TRANSFORM_DTYPE", "float32"))))
