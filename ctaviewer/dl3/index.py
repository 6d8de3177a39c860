"""Finding the observations of a GADF DL3 data set: what is in a folder or a file.

``open_dl3(path)`` takes a folder (with ``hdu-index.fits[.gz]``, or holding run FITS files
only, as the H.E.S.S. DR1 release without its index), an index file (hdu-index or
obs-index), or one FITS file (a run with EVENTS and its IRFs, or IRFs alone such as the CTA
prod5 files) and returns a ``DL3Index``: one ``Run`` per observation, with where each of its
HDUs is (file, extension) and the numbers of the observation table read from the EVENTS
header (OBS_ID, OBJECT, pointing, LIVETIME, TSTART/TSTOP, the number of events).

HDUs of a run file are recognised by their HDUCLAS1/HDUCLAS4 keywords (general/hduclass.rst),
not their names, since the field names them differently (H.E.S.S. ``AEFF``, pyirf ``EFFECTIVE
AREA``). Every problem is an ``InputFileError`` naming the file and the cause: not a FITS
file, no EVENTS and no IRF, a missing HDU the index lists, an empty folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..datamodel import gadf
from ..errors import InputFileError, MissingFileError

#: HDUCLAS4 of the IRF formats read here -> the HDU type (the hdu-index's HDU_TYPE)
IRF_CLASSES = {"AEFF_2D": "aeff", "EDISP_2D": "edisp", "PSF_TABLE": "psf",
               "PSF_3GAUSS": "psf", "PSF_KING": "psf", "BKG_2D": "bkg", "BKG_3D": "bkg",
               "RAD_MAX_2D": "rad_max"}
#: the HDU types of a run the browser shows
RUN_TYPES = ("events", "gti", "pointing", "aeff", "edisp", "psf", "bkg", "rad_max")
INDEX_NAMES = (gadf.HDU_INDEX_FILE, "hdu-index.fits")
OBS_INDEX_NAMES = (gadf.OBS_INDEX_FILE, "obs-index.fits")
FITS_SUFFIXES = (".fits", ".fits.gz", ".fit", ".fts", ".fits.fz")
FITS_MAGIC = b"SIMPLE  ="


@dataclass(frozen=True)
class HDULocation:
    """One HDU of a run: its file, extension name and format (``HDUCLAS4`` or the index's
    HDU_CLASS, upper case: ``AEFF_2D``, ``PSF_3GAUSS``, ``EVENTS``)."""

    path: str
    name: str
    hdu_class: str


@dataclass
class Run:
    """One observation: its HDUs by type, and the observation-table numbers."""

    obs_id: int
    hdus: dict[str, HDULocation] = field(default_factory=dict)
    object_name: str = ""
    ra_pnt: float = float("nan")
    dec_pnt: float = float("nan")
    livetime_s: float = float("nan")
    ontime_s: float = float("nan")
    tstart_s: float = float("nan")
    tstop_s: float = float("nan")
    n_events: int = 0
    #: the IRF kind: "full-enclosure", "point-like" or "" (no IRF)
    irf_kind: str = ""
    #: HDUs skipped, with why (an unknown HDUCLAS4 and the like)
    notes: list[str] = field(default_factory=list)

    @property
    def has_events(self) -> bool:
        return "events" in self.hdus

    def hdu(self, kind: str) -> HDULocation:
        """Where the ``kind`` HDU (``events``, ``aeff``, ...) is; an InputFileError saying the
        run has none otherwise."""
        try:
            return self.hdus[kind]
        except KeyError:
            where = next(iter(self.hdus.values())).path if self.hdus else "?"
            raise InputFileError(where, f"observation {self.obs_id} has no {kind} HDU "
                                        f"(it has {', '.join(sorted(self.hdus)) or 'none'})"
                                 ) from None

    @property
    def irf_types(self) -> list[str]:
        return [t for t in ("aeff", "psf", "edisp", "bkg", "rad_max") if t in self.hdus]


@dataclass
class DL3Index:
    """The observations of ``path`` (a folder or a file), in OBS_ID order."""

    path: str
    runs: list[Run]
    #: "hdu-index", "folder" (run files found) or "file"
    how: str = "file"

    def run(self, obs_id: int) -> Run:
        for r in self.runs:
            if r.obs_id == obs_id:
                return r
        raise KeyError(f"{self.path}: no observation {obs_id}")

    @property
    def total_livetime_s(self) -> float:
        return float(sum(r.livetime_s for r in self.runs if r.has_events))

    @property
    def total_events(self) -> int:
        return int(sum(r.n_events for r in self.runs))


def is_fits(path) -> bool:
    """Whether ``path`` is a FITS file (plain or gzip-compressed), by its first bytes."""
    import gzip

    try:
        with open(path, "rb") as f:
            head = f.read(9)
            if head[:2] == b"\x1f\x8b":
                f.seek(0)
                with gzip.GzipFile(fileobj=f) as g:
                    head = g.read(9)
    except (OSError, EOFError):
        return False
    return head == FITS_MAGIC


def opens_in_dl3_browser(path) -> bool:
    """Whether ``path`` goes to the DL3 browser rather than to the event views: a folder
    (whatever it holds: the browser says what is wrong with one that is no DL3) or a FITS
    file. Cheap (no HDU is read)."""
    path = os.fspath(path)
    return os.path.isdir(path) or (os.path.isfile(path) and is_fits(path))


def open_fits(path):
    from astropy.io import fits

    if not os.path.exists(path):
        raise MissingFileError(path, "no such file")
    if os.path.getsize(path) == 0:
        raise InputFileError(path, "the file is empty (0 bytes)")
    if not is_fits(path):
        raise InputFileError(path, "not a FITS file (DL3 data are GADF FITS files)")
    try:
        return fits.open(path, memmap=False)
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot be read as FITS: {exc}") from exc


def _hdu_type(header) -> tuple[str | None, str]:
    """(HDU type, format) of an extension from its HDUCLAS keywords; (None, why) if none."""
    clas1 = str(header.get("HDUCLAS1", "")).strip().upper()
    if clas1 in ("EVENTS", "GTI", "POINTING"):
        return clas1.lower(), clas1
    if clas1 == "RESPONSE":
        clas4 = str(header.get("HDUCLAS4", "")).strip().upper()
        if clas4 in IRF_CLASSES:
            return IRF_CLASSES[clas4], clas4
        return None, f"unknown IRF format HDUCLAS4={clas4!r}"
    name = str(header.get("EXTNAME", "")).strip().upper()
    if name in ("EVENTS", "GTI", "POINTING"):  # a file without HDUCLAS keywords
        return name.lower(), name
    return None, f"HDUCLAS1={clas1!r}" if clas1 else "no HDUCLAS1"


def scan_file(path) -> list[Run]:
    """The runs of one FITS file: the HDUs it holds, by type (one run, or none)."""
    path = os.fspath(path)
    with open_fits(path) as hdul:
        hdus, notes, obs_id, kind = {}, [], None, ""
        for i, h in enumerate(hdul[1:], start=1):
            t, fmt = _hdu_type(h.header)
            name = h.name or str(i)
            if t is None:
                notes.append(f"{name}: {fmt}, not read")
                continue
            if t in hdus:
                notes.append(f"{name}: a second {t} HDU, not read")
                continue
            hdus[t] = HDULocation(path, name, fmt)
            if obs_id is None and "OBS_ID" in h.header:
                obs_id = int(h.header["OBS_ID"])
            if h.header.get("HDUCLAS1", "").strip().upper() == "RESPONSE":
                kind = kind or str(h.header.get("HDUCLAS3", "")).strip().lower()
    if not hdus:
        raise InputFileError(path, "no GADF EVENTS or IRF HDU in this FITS file (found: "
                                   + ("; ".join(notes) or "no extension") + ")")
    run = Run(obs_id=obs_id if obs_id is not None else 0, hdus=hdus, notes=notes,
              irf_kind=kind)
    return [run]


def _read_table(path, what):
    from astropy.table import Table

    with open_fits(path) as hdul:
        if len(hdul) < 2:
            raise InputFileError(path, f"{what} has no table extension")
        return Table.read(hdul[1])


def _from_hdu_index(index_path) -> list[Run]:
    """The runs an hdu-index lists (FILE_DIR relative to the index's folder or BASE_DIR)."""
    table = _read_table(index_path, "the HDU index")
    need = [c.name for c in gadf.HDU_INDEX.columns]
    missing = [c for c in need if c not in table.colnames]
    if missing:
        raise InputFileError(index_path, f"not an HDU index: columns {missing} missing")
    base = str(table.meta.get("BASE_DIR", "") or os.path.dirname(os.path.abspath(index_path)))
    runs: dict[int, Run] = {}
    for row in table:
        obs_id = int(row["OBS_ID"])
        kind = str(row["HDU_TYPE"]).strip().lower()
        run = runs.setdefault(obs_id, Run(obs_id=obs_id))
        path = os.path.normpath(os.path.join(base, str(row["FILE_DIR"]).strip(),
                                             str(row["FILE_NAME"]).strip()))
        if kind not in RUN_TYPES:
            run.notes.append(f"{row['HDU_NAME']}: HDU type {kind!r}, not read")
            continue
        run.hdus.setdefault(kind, HDULocation(path, str(row["HDU_NAME"]).strip(),
                                              str(row["HDU_CLASS"]).strip().upper()))
    return [runs[k] for k in sorted(runs)]


def _fill_from_headers(run: Run) -> None:
    """OBS_ID, pointing, times, livetime and event count from the EVENTS header; the IRF
    kind (HDUCLAS3) from the effective area."""
    from .events import read_events_header

    if run.has_events:
        loc = run.hdus["events"]
        head = read_events_header(loc)
        run.obs_id = int(head.get("OBS_ID", run.obs_id))
        run.object_name = str(head.get("OBJECT", "")).strip()
        run.ra_pnt = float(head.get("RA_PNT", float("nan")))
        run.dec_pnt = float(head.get("DEC_PNT", float("nan")))
        run.tstart_s = float(head.get("TSTART", float("nan")))
        run.tstop_s = float(head.get("TSTOP", float("nan")))
        run.ontime_s = float(head.get("ONTIME", float("nan")))
        run.n_events = int(head.get("NAXIS2", 0))
        run.livetime_s = _livetime(loc, head)
    if not run.irf_kind and "aeff" in run.hdus:
        from astropy.io import fits

        loc = run.hdus["aeff"]
        head = _header_of(loc, fits)
        run.irf_kind = str(head.get("HDUCLAS3", "")).strip().lower()


def _header_of(loc: HDULocation, fits):
    with open_fits(loc.path) as hdul:
        if loc.name not in hdul:
            raise InputFileError(loc.path, f"no HDU named {loc.name!r} (listed by the index)")
        return hdul[loc.name].header.copy()


def _livetime(loc: HDULocation, head) -> float:
    """LIVETIME of the header; without it, the GTI sum times DEADC (1 if absent)."""
    if "LIVETIME" in head:
        return float(head["LIVETIME"])
    from .events import read_gti

    start, stop = read_gti(loc)
    return float((stop - start).sum()) * float(head.get("DEADC", 1.0))


def _scan_folder(folder) -> list[Run]:
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(FITS_SUFFIXES))
    names = [n for n in names if n not in INDEX_NAMES + OBS_INDEX_NAMES]
    if not names:
        raise InputFileError(folder, "no hdu-index and no FITS file in this folder: not a "
                                     "DL3 data set")
    runs, problems = [], []
    for n in names:
        try:
            runs += scan_file(os.path.join(folder, n))
        except InputFileError as exc:
            problems.append(f"{n}: {exc.cause}")
    if not runs:
        raise InputFileError(folder, "no FITS file here holds GADF EVENTS or IRFs ("
                                     + "; ".join(problems[:5]) + ")")
    return runs


