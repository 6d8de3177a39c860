"""The event list of one observation: columns as plain numpy arrays, header numbers.

GADF events/events.rst: EVENT_ID, TIME (s since MJDREF), RA, DEC (deg), ENERGY (TeV), and
optional columns (ALT, AZ, GAMMANESS, MULTIP, ...). Units are converted to deg and TeV at
reading (H.E.S.S. writes TeV, others may write GeV); every other numeric column of one value
per event is kept as it is, for the event table and its filter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputFileError
from .index import HDULocation, Run

#: the mandatory columns (events/events.rst) and the unit each is converted to
MANDATORY = {"EVENT_ID": "", "TIME": "s", "RA": "deg", "DEC": "deg", "ENERGY": "TeV"}


@dataclass
class EventList:
    """One observation's events. ``columns`` maps lower-case names (``event_id``, ``time``,
    ``ra``, ``dec``, ``energy``, and the file's other scalar columns) to arrays."""

    obs_id: int
    path: str
    columns: dict[str, np.ndarray]
    ra_pnt: float
    dec_pnt: float
    livetime_s: float
    ontime_s: float
    deadc: float
    tstart_s: float
    tstop_s: float
    object_name: str = ""
    #: RA_OBJ/DEC_OBJ of the header (None: not given)
    target: tuple[float, float] | None = None
    #: the DL2 file the events came from (ctaviewer's DL2_FILE keyword), "" if unknown
    dl2_file: str = ""
    gti: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0), np.zeros(0)))

    def __len__(self) -> int:
        return len(self.columns["event_id"])

    @property
    def ra(self) -> np.ndarray:
        return self.columns["ra"]

    @property
    def dec(self) -> np.ndarray:
        return self.columns["dec"]

    @property
    def energy(self) -> np.ndarray:
        return self.columns["energy"]

    @property
    def event_id(self) -> np.ndarray:
        return self.columns["event_id"]

    def offset_deg(self) -> np.ndarray:
        """Each event's angular distance from the pointing (deg)."""
        from ..coords import angular_separation

        return angular_separation(self.dec, self.ra, self.dec_pnt, self.ra_pnt)


def _open_hdu(loc: HDULocation):
    from .index import open_fits

    hdul = open_fits(loc.path)
    if loc.name not in hdul:
        hdul.close()
        raise InputFileError(loc.path, f"no HDU named {loc.name!r} in this file")
    return hdul


def read_events_header(loc: HDULocation):
    """The EVENTS header (a copy; the data are not read)."""
    with _open_hdu(loc) as hdul:
        return hdul[loc.name].header.copy()


def read_gti(loc: HDULocation) -> tuple[np.ndarray, np.ndarray]:
    """START and STOP (s since MJDREF) of the GTI HDU at ``loc`` (or of a GTI extension in the
    file of ``loc``, if ``loc`` names the EVENTS HDU); empty arrays when there is none."""
    with _open_hdu(loc) as hdul:
        name = loc.name
        if str(hdul[name].header.get("HDUCLAS1", name)).strip().upper() != "GTI":
            name = next((h.name for h in hdul[1:] if h.name == "GTI"
                         or str(h.header.get("HDUCLAS1", "")).strip().upper() == "GTI"), None)
            if name is None:
                return np.zeros(0), np.zeros(0)
        data = hdul[name].data
        return (np.asarray(data["START"], dtype=np.float64),
                np.asarray(data["STOP"], dtype=np.float64))


def _column(table, name: str, unit: str, path: str) -> np.ndarray:
    from astropy import units as u

    col = table[name]
    values = np.asarray(col, dtype=np.float64 if unit else None)
    if unit and col.unit is not None:
        try:
            values = (values * col.unit).to_value(u.Unit(unit))
        except u.UnitConversionError as exc:
            raise InputFileError(path, f"EVENTS column {name} has unit {col.unit}, "
                                       f"not convertible to {unit}") from exc
    return np.ascontiguousarray(values)


def read_events(run: Run) -> EventList:
    """The event list of ``run``; an InputFileError naming the file if a mandatory column is
    missing or has a unit that cannot be converted."""
    from astropy.table import Table

    loc = run.hdu("events")
    with _open_hdu(loc) as hdul:
        hdu = hdul[loc.name]
        table = Table.read(hdu)
        head = hdu.header
    missing = [c for c in MANDATORY if c not in table.colnames]
    if missing:
        raise InputFileError(loc.path, f"EVENTS HDU {loc.name!r} lacks the mandatory "
                                       f"column(s) {', '.join(missing)}")
    columns = {c.lower(): _column(table, c, unit, loc.path) for c, unit in MANDATORY.items()}
    columns["event_id"] = columns["event_id"].astype(np.int64)
    for name in table.colnames:
        col = table[name]
        if name in MANDATORY or col.ndim != 1 or col.dtype.kind not in "iufb":
            continue
        unit = "deg" if col.unit is not None and col.unit.physical_type == "angle" else ""
        columns[name.lower()] = _column(table, name, unit, loc.path)
    if "gti" in run.hdus:
        gti = read_gti(run.hdus["gti"])
    else:
        gti = read_gti(loc)
    deadc = float(head.get("DEADC", 1.0))
    if "LIVETIME" in head:
        livetime = float(head["LIVETIME"])
    else:
        livetime = float((gti[1] - gti[0]).sum()) * deadc
    target = None
    if "RA_OBJ" in head and "DEC_OBJ" in head:
        target = (float(head["RA_OBJ"]), float(head["DEC_OBJ"]))
    nan = float("nan")
    return EventList(
        obs_id=int(head.get("OBS_ID", run.obs_id)), path=loc.path, columns=columns,
        ra_pnt=float(head.get("RA_PNT", nan)), dec_pnt=float(head.get("DEC_PNT", nan)),
        livetime_s=livetime, ontime_s=float(head.get("ONTIME", nan)), deadc=deadc,
        tstart_s=float(head.get("TSTART", nan)), tstop_s=float(head.get("TSTOP", nan)),
        object_name=str(head.get("OBJECT", "")).strip(), target=target,
        dl2_file=os.path.basename(str(head.get("DL2_FILE", "")).strip()), gti=gti)
