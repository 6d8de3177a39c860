"""GADF DL3: one FITS file per observation (EVENTS, GTI, POINTING, IRFs) and the indexes.

Every HDU, column and header keyword comes from ``datamodel.gadf`` (GADF 0.3), and every
header is checked against the specification's mandatory keywords before anything is written.

Simulated observations need a site and a start time: events get times spread evenly over
the live time, and their sky positions (RA/Dec) are computed from the reconstructed alt/az
at the middle of the observation (a frozen horizontal frame, so offsets from the pointing
stay those of the simulation). Times are seconds since MJDREF in TT, as GADF and CTA use them
(astropy converts UTC to TT with its leap-second table); the date keywords are in TT too
(general/time.rst: "The time system used should be the one given by TIMESYS"). The folder is
written under a temporary name and renamed when every file is complete.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from ..datamodel import gadf
from ..errors import OutputError
from ..instrument import SiteLocation
from .atomic import AtomicOutput

#: the reference epoch of CTA (and H.E.S.S.) DL3 times: 2001-01-01 00:00:00 UTC, given in TT
#: as MJD 51910 + 64.184 s (32 leap seconds + 32.184 s TT-TAI); a test checks it with astropy
MJDREFI, MJDREFF = 51910, 64.184 / 86400.0
#: the format declaration (general/hduclass.rst), as the About box shows it
GADF = dict(gadf.HDUCLASS_HEADER)

#: the optional EVENTS keywords of events/events.rst and general/time.rst written for every
#: simulated observation. Not written, as a simulation has no value for them: EV_CLASS (the
#: page advises against it), TASSIGN, DST_VER, CONV_*, trigger rates, MUONEFF, BROKPIX and the
#: weather keywords. RA_OBJ and DEC_OBJ are written for point-source simulations only.
EVENTS_OPTIONAL = ("OBSERVER", "CREATED", "OBJECT", "TELAPSE", "HDUCLAS2", "TELLIST", "N_TELS",
                   "ANA_VER", "CAL_VER", "ALT_PNT", "AZ_PNT") + gadf.DATE_KEYWORDS
#: the optional obs-index columns written
OBS_INDEX_OPTIONAL = ("ALT_PNT", "AZ_PNT", "ZEN_PNT", "ONTIME", "LIVETIME", "DEADC", "DATE-OBS",
                      "TIME-OBS", "DATE-END", "TIME-END", "N_TELS", "TELLIST", "OBJECT",
                      "GLON_PNT", "GLAT_PNT", "TMID", "EVENT_COUNT", "BKG_SCALE")


@dataclass(frozen=True)
class ObservationOptions:
    site: SiteLocation
    start: str = "2026-01-01T00:00:00"  # UTC, ISO
    livetime_s: float = 1800.0
    gammaness_cut: float = 0.5
    observer: str = "ctaviewer simulation"


@dataclass
class Observation:
    """One observation to write: its id, DL2 events (``irf.events.DL2Events``), the IRF HDUs
    of its instrument, and what it is."""

    obs_id: int
    events: object
    irf_hdus: list
    tel_ids: list[int] = field(default_factory=list)
    instrument: str = "simulated array"
    object_name: str = "simulation"
    source_altaz: tuple[float, float] | None = None  # a point source's true (alt, az), deg
    source_file: str = ""
    run_number: int | None = None


def _time_keywords() -> dict:
    # general/time.rst, "Formats": all five keywords in every new file
    return {"MJDREFI": MJDREFI, "MJDREFF": MJDREFF, "TIMEUNIT": "s", "TIMESYS": "TT",
            "TIMEREF": "LOCAL"}


def _location_keywords(site: SiteLocation) -> dict:
    # general/coordinates.rst, "Earth location"
    return {"GEOLON": site.longitude_deg, "GEOLAT": site.latitude_deg, "ALTITUDE": site.height_m}


def _reference_time():
    from astropy.time import Time

    return Time(MJDREFI, MJDREFF, format="mjd", scale="tt")


def _iso(t) -> str:
    """ISO 8601 in TT (the TIMESYS of the files), milliseconds."""
    return t.tt.isot


def _header(spec: gadf.HDUSpec, values: dict, optional=()):
    """A FITS header of ``values`` with their GADF comments, refused if a keyword the
    specification makes mandatory for ``spec`` (or one of ``optional``) is missing."""
    from astropy.io import fits

    head = {**spec.class_header(), **values}
    problems = gadf.missing_keywords(head, spec, optional)
    if problems:  # a writer bug, never the user's input: say what is wrong and write nothing
        raise OutputError(f"DL3 {spec.extname} header does not follow GADF "
                          f"{gadf.SPEC_VERSION}: {'; '.join(problems)}")
    return fits.Header(gadf.cards(head))


def _table_hdu(spec: gadf.HDUSpec, data: dict, header):
    """A BINTABLE of ``data`` (column name -> values) with the dtype and unit of the spec."""
    from astropy import units as u
    from astropy.io import fits
    from astropy.table import Table

    t = Table()
    for name, values in data.items():
        col = spec.column(name)
        values = np.asarray(values)
        if col.dtype != "U":
            values = values.astype(col.dtype)
        t[name] = values * u.Unit(col.unit) if col.unit else values
    hdu = fits.BinTableHDU(t, name=spec.extname)
    for key in header:
        hdu.header[key] = (header[key], header.comments[key])
    return hdu


def observation_hdus(obs: Observation, options: ObservationOptions):
    """EVENTS, GTI and POINTING HDUs of one simulated observation, its obs-index row."""
    from astropy import units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time

    ev = obs.events
    site = options.site
    location = EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg,
                                           site.height_m * u.m)
    start = Time(options.start, scale="utc")
    live = float(options.livetime_s)
    stop, mid = start + live * u.s, start + live / 2 * u.s
    tstart = float((start - _reference_time()).to_value(u.s))
    frame = AltAz(obstime=mid, location=location)

    keep = ev.valid & np.isfinite(ev.reco_energy) & (ev.reco_energy > 0)
    keep &= np.isfinite(ev.gammaness) & (ev.gammaness >= options.gammaness_cut)
    n = int(keep.sum())
    times = tstart + (np.arange(n) + 0.5) * live / max(n, 1)
    sky = SkyCoord(alt=ev.reco_alt[keep] * u.deg, az=ev.reco_az[keep] * u.deg, frame=frame).icrs
    pnt = SkyCoord(alt=ev.pointing_alt * u.deg, az=ev.pointing_az * u.deg, frame=frame).icrs
    pnt_gal = pnt.galactic

    time_kw = _time_keywords()
    location_kw = _location_keywords(site)
    common = {"ORIGIN": "CTAO", "TELESCOP": "CTA", "INSTRUME": obs.instrument[:68],
              "CREATOR": f"ctaviewer {__version__}"}
    version = f"ctaviewer {__version__}"
    tellist = ",".join(str(t) for t in obs.tel_ids)
    values = {
        **common, **time_kw, **location_kw, "HDUCLAS2": "ACCEPTED", "OBS_ID": obs.obs_id,
        "TSTART": tstart, "TSTOP": tstart + live, "TELAPSE": live, "ONTIME": live,
        "LIVETIME": live, "DEADC": 1.0, "OBS_MODE": "POINTING", "RA_PNT": pnt.ra.deg,
        "DEC_PNT": pnt.dec.deg, "ALT_PNT": ev.pointing_alt, "AZ_PNT": ev.pointing_az,
        "EQUINOX": 2000.0, "RADECSYS": "ICRS", "OBSERVER": options.observer,
        "CREATED": Time.now().utc.isot[:19], "OBJECT": obs.object_name,
        "DATE-OBS": _iso(start), "DATE-BEG": _iso(start), "DATE-AVG": _iso(mid),
        "DATE-END": _iso(stop), "TELLIST": tellist, "N_TELS": len(obs.tel_ids),
        "ANA_VER": version, "CAL_VER": version,
    }
    optional = EVENTS_OPTIONAL
    if obs.source_altaz is not None:
        src = SkyCoord(alt=obs.source_altaz[0] * u.deg, az=obs.source_altaz[1] * u.deg,
                       frame=frame).icrs
        values.update({"RA_OBJ": src.ra.deg, "DEC_OBJ": src.dec.deg})
        optional += ("RA_OBJ", "DEC_OBJ")
    extra = {"EUNIT": ("TeV", "energy unit"),
             "GH_CUT": (float(options.gammaness_cut), "events have GAMMANESS >= GH_CUT"),
             "DL2_FILE": (os.path.basename(obs.source_file)[:68], "DL2 file of the events")}
    if obs.run_number is not None:
        extra["SIM_RUN"] = (int(obs.run_number), "simulation run number")
    h_events = _table_hdu(gadf.EVENTS, {
        "EVENT_ID": ev.event_id[keep], "TIME": times, "RA": sky.ra.deg, "DEC": sky.dec.deg,
        "ENERGY": ev.reco_energy[keep], "ALT": ev.reco_alt[keep], "AZ": ev.reco_az[keep],
        "GAMMANESS": ev.gammaness[keep], "MULTIP": ev.multiplicity[keep],
    }, _header(gadf.EVENTS, {**values, **extra}, optional))

    h_gti = _table_hdu(gadf.GTI, {"START": [tstart], "STOP": [tstart + live]}, _header(
        gadf.GTI, {**time_kw, "OBS_ID": obs.obs_id, "TSTART": tstart, "TSTOP": tstart + live}))
    h_pnt = _table_hdu(gadf.POINTING, {
        "TIME": [tstart], "RA_PNT": [pnt.ra.deg], "DEC_PNT": [pnt.dec.deg],
        "ALT_PNT": [ev.pointing_alt], "AZ_PNT": [ev.pointing_az],
    }, _header(gadf.POINTING, {**time_kw, **location_kw, "OBS_ID": obs.obs_id,
                                "OBS_MODE": "POINTING"}))

    start_tt, stop_tt = start.tt.isot, stop.tt.isot
    index_row = {
        "OBS_ID": obs.obs_id, "OBS_MODE": "POINTING", "RA_PNT": pnt.ra.deg,
        "DEC_PNT": pnt.dec.deg, "TSTART": tstart, "TSTOP": tstart + live,
        "ALT_PNT": ev.pointing_alt, "AZ_PNT": ev.pointing_az, "ZEN_PNT": 90.0 - ev.pointing_alt,
        "ONTIME": live, "LIVETIME": live, "DEADC": 1.0, "DATE-OBS": start_tt[:10],
        "TIME-OBS": start_tt[11:], "DATE-END": stop_tt[:10], "TIME-END": stop_tt[11:],
        "N_TELS": len(obs.tel_ids), "TELLIST": tellist, "OBJECT": obs.object_name,
        "GLON_PNT": pnt_gal.l.deg, "GLAT_PNT": pnt_gal.b.deg, "TMID": tstart + live / 2,
        "EVENT_COUNT": n, "BKG_SCALE": 1.0,
    }
    return [h_events, h_gti, h_pnt], index_row


def write_dl3(out_dir, observations: list[Observation], options: ObservationOptions, *,
              overwrite: bool = False) -> list[str]:
    """Write one file per observation and the hdu/obs indexes into ``out_dir``."""
    from astropy.io import fits

    ids = [o.obs_id for o in observations]
    if len(set(ids)) != len(ids):  # data_storage: OBS_ID identifies an observation
        raise OutputError(f"{out_dir}: OBS_IDs must be unique, got {sorted(ids)}")
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not overwrite:
        raise OutputError(f"{out_dir}: DL3 folder exists (use --overwrite to replace it)")
    parent = os.path.dirname(os.path.abspath(out_dir))
    if not os.path.isdir(parent):
        raise OutputError(f"{out_dir}: parent folder {parent} does not exist")
    atomic = AtomicOutput(out_dir, overwrite=True)
    tmp = atomic.__enter__()
    try:
        os.makedirs(tmp)
        hdu_rows, obs_rows, files = [], [], []
        for obs in observations:
            hdus, row = observation_hdus(obs, options)
            name = f"obs_{obs.obs_id:06d}.fits.gz"
            irfs = [h.copy() for h in obs.irf_hdus]
            for h in irfs:
                # irfs/full_enclosure/aeff/index.rst: the OBS_ID an IRF belongs to
                h.header["OBS_ID"] = (obs.obs_id, gadf.KEYWORDS["OBS_ID"].comment)
            fits.HDUList([fits.PrimaryHDU(), *hdus, *irfs]).writeto(os.path.join(tmp, name))
            files.append(name)
            size = os.path.getsize(os.path.join(tmp, name))
            for h, spec in zip(hdus, (gadf.EVENTS, gadf.GTI, gadf.POINTING)):
                hdu_rows.append((obs.obs_id, spec.hdu_type, spec.hdu_class, ".", name, h.name,
                                 size))
            for h in irfs:
                irf = gadf.IRFS[h.name]
                hdu_rows.append((obs.obs_id, irf.hdu_type, irf.hdu_class, ".", name, h.name,
                                 size))
            obs_rows.append(row)
        names = [c.name for c in gadf.HDU_INDEX.columns + gadf.HDU_INDEX.optional_columns]
        columns = {n: [r[i] for r in hdu_rows] for i, n in enumerate(names)}
        _table_hdu(gadf.HDU_INDEX, columns, _header(gadf.HDU_INDEX, {})).writeto(
            os.path.join(tmp, gadf.HDU_INDEX_FILE))
        names = [c.name for c in gadf.OBS_INDEX.columns] + list(OBS_INDEX_OPTIONAL)
        columns = {n: [r[n] for r in obs_rows] for n in names}
        header = _header(gadf.OBS_INDEX, {**_time_keywords(), **_location_keywords(options.site),
                                          "TELESCOP": "CTA"})
        _table_hdu(gadf.OBS_INDEX, columns, header).writeto(
            os.path.join(tmp, gadf.OBS_INDEX_FILE))
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        atomic.discard()
        raise
    return files
