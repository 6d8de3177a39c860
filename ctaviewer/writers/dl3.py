"""GADF DL3: one FITS file per observation (EVENTS, GTI, POINTING, IRFs) and the indexes.

Simulated observations need a site and a start time: events get times spread evenly over
the live time, and their sky positions (RA/Dec) are computed from the reconstructed alt/az
at the middle of the observation (a frozen horizontal frame, so offsets from the pointing
stay those of the simulation). The folder is written under a temporary name and renamed
when every file is complete.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import numpy as np

from .._version import __version__
from ..errors import OutputError
from ..instrument import SiteLocation
from .atomic import AtomicOutput

MJDREFI, MJDREFF = 51910, 7.428703703703703e-4  # 2001-01-01 00:00 UTC in TT
GADF = {"HDUCLASS": "GADF", "HDUDOC": "https://github.com/open-gamma-ray-astro/gamma-astro-data-formats",
        "HDUVERS": "0.3"}


@dataclass(frozen=True)
class ObservationOptions:
    site: SiteLocation
    start: str = "2026-01-01T00:00:00"  # UTC, ISO
    livetime_s: float = 1800.0
    gammaness_cut: float = 0.5


def _time_header(site: SiteLocation) -> dict:
    return {
        "MJDREFI": MJDREFI, "MJDREFF": MJDREFF, "TIMEUNIT": "s", "TIMESYS": "TT",
        "TIMEREF": "LOCAL", "GEOLON": site.longitude_deg, "GEOLAT": site.latitude_deg,
        "ALTITUDE": site.height_m, "ORIGIN": "CTAO", "TELESCOP": "CTA",
        "INSTRUME": "ctaviewer simulation", "CREATOR": f"ctaviewer {__version__}",
    }


def observation_hdus(ev, obs_id: int, options: ObservationOptions):
    """EVENTS, GTI and POINTING HDUs of one simulated observation from DL2 events."""
    from astropy import units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.io import fits
    from astropy.table import Table
    from astropy.time import Time

    site = options.site
    location = EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg,
                                           site.height_m * u.m)
    ref = Time(MJDREFI + MJDREFF, format="mjd", scale="tt")
    start = Time(options.start, scale="utc")
    tstart = float((start - ref).to_value(u.s))
    live = float(options.livetime_s)
    mid = start + live / 2 * u.s
    frame = AltAz(obstime=mid, location=location)

    keep = ev.valid & np.isfinite(ev.reco_energy) & (ev.reco_energy > 0)
    keep &= np.isfinite(ev.gammaness) & (ev.gammaness >= options.gammaness_cut)
    n = int(keep.sum())
    times = tstart + (np.arange(n) + 0.5) * live / max(n, 1)
    sky = SkyCoord(alt=ev.reco_alt[keep] * u.deg, az=ev.reco_az[keep] * u.deg, frame=frame).icrs
    pnt = SkyCoord(alt=ev.pointing_alt * u.deg, az=ev.pointing_az * u.deg, frame=frame).icrs

    header = {
        **GADF, **_time_header(site), "OBS_ID": obs_id, "TSTART": tstart,
        "TSTOP": tstart + live, "ONTIME": live, "LIVETIME": live, "DEADC": 1.0,
        "OBS_MODE": "POINTING", "RA_PNT": float(pnt.ra.deg), "DEC_PNT": float(pnt.dec.deg),
        "ALT_PNT": ev.pointing_alt, "AZ_PNT": ev.pointing_az, "EQUINOX": 2000.0,
        "RADECSYS": "ICRS", "DATE-OBS": start.isot[:10], "TIME-OBS": start.isot[11:],
        "N_TELS": int(ev.multiplicity.max()) if len(ev.multiplicity) else 0,
        "EUNIT": "TeV", "GH_CUT": options.gammaness_cut,
    }
    events = Table()
    events["EVENT_ID"] = ev.event_id[keep].astype(np.int64)
    events["TIME"] = times * u.s
    events["RA"] = sky.ra.deg * u.deg
    events["DEC"] = sky.dec.deg * u.deg
    events["ENERGY"] = ev.reco_energy[keep] * u.TeV
    events["ALT"] = ev.reco_alt[keep] * u.deg
    events["AZ"] = ev.reco_az[keep] * u.deg
    events["GAMMANESS"] = ev.gammaness[keep]
    events["MULTIP"] = ev.multiplicity[keep].astype(np.int32)
    h_events = fits.BinTableHDU(events, name="EVENTS")
    h_events.header.update({**header, "HDUCLAS1": "EVENTS"})

    gti = Table({"START": [tstart] * u.s, "STOP": [tstart + live] * u.s})
    h_gti = fits.BinTableHDU(gti, name="GTI")
    h_gti.header.update({**GADF, **_time_header(site), "HDUCLAS1": "GTI", "OBS_ID": obs_id})

    pointing = Table({
        "TIME": [tstart] * u.s, "RA_PNT": [pnt.ra.deg] * u.deg, "DEC_PNT": [pnt.dec.deg] * u.deg,
        "ALT_PNT": [ev.pointing_alt] * u.deg, "AZ_PNT": [ev.pointing_az] * u.deg,
    })
    h_pnt = fits.BinTableHDU(pointing, name="POINTING")
    h_pnt.header.update({**GADF, **_time_header(site), "HDUCLAS1": "POINTING", "OBS_ID": obs_id,
                         "OBS_MODE": "POINTING"})
    return [h_events, h_gti, h_pnt], header, n


def write_dl3(out_dir, observations, irf_hdus, options: ObservationOptions, *,
              overwrite: bool = False) -> list[str]:
    """Write one file per (obs_id, DL2Events) and the hdu/obs indexes into ``out_dir``."""
    from astropy.io import fits
    from astropy.table import Table

    from ..irf.compute import IRF_HDUS

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
        for obs_id, ev in observations:
            hdus, header, n = observation_hdus(ev, obs_id, options)
            name = f"obs_{obs_id:06d}.fits.gz"
            irfs = [h.copy() for h in irf_hdus]
            for h in irfs:
                h.header["OBS_ID"] = obs_id
            fits.HDUList([fits.PrimaryHDU(), *hdus, *irfs]).writeto(os.path.join(tmp, name))
            files.append(name)
            for h in hdus:
                kind = h.name.lower()
                hdu_rows.append((obs_id, kind, kind, ".", name, h.name))
            for h in irfs:
                hdu_type, hdu_class = IRF_HDUS[h.name]
                hdu_rows.append((obs_id, hdu_type, hdu_class, ".", name, h.name))
            obs_rows.append((obs_id, header["RA_PNT"], header["DEC_PNT"], header["ALT_PNT"],
                             header["AZ_PNT"], header["TSTART"], header["TSTOP"],
                             header["ONTIME"], header["LIVETIME"], header["DEADC"], n,
                             "POINTING"))
        hdu_index = Table(rows=hdu_rows, names=("OBS_ID", "HDU_TYPE", "HDU_CLASS", "FILE_DIR",
                                                "FILE_NAME", "HDU_NAME"))
        h = fits.BinTableHDU(hdu_index, name="HDU_INDEX")
        h.header.update({**GADF, "HDUCLAS1": "INDEX", "HDUCLAS2": "HDU", "BASE_DIR": "."})
        h.writeto(os.path.join(tmp, "hdu-index.fits.gz"))
        obs_index = Table(rows=obs_rows, names=("OBS_ID", "RA_PNT", "DEC_PNT", "ALT_PNT",
                                                "AZ_PNT", "TSTART", "TSTOP", "ONTIME",
                                                "LIVETIME", "DEADC", "N_EVENTS", "OBS_MODE"))
        for col, unit in (("RA_PNT", "deg"), ("DEC_PNT", "deg"), ("ALT_PNT", "deg"),
                          ("AZ_PNT", "deg"), ("TSTART", "s"), ("TSTOP", "s"), ("ONTIME", "s"),
                          ("LIVETIME", "s")):
            obs_index[col].unit = unit
        h = fits.BinTableHDU(obs_index, name="OBS_INDEX")
        h.header.update({**GADF, **_time_header(options.site), "HDUCLAS1": "INDEX",
                         "HDUCLAS2": "OBS"})
        h.writeto(os.path.join(tmp, "obs-index.fits.gz"))
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        atomic.discard()
        raise
    return files
