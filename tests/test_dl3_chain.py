"""Whole chain on real files: DL1 -> train -> DL2 -> DL3, opened with gammapy's DataStore."""

from __future__ import annotations

import pytest

from ctaviewer.batch.job import JobSpec, run_job
from ctaviewer.estimators.train import train
from ctaviewer.irf.compute import IRFOptions
from ctaviewer.irf.make import make_dl3
from ctaviewer.irf.sites import SITES, site_from_text
from ctaviewer.writers.dl3 import ObservationOptions

from .conftest import simtel


def test_dl1_train_dl2_dl3_gammapy(tmp_path):
    gammapy_data = pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    from astropy import units as u

    gammas = [simtel("gamma_70sst1m.simtel.zst"), simtel("gamma_4lst.simtel.zst")]
    protons = [simtel("proton_13tel.simtel.zst"), simtel("proton_4lst_15flashcam.simtel.zst")]
    log = []
    model = train(gammas, protons, log=log.append)
    assert model.n_events["gamma"] > 0
    summary = model.summary()
    assert summary["images"]["gamma"] >= summary["events"]["gamma"]
    tables = tmp_path / "tables.h5"
    model.save(tables)

    dl2 = []
    for path in [gammas[0], protons[0]]:
        out = tmp_path / (path.name + ".h5")
        r = run_job(JobSpec(str(path), str(out), dl1=True, dl2=True, estimators=str(tables)))
        assert r.n_events > 0 and out.exists()
        assert r.extra["no_energy"] <= r.n_events
        dl2.append(out)

    folder = tmp_path / "dl3"
    info = make_dl3(dl2, folder, ObservationOptions(SITES["CTAO-South"]), IRFOptions(),
                    log=log.append)
    assert info["gammas_selected"] > 0

    store = gammapy_data.DataStore.from_dir(folder)
    assert len(store.obs_table) == 2
    obs = store.obs(info["observations"][0])
    assert len(obs.events.table) == info["gammas_selected"]
    assert {"RA", "DEC", "ENERGY", "GAMMANESS", "MULTIP", "ALT", "AZ"} <= set(
        obs.events.table.colnames)
    aeff = obs.aeff.evaluate(energy_true=[2.0] * u.TeV, offset=[0.2] * u.deg)
    assert aeff.unit == u.m**2 and aeff.value[0] > 0
    assert obs.edisp is not None and obs.psf is not None and obs.bkg is not None
    assert obs.gti.time_sum.to_value(u.s) == pytest.approx(1800.0)
    assert obs.events.table.meta["GEOLAT"] == pytest.approx(SITES["CTAO-South"].latitude_deg)
    _same_layout_as_hess(folder / info["files"][0])


def _same_layout_as_hess(ours):
    """Every HDU class of a published H.E.S.S. DR1 file is in ours with at least its columns
    (the background is BKG_2D here, BKG_3D there: both are GADF and gammapy reads both)."""
    from astropy.io import fits

    from .conftest import data_file

    ref = data_file("dl3-reference/hess-dl3-dr1/hess_dl3_dr1_obs_id_023523.fits.gz")

    def layout(path):
        with fits.open(path) as hdul:
            return {(h.header.get("HDUCLAS1"), h.header.get("HDUCLAS4")): set(h.columns.names)
                    for h in hdul[1:]}

    mine, theirs = layout(ours), layout(ref)
    for key, columns in theirs.items():
        if key == ("RESPONSE", "BKG_3D"):
            assert ("RESPONSE", "BKG_2D") in mine
            continue
        assert key in mine, key
        assert columns <= mine[key], (key, columns - mine[key])
    with fits.open(ours) as hdul:
        required = {"OBS_ID", "TSTART", "TSTOP", "ONTIME", "LIVETIME", "DEADC", "RA_PNT",
                    "DEC_PNT", "MJDREFI", "MJDREFF", "TIMESYS", "TIMEUNIT", "TIMEREF", "HDUCLASS",
                    "GEOLON", "GEOLAT", "ALTITUDE", "OBS_MODE", "EQUINOX", "RADECSYS"}
        assert required <= set(hdul["EVENTS"].header)


def test_site_presets_and_custom():
    assert site_from_text("ctao-north").latitude_deg == pytest.approx(28.76187)
    custom = site_from_text("10.5, -20, 1800")
    assert (custom.latitude_deg, custom.longitude_deg, custom.height_m) == (10.5, -20.0, 1800.0)
    with pytest.raises(ValueError):
        site_from_text("Mars")
