"""The whole-file event table (Qt-free): what the event list shows of every event, read
from a DL2 file that a batch run of the whole file wrote into a cache folder.

The application runs ``batch.BatchRunner`` over the open file (in processes of its own, see
``app.models.table_runner``) with a ``TableRequest``'s job: DL1 parameters without images
and DL2 for every event type, estimators applied when given. The output is written under a
temporary name and renamed when complete (``writers.atomic``), to ``TableRequest.cache_path``:
a name made of everything the values depend on (the input's path, size and modification
time, the processing configuration, the telescopes and events selected, the estimators and
their file's stamp). Opening the same file again with the same settings finds it there
(``cached``) and the table fills at once.

``read_table_file`` reads such a file back into numpy columns, one value per event, in the
order the events were written (the file's order); ``FileTable.positions`` places them on
the event list's rows. The columns and their units are ``COLUMNS``. ``export_table`` writes
a table as CSV or ECSV (astropy, units in the header), atomically.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..coords import angular_separation
from ..datamodel import paths
from ..errors import CtaviewerError, InputFileError
from ..event import PRIMARY_NAMES
from ..irf.events import EventIndex
from ..writers.atomic import AtomicOutput

#: bump when what a cached file holds, or how it is read, changes: old files are not used
TABLE_FORMAT = 1


@dataclass(frozen=True)
class TableColumn:
    """One column of the event list: ``key`` (the name filters use), the header's ``label``,
    the ``unit`` (astropy's spelling; "" dimensionless), the display format and what it is.
    ``text`` columns show a name for a code (``type``, ``primary``); ``source`` says where
    the value comes from: the index (``index``), the whole-file table (``table``), or the
    processing of each event visited (``event``; the table fills it for every event)."""

    key: str
    label: str
    unit: str
    fmt: str
    description: str
    source: str = "table"
    text: bool = False


COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("index", "#", "", "{:.0f}", "position of the event in the file", "index"),
    TableColumn("event_id", "event\nid", "", "{:.0f}", "event id", "index"),
    TableColumn("type", "type", "", "{}", "event type", "index", text=True),
    TableColumn("n_tel", "n_tel\ntrig", "", "{:.0f}", "telescopes triggered (with data)",
                "index"),
    TableColumn("n_tel_reco", "n_tel\nreco", "", "{:.0f}",
                "telescopes used by the stereo reconstruction", "event"),
    TableColumn("energy", "E true\n(TeV)", "TeV", "{:.3g}", "true energy", "index"),
    TableColumn("primary", "primary", "", "{}", "simulated primary particle", text=True),
    TableColumn("true_alt", "alt true\n(°)", "deg", "{:.2f}", "true altitude"),
    TableColumn("true_az", "az true\n(°)", "deg", "{:.2f}", "true azimuth"),
    TableColumn("true_core_x", "core x\ntrue (m)", "m", "{:.1f}", "true core x (ground frame)"),
    TableColumn("true_core_y", "core y\ntrue (m)", "m", "{:.1f}", "true core y (ground frame)"),
    TableColumn("true_impact", "impact\ntrue (m)", "m", "{:.1f}",
                "distance of the true core from the array centre (the ground frame's "
                "origin), in the ground plane"),
    TableColumn("true_x_max", "Xmax true\n(g/cm²)", "g / cm2", "{:.0f}",
                "true depth of the shower maximum (where simulated)"),
    TableColumn("reco_alt", "reco\nalt (°)", "deg", "{:.2f}", "reconstructed altitude", "event"),
    TableColumn("reco_az", "reco\naz (°)", "deg", "{:.2f}", "reconstructed azimuth", "event"),
    TableColumn("ang_error", "ang.\nerror (°)", "deg", "{:.3f}",
                "angle between the reconstructed and the true direction"),
    TableColumn("reco_core_x", "core x\nreco (m)", "m", "{:.1f}",
                "reconstructed core x (ground frame)", "event"),
    TableColumn("reco_core_y", "core y\nreco (m)", "m", "{:.1f}",
                "reconstructed core y (ground frame)", "event"),
    TableColumn("h_max", "h_max\n(m)", "m", "{:.0f}",
                "reconstructed height of the shower maximum above sea level", "event"),
    TableColumn("reco_energy", "E reco\n(TeV)", "TeV", "{:.3g}",
                "reconstructed energy (with estimators)", "event"),
    TableColumn("gammaness", "gamma-\nness", "", "{:.3f}", "gammaness (with estimators)",
                "event"),
    TableColumn("intensity", "intensity\n(p.e.)", "", "{:.0f}",
                "summed intensity of the cleaned images (p.e.)", "event"),
    TableColumn("muon", "muon\nrings", "", "{:.0f}",
                "telescopes with a fitted muon ring", "event"),
)
COLUMN = {c.key: c for c in COLUMNS}
#: the numeric columns a whole-file table fills (``FileTable.columns``)
TABLE_KEYS = ("energy", "primary_id", "true_alt", "true_az", "true_core_x", "true_core_y",
              "true_impact", "true_x_max", "n_tel_reco", "reco_alt", "reco_az", "reco_valid",
              "ang_error", "reco_core_x", "reco_core_y", "h_max", "reco_energy", "gammaness",
              "intensity")

#: columns of whole numbers (exported as integers where every value is known)
INTEGER_KEYS = frozenset(("index", "event_id", "n_tel", "n_tel_reco", "muon"))

def primary_name(code: float) -> str:
    """The name of a primary id ("" for NaN: not simulated, or not known yet)."""
    if code != code:
        return ""
    return PRIMARY_NAMES.get(int(code), f"id {int(code)}")


def cache_folder() -> str:
    """Where whole-file tables are kept: ``$CTAVIEWER_CACHE_DIR/tables``, else
    ``$XDG_CACHE_HOME/ctaviewer/tables``, else ``~/.cache/ctaviewer/tables``."""
    root = os.environ.get("CTAVIEWER_CACHE_DIR")
    if root:
        return os.path.join(root, "tables")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ctaviewer", "tables")


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputFileError(path, exc.strerror or str(exc)) from None
    return int(st.st_size), int(st.st_mtime_ns)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TableRequest:
    """What a whole-file table is made of; its ``key`` names the cached file."""

    path: str
    size: int
    mtime_ns: int
    config_toml: str
    allowed_tels: tuple | None = None
    max_events: int | None = None
    estimators: str | None = None
    estimators_stamp: tuple | None = None

    @classmethod
    def for_file(cls, path, config, selection=None, estimators=None) -> TableRequest:
        """The request for ``path`` processed with ``config`` (a ProcessingConfig), the
        telescopes and events of ``selection`` (an ``io.selection.SourceSelection``; None:
        all) and the ``estimators`` file (None: no energy nor gammaness). Raises
        InputFileError when a file cannot be read."""
        path = os.path.abspath(os.fspath(path))
        size, mtime = _stamp(path)
        est = os.path.abspath(os.fspath(estimators)) if estimators else None
        tels = getattr(selection, "allowed_tels", None)
        return cls(path, size, mtime, config.to_toml() if config is not None else "",
                   tuple(tels) if tels is not None else None,
                   getattr(selection, "max_events", None), est,
                   _stamp(est) if est else None)

    @property
    def config_hash(self) -> str:
        return _hash(self.config_toml)[:16]

    @property
    def key(self) -> str:
        what = {"format": TABLE_FORMAT, "path": self.path, "size": self.size,
                "mtime_ns": self.mtime_ns, "config": self.config_hash,
                "allowed_tels": [str(t) for t in self.allowed_tels]
                if self.allowed_tels is not None else None,
                "max_events": self.max_events, "estimators": self.estimators,
                "estimators_stamp": list(self.estimators_stamp or ())}
        return _hash(json.dumps(what, sort_keys=True))[:32]

    def cache_path(self, folder: str | None = None) -> str:
        stem = os.path.basename(self.path).split(".")[0] or "events"
        return os.path.join(folder or cache_folder(), f"{stem}-{self.key}.table.h5")

    def cached(self, folder: str | None = None) -> str | None:
        """The cached table of this request, None when there is none (a table found is
        marked as used now: ``prune_cache`` removes the least recently used)."""
        path = self.cache_path(folder)
        if not os.path.isfile(path):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return path


#: whole-file tables the cache keeps (the least recently used go first)
CACHE_KEEP = 64


def prune_cache(folder: str | None = None, keep: int = CACHE_KEEP) -> list[str]:
    """Remove all but the ``keep`` most recently used tables of the cache folder; the
    paths removed."""
    folder = folder or cache_folder()
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".table.h5")]
    except OSError:
        return []
    paths = [os.path.join(folder, n) for n in names]
    paths.sort(key=lambda p: os.path.getmtime(p) if os.path.exists(p) else 0, reverse=True)
    removed = []
    for path in paths[keep:]:
        with contextlib.suppress(OSError):
            os.remove(path)
            removed.append(path)
    return removed


@dataclass
class FileTable:
    """One value per event of a file, in the file's order: ``event_id`` and the
    ``TABLE_KEYS`` columns (float64, NaN where unknown: no simulation, no valid
    reconstruction, no estimators)."""

    event_id: np.ndarray
    columns: dict[str, np.ndarray]
    source: str = ""  # the file it was read from
    config_hash: str = ""
    has_estimators: bool = False
    #: what the run warned about its input (a truncated file: the events before the end)
    warnings: list[str] = field(default_factory=list)
    input: str = ""  # the file processed

    def __len__(self) -> int:
        return len(self.event_id)

    def positions(self, row_ids: np.ndarray) -> np.ndarray:
        """For each event of the table, its row in an event list whose event ids are
        ``row_ids`` (-1 where the list has no such event): by position when the lists
        agree (the usual case: the same file, the same selection), else by event id."""
        row_ids = np.asarray(row_ids, dtype=np.int64)
        n = len(self.event_id)
        if n <= len(row_ids) and np.array_equal(row_ids[:n], self.event_id):
            return np.arange(n, dtype=np.int64)
        order = np.argsort(row_ids, kind="stable")
        sorted_ids = row_ids[order]
        where = np.searchsorted(sorted_ids, self.event_id)
        where = np.minimum(where, max(len(sorted_ids) - 1, 0))
        found = (len(sorted_ids) > 0) & (sorted_ids[where] == self.event_id) \
            if len(sorted_ids) else np.zeros(n, dtype=bool)
        out = np.full(n, -1, dtype=np.int64)
        out[found] = order[where[found]]
        return out


def read_table_file(path) -> FileTable:
    """The event table of a DL1/DL2 file written by a table job (or by ``ctaviewer
    process --levels dl1,dl2``). Raises InputFileError naming the file when it is not one."""
    import h5py

    from ..datamodel.table import read_table

    path = os.fspath(path)
    g = paths.GEOMETRY_ALGORITHM
    try:
        with h5py.File(path, "r") as h5:
            if paths.DL1_TRIGGER not in h5:
                raise InputFileError(path, f"no {paths.DL1_TRIGGER} table: not an event file")
            trigger = read_table(h5, paths.DL1_TRIGGER)
            ids = trigger["event_id"].astype(np.int64)
            # every table's rows placed on the trigger table's events by (obs_id, event_id)
            events = EventIndex(trigger["obs_id"], ids)
            n = len(ids)
            cols = {k: np.full(n, np.nan) for k in TABLE_KEYS}
            if paths.SIMULATION_SHOWER in h5:
                shower = read_table(h5, paths.SIMULATION_SHOWER)
                for key, name in (("energy", "true_energy"), ("true_alt", "true_alt"),
                                  ("true_az", "true_az"), ("true_core_x", "true_core_x"),
                                  ("true_core_y", "true_core_y"),
                                  ("true_x_max", "true_x_max"),
                                  ("primary_id", "true_shower_primary_id")):
                    cols[key] = events.aligned(shower, shower[name])
            geometry_path = paths.DL2_GEOMETRY.format(g)
            if geometry_path in h5:
                geo = read_table(h5, geometry_path)
                valid = geo[f"{g}_is_valid"].astype(bool)
                used = geo[f"{g}_telescopes"].sum(axis=1).astype(np.float64)
                cols["reco_valid"] = events.aligned(geo, valid)
                cols["n_tel_reco"] = events.aligned(geo, used)
                for key, name in (("reco_alt", "alt"), ("reco_az", "az"),
                                  ("reco_core_x", "core_x"), ("reco_core_y", "core_y"),
                                  ("h_max", "h_max")):
                    cols[key] = events.aligned(geo, np.where(valid, geo[f"{g}_{name}"], np.nan))
            has_estimators = False
            for key, table_path, name in (
                    ("reco_energy", paths.DL2_ENERGY.format(paths.ENERGY_ALGORITHM),
                     f"{paths.ENERGY_ALGORITHM}_energy"),
                    ("gammaness", paths.DL2_PARTICLE_TYPE.format(paths.CLASSIFIER_ALGORITHM),
                     f"{paths.CLASSIFIER_ALGORITHM}_prediction")):
                if table_path in h5:
                    has_estimators = True
                    t = read_table(h5, table_path)
                    cols[key] = events.aligned(t, t[name])
            group = h5.get(paths.DL1_PARAMETERS_GROUP)
            if group is not None and len(group):
                total, seen = np.zeros(n), np.zeros(n, dtype=bool)
                for name in group:  # the summed intensity of each event's images
                    t = read_table(h5, f"{paths.DL1_PARAMETERS_GROUP}/{name}")
                    src, dst = events.rows_of(t["obs_id"], t["event_id"])
                    value = t["hillas_intensity"].astype(np.float64)[src]
                    ok = np.isfinite(value)
                    np.add.at(total, dst[ok], value[ok])
                    seen[dst[ok]] = True
                cols["intensity"] = np.where(seen, total, np.nan)
            config_toml, inputs, warnings = "", [], []
            prov = h5.get(paths.PROVENANCE)
            if prov is not None:
                value = prov.attrs.get("config_toml", "")
                config_toml = value.decode() if isinstance(value, bytes) else str(value)
                inputs = _json_attr(prov, "input_files", [])
                warnings = _json_attr(prov, WARNINGS_ATTR, [])
    except InputFileError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise InputFileError(path, f"cannot read the event table ({exc})") from None
    cols["true_impact"] = np.hypot(cols["true_core_x"], cols["true_core_y"])
    cols["ang_error"] = angular_separation(cols["reco_alt"], cols["reco_az"],
                                           cols["true_alt"], cols["true_az"])
    return FileTable(ids, cols, source=path, config_hash=_hash(config_toml)[:16],
                     has_estimators=has_estimators, warnings=list(warnings),
                     input=inputs[0] if inputs else "")


#: the attribute of the provenance group that keeps the run's warnings about its input
WARNINGS_ATTR = "table_warnings"


def _json_attr(group, name: str, default):
    value = group.attrs.get(name)
    if value is None:
        return default
    try:
        return json.loads(value.decode() if isinstance(value, bytes) else str(value))
    except ValueError:
        return default


def keep_warnings(path, warnings) -> None:
    """Store the run's ``warnings`` in the table file ``path`` (they are said again when
    the table is read back from the cache)."""
    import h5py

    with h5py.File(os.fspath(path), "r+") as h5:
        group = h5.require_group(paths.PROVENANCE)
        group.attrs[WARNINGS_ATTR] = json.dumps(list(warnings))


# ------------------------------------------------------------------ export
EXPORT_FORMATS = {"csv": "CSV (*.csv)", "ecsv": "ECSV, with units (*.ecsv)"}


def export_format(path: str) -> str:
    """"ecsv" for a path ending in .ecsv, else "csv"."""
    return "ecsv" if os.fspath(path).lower().endswith(".ecsv") else "csv"


def export_table(path, columns: dict, fmt: str | None = None) -> str:
    """Write ``columns`` (key -> array, one value per row; text columns as str arrays) as
    CSV (a header line of the keys, units in brackets) or ECSV (astropy; units and
    descriptions in the header), under a temporary name renamed when complete. Returns the
    path; CtaviewerError naming it when it cannot be written."""
    path = os.fspath(path)
    fmt = fmt or export_format(path)
    try:
        with AtomicOutput(path, overwrite=True) as tmp:
            if fmt == "ecsv":
                _write_ecsv(tmp, columns)
            else:
                _write_csv(tmp, columns)
    except OSError as exc:
        raise CtaviewerError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def _csv_name(key: str) -> str:
    unit = COLUMN[key].unit if key in COLUMN else ""
    return f"{key} [{unit}]" if unit else key


def _write_csv(tmp: str, columns: dict) -> None:
    keys = list(columns)
    cells = []
    for key in keys:
        values = np.asarray(columns[key])
        if values.dtype.kind in "fc":
            whole = key in COLUMN and COLUMN[key].fmt == "{:.0f}"
            cells.append(["" if v != v else (f"{v:.0f}" if whole else repr(float(v)))
                          for v in values.tolist()])
        else:
            cells.append([str(v) for v in values.tolist()])
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([_csv_name(k) for k in keys])
        writer.writerows(zip(*cells, strict=True))


def _write_ecsv(tmp: str, columns: dict) -> None:
    from astropy import units as u
    from astropy.table import Table

    table = Table()
    for key, values in columns.items():
        spec = COLUMN.get(key)
        values = np.asarray(values)
        unit = u.Unit(spec.unit) if spec is not None and spec.unit else None
        if key == "intensity":
            unit = None  # photo-electrons: a count, said in the description
        if key in INTEGER_KEYS and values.dtype.kind == "f" and np.isfinite(values).all():
            values = values.astype(np.int64)
        table[key] = values
        if unit is not None:
            table[key].unit = unit
        if spec is not None:
            table[key].description = spec.description
    table.write(tmp, format="ascii.ecsv", overwrite=True)


__all__ = ["CACHE_KEEP", "COLUMN", "COLUMNS", "EXPORT_FORMATS", "INTEGER_KEYS",
           "TABLE_FORMAT", "TABLE_KEYS", "FileTable", "TableColumn", "TableRequest",
           "cache_folder", "export_format", "export_table", "keep_warnings", "primary_name",
           "prune_cache", "read_table_file"]