def _index_in(folder) -> str | None:
    for n in INDEX_NAMES:
        if os.path.isfile(os.path.join(folder, n)):
            return os.path.join(folder, n)
    return None


def open_dl3(path) -> DL3Index:
    """The observations of a DL3 folder, index file or run file (see the module text)."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.exists(path):
        raise MissingFileError(path, "no such file or folder")
    name = os.path.basename(path)
    if os.path.isdir(path):
        index = _index_in(path)
        if not os.listdir(path):
            raise InputFileError(path, "the folder is empty: no DL3 files in it")
        how = "hdu-index" if index else "folder"
        runs = _from_hdu_index(index) if index else _scan_folder(path)
    elif name in OBS_INDEX_NAMES:
        index = _index_in(os.path.dirname(path))
        if index is None:
            raise InputFileError(path, "an obs-index without an hdu-index beside it: the "
                                       "files of the observations are not listed")
        how, runs = "hdu-index", _from_hdu_index(index)
    elif name in INDEX_NAMES:
        how, runs = "hdu-index", _from_hdu_index(path)
    else:
        how, runs = "file", scan_file(path)
    for run in runs:
        _fill_from_headers(run)
    ids = [r.obs_id for r in runs if r.has_events]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputFileError(path, f"OBS_ID {dup} appear in more than one run file")
    runs.sort(key=lambda r: r.obs_id)
    return DL3Index(path=path, runs=runs, how=how)
