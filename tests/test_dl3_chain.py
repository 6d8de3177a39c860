"""Whole chain on real files: DL1 -> train -> DL2 -> DL3 of every shared gamma file together.

The DL3 folder is checked as a physicist would: the effective area never exceeds the area the
showers were thrown over, gammapy's DataStore opens every observation with its IRFs and events,
every header carries the GADF keywords, and the same reader code opens a published H.E.S.S. file.
"""

from __future__ import annotations

import math
import shutil

import h5py
import numpy as np
import pytest

from ctaviewer.batch.job import JobSpec, run_job
from ctaviewer.datamodel import gadf
from ctaviewer.errors import CtaviewerError
from ctaviewer.estimators.train import train
from ctaviewer.irf.compute import IRFOptions, compute_irfs
from ctaviewer.irf.events import load_dl2
from ctaviewer.irf.make import make_dl3
from ctaviewer.irf.runs import load_run
from ctaviewer.irf.sites import SITES, site_from_text
from ctaviewer.writers.dl3 import EVENTS_OPTIONAL, OBS_INDEX_OPTIONAL, ObservationOptions

from .conftest import data_dir, data_file, simtel

PROTONS = ("proton_13tel.simtel.zst", "proton_4lst_15flashcam.simtel.zst")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """DL2 of every shared gamma file and one proton file, and their DL3 folder."""
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    gammas = sorted((data_dir() / "simtel").glob("gamma_*.simtel*"))
    if not gammas:
        pytest.skip("no shared gamma files")
    protons = [simtel(p) for p in PROTONS]
    tmp = tmp_path_factory.mktemp("dl3chain")
    log = []
    model = train(gammas, protons, log=log.append)
    assert model.n_events["gamma"] > 0
    tables = tmp / "tables.h5"
    model.save(tables)
    dl2 = []
    for path in [*gammas, protons[0]]:
        out = tmp / (path.name + ".h5")
        r = run_job(JobSpec(str(path), str(out), dl1=True, dl2=True, estimators=str(tables)))
        assert r.n_events > 0 and out.exists()
        assert r.extra["no_energy"] <= r.n_events
        dl2.append(out)
    folder = tmp / "dl3"
    info = make_dl3(dl2, folder, ObservationOptions(SITES["CTAO-South"]), IRFOptions(),
                    log=log.append)
    return {"tmp": tmp, "gammas": gammas, "dl2": dl2, "folder": folder, "info": info,
            "log": log}


def test_every_gamma_file_has_an_observation_with_its_own_irfs(chain):
    info = chain["info"]
    # every gamma file is an observation; the proton run shares the 13-telescope array of
    # gamma_diffuse_13tel (at another azimuth: azimuth-averaged IRFs with a background)
    assert len(info["observations"]) == len(chain["dl2"]) and info["skipped"] == []
    assert len(info["irfs"]) == len(chain["gammas"])
    with_protons = [i for i in info["irfs"] if i["proton_runs"]]
    assert len(with_protons) == 1 and "proton_13tel" in with_protons[0]["proton_runs"][0]
    log = chain["log"]
    assert any("averaged over the pointing azimuths 0, 180" in line for line in log)
    assert info["gammas_selected"] > 0
    # the truncated file's normalisation is reported, and so are bins at the thrown area
    assert any("gamma_prod2_126tel_truncated" in line and "cut short" in line for line in log)
    capped = [i for i in info["irfs"] if i["bins_at_thrown_area"]]
    for irf in capped:
        assert any(line.startswith(f"warning: {irf['bins_at_thrown_area']} effective-area bin")
                   and irf["gamma_runs"][0] in line for line in log)


def test_effective_area_never_exceeds_the_thrown_area(chain):
    """Every observation's A_eff is at most π (r_max² - r_min²) of the gamma runs its IRFs
    were made from, and the written area is that of those runs' headers."""
    from astropy.io import fits

    folder, info = chain["folder"], chain["info"]
    by_name = {p.name: p for p in chain["dl2"]}
    ratios = []
    for irf in info["irfs"]:
        sims = [load_dl2(by_name[label.split("(")[1].rstrip(")")]).simulation
                for label in irf["gamma_runs"]]
        thrown = math.pi * (sims[0].max_scatter_range**2 - sims[0].min_scatter_range**2)
        assert irf["thrown_area_m2"] == pytest.approx(thrown)
        assert irf["max_aeff_over_thrown_area"] <= 1.0
        for obs_id in irf["observations"]:
            with fits.open(folder / f"obs_{obs_id:06d}.fits.gz") as hdul:
                area = hdul["EFFECTIVE AREA"].data["EFFAREA"][0]
            assert np.all(np.isfinite(area)) and area.min() >= 0
            assert area.max() <= thrown * (1 + 1e-9), (obs_id, area.max() / thrown)
            ratios.append(area.max() / thrown)
    assert len(ratios) == len(info["observations"])
    assert max(ratios) > 0  # some observation has a measured area


def test_selected_counts_are_consistent_with_the_thrown_showers(chain):
    """The area is capped at the thrown area, so that cannot hide a normalisation bug: the
    raw counts must be possible. In every bin, the selected gammas are a subset of the thrown
    ones, whose number is Poisson around the expectation; a count that no Poisson fluctuation
    explains (chance < 1e-6) is a wrong normalisation (as a point-like run counted in a
    diffuse run's bins was)."""
    from scipy.stats import poisson

    checked = 0
    for path in chain["dl2"]:
        run = load_run(path)
        if run.particle != "gamma":
            continue
        irf = compute_irfs([run], [], IRFOptions())
        n_sel, n_exp = irf.n_selected, irf.n_thrown_expected
        assert n_sel.sum() == irf.counts["gammas_selected"]
        has = n_sel > 0
        assert np.all(n_exp[has] > 0), path.name
        chance = poisson.sf(n_sel[has] - 1, n_exp[has])
        assert np.all(chance > 1e-6), (path.name, chance)
        checked += int(has.sum())
    assert checked > 0


def test_gammapy_opens_every_run_with_irfs_and_events(chain):
    from astropy import units as u
    from gammapy.data import DataStore

    info = chain["info"]
    store = DataStore.from_dir(chain["folder"])
    assert sorted(store.obs_table["OBS_ID"]) == sorted(info["observations"])
    assert len(set(store.hdu_table["OBS_ID"])) == len(info["observations"])
    for obs_id in info["observations"]:
        obs = store.obs(obs_id)
        row = store.obs_table.select_obs_id(obs_id)
        assert len(obs.events.table) == row["EVENT_COUNT"][0]
        assert {"RA", "DEC", "ENERGY", "GAMMANESS", "MULTIP", "ALT", "AZ"} <= set(
            obs.events.table.colnames)
        for irf in (obs.aeff, obs.edisp, obs.psf, obs.bkg):
            assert irf is not None
        energy = obs.aeff.axes["energy_true"].center
        value = obs.aeff.evaluate(energy_true=energy, offset=0.2 * u.deg)
        assert value.unit == u.m**2 and np.all(np.isfinite(value))
        assert obs.gti.time_sum.to_value(u.s) == pytest.approx(1800.0)
        assert obs.events.table.meta["GEOLAT"] == pytest.approx(
            SITES["CTAO-South"].latitude_deg)
    aeff_max = [store.obs(o).aeff.data.max() for o in info["observations"]]
    assert max(aeff_max) > 0


def _check_file(path, point_like: bool):
    from astropy.io import fits

    problems = {}
    with fits.open(path) as hdul:
        for h in hdul[1:]:
            name = h.name
            if name == "EVENTS":
                optional = EVENTS_OPTIONAL
                if h.header["OBJECT"].startswith("simulated point-like"):
                    optional += ("RA_OBJ", "DEC_OBJ")
                p = gadf.missing_keywords(h.header, gadf.EVENTS, optional)
                for col in gadf.EVENTS.columns + gadf.EVENTS.optional_columns:
                    if h.columns[col.name].unit != (col.unit or None):
                        p.append(f"column {col.name} unit {h.columns[col.name].unit}")
                    if h.data[col.name].dtype.kind != np.dtype(col.dtype).kind:
                        p.append(f"column {col.name} dtype {h.data[col.name].dtype}")
            elif name in ("GTI", "POINTING"):
                spec = gadf.GTI if name == "GTI" else gadf.POINTING
                p = gadf.missing_keywords(h.header, spec)
                p += [f"column {c.name} missing" for c in spec.columns
                      if c.name not in h.columns.names]
            else:
                pl = point_like and name != "BACKGROUND"
                assert h.header["HDUCLAS3"] == ("POINT-LIKE" if pl else "FULL-ENCLOSURE")
                p = gadf.missing_keywords(h.header, gadf.IRFS[name].spec(pl),
                                          ("OBS_ID",) + (("RAD_MAX",) if pl and name in (
                                              "EFFECTIVE AREA", "ENERGY DISPERSION") else ()))
            if p:
                problems[name] = p
    return problems


def test_headers_carry_every_gadf_keyword(chain):
    from astropy.io import fits

    folder = chain["folder"]
    for name in chain["info"]["files"]:
        assert _check_file(folder / name, point_like=False) == {}, name
    with fits.open(folder / gadf.HDU_INDEX_FILE) as hdul:
        h = hdul["HDU_INDEX"]
        assert gadf.missing_keywords(h.header, gadf.HDU_INDEX) == []
        assert {c.name for c in gadf.HDU_INDEX.columns} <= set(h.columns.names)
        assert "BASE_DIR" not in h.header  # paths are relative to the index file
    with fits.open(folder / gadf.OBS_INDEX_FILE) as hdul:
        h = hdul["OBS_INDEX"]
        assert gadf.missing_keywords(h.header, gadf.OBS_INDEX) == []
        names = {c.name for c in gadf.OBS_INDEX.columns} | set(OBS_INDEX_OPTIONAL)
        assert names <= set(h.columns.names)
        assert len(set(h.data["OBS_ID"])) == len(h.data)
        # DATE-OBS/TIME-OBS of the index are the TT start (TIMESYS), TSTART seconds after MJDREF
        from astropy.time import Time

        t0 = Time(h.header["MJDREFI"], h.header["MJDREFF"], format="mjd", scale="tt")
        start = Time(f"{h.data['DATE-OBS'][0]}T{h.data['TIME-OBS'][0]}", scale="tt")
        assert (start - t0).sec == pytest.approx(h.data["TSTART"][0], abs=1e-3)
        assert Time("2026-01-01T00:00:00", scale="utc").tt.isot == start.isot


def test_point_like_irfs_have_rad_max(chain, tmp_path):
    from gammapy.data import DataStore

    folder = tmp_path / "dl3_point"
    options = IRFOptions(point_like=True, theta_cut_deg=0.3)
    info = make_dl3(chain["dl2"], folder, ObservationOptions(SITES["CTAO-North"]), options,
                    log=lambda s: None)
    for name in info["files"]:
        assert _check_file(folder / name, point_like=True) == {}, name
    obs = DataStore.from_dir(folder).obs(info["observations"][0], required_irf="point-like")
    assert obs.rad_max is not None and obs.psf is None
    assert float(obs.rad_max.data.max()) == pytest.approx(0.3)


def test_same_reader_opens_ours_and_a_published_hess_run(chain):
    """gammapy's Observation.read (events, GTI and the IRFs of one file, found by their
    HDUCLAS keywords) reads a H.E.S.S. DR1 run and ours alike; ours has every HDU class and
    column theirs has (BKG_2D here, BKG_3D there: both GADF, gammapy reads both)."""
    from astropy.io import fits
    from gammapy.data import Observation

    ref = data_file("dl3-reference/hess-dl3-dr1/hess_dl3_dr1_obs_id_023523.fits.gz")
    ours = chain["folder"] / chain["info"]["files"][0]
    for path in (ref, ours):
        obs = Observation.read(path)
        assert len(obs.events.table) > 0 or path == ours
        assert obs.aeff is not None and obs.edisp is not None and obs.psf is not None
        assert obs.bkg is not None and obs.gti.time_sum.value > 0

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
    with fits.open(ref) as hess, fits.open(ours) as mine_hdul:
        hess_events = set(hess["EVENTS"].header) & set(gadf.KEYWORDS)
        assert hess_events <= set(mine_hdul["EVENTS"].header) | {
            # H.E.S.S. observation details a simulation has no value for
            "EV_CLASS", "RA_OBJ", "DEC_OBJ", "TASSIGN", "CONV_DEP", "CONV_RA", "CONV_DEC",
            "MUONEFF"}


def test_same_reader_opens_ours_and_the_prod5_irfs(chain):
    """gammapy's IRF loader (which finds IRFs by HDUCLAS2/HDUCLAS4) reads the published CTA
    prod5 IRFs and ours alike; the extension names of the components both have are the same
    (their PSF is PSF_3GAUSS and background BKG_3D, ours PSF_TABLE and BKG_2D: all GADF)."""
    from astropy.io import fits
    from gammapy.irf import load_irf_dict_from_file

    prod5 = sorted((data_dir() / "dl3-reference" / "prod5-irfs").glob("*.fits*"))
    if not prod5:
        pytest.skip("no prod5 IRFs in the shared data")
    ours = chain["folder"] / chain["info"]["files"][0]
    for path in (prod5[0], ours):
        irfs = load_irf_dict_from_file(path)
        assert {"aeff", "edisp", "psf", "bkg"} <= set(irfs), path

    def classes(path):
        with fits.open(path) as hdul:
            return {h.header["HDUCLAS2"]: h.name for h in hdul[1:]
                    if h.header.get("HDUCLAS1") == "RESPONSE"}

    theirs, mine = classes(prod5[0]), classes(ours)
    assert set(theirs) == set(mine) == {"EFF_AREA", "EDISP", "PSF", "BKG"}
    for clas2 in ("EFF_AREA", "EDISP", "BKG"):
        assert mine[clas2] == theirs[clas2]


def test_runs_of_one_instrument_add_up_or_are_refused_by_name(chain, tmp_path):
    """A copy of a run is a second run of the same simulation: its showers add up, the
    effective area is unchanged, and its repeated obs_id is renumbered with a warning. A copy
    simulated with another viewcone cannot be added up: the error names both runs."""
    original = next(p for p in chain["dl2"] if p.name.startswith("gamma_70sst1m"))
    twin = tmp_path / "gamma_70sst1m_twin.h5"
    shutil.copy(original, twin)
    log = []
    info = make_dl3([original, twin], tmp_path / "two", ObservationOptions(SITES["CTAO-South"]),
                    IRFOptions(), log=log.append)
    single = compute_irfs([load_run(original)], [], IRFOptions())
    both = compute_irfs([load_run(original), load_run(twin)], [], IRFOptions())
    assert both.thrown.n_showers == 2 * single.thrown.n_showers
    np.testing.assert_allclose(both.aeff_m2, single.aeff_m2)
    assert info["observations"] == [102, 103]
    assert any("gamma_70sst1m_twin.h5) has obs_id 102, already used by run 102" in line
               and "written as OBS_ID 103" in line for line in log)

    other = tmp_path / "gamma_70sst1m_diffuse.h5"
    shutil.copy(original, other)
    with h5py.File(other, "r+") as h5:
        run = h5["/configuration/simulation/run"][()]
        run["max_viewcone_radius"] = 10.0
        h5["/configuration/simulation/run"][...] = run
    with pytest.raises(CtaviewerError) as err:
        make_dl3([original, other], tmp_path / "refused", ObservationOptions(SITES["CTAO-South"]),
                 IRFOptions(), log=lambda s: None)
    message = str(err.value)
    assert "run 102 (gamma_70sst1m.simtel.zst.h5)" in message
    assert "run 102 (gamma_70sst1m_diffuse.h5)" in message
    assert "viewcone 0-10 deg" in message and "viewcone 0-0 deg" in message
    assert not (tmp_path / "refused").exists()


def test_site_presets_and_custom():
    assert site_from_text("ctao-north").latitude_deg == pytest.approx(28.76187)
    custom = site_from_text("10.5, -20, 1800")
    assert (custom.latitude_deg, custom.longitude_deg, custom.height_m) == (10.5, -20.0, 1800.0)
    with pytest.raises(ValueError):
        site_from_text("Mars")


def test_estimates_list_the_telescopes_they_used(chain):
    """As ctapipe's ReconstructedEnergy/ParticleClassification containers: the mask of the
    telescopes whose images an estimate used (a subset of the geometry's), none without one."""
    import h5py

    from ctaviewer.datamodel import columns as cols
    from ctaviewer.datamodel import paths
    from ctaviewer.writers.dl2 import ENERGY_ALGORITHM, GEOMETRY_ALGORITHM

    e, g = ENERGY_ALGORITHM, GEOMETRY_ALGORITHM
    seen = 0
    for path in chain["dl2"]:
        with h5py.File(path) as h5:
            energy = h5[paths.DL2_ENERGY.format(e)][()]
            geometry = h5[paths.DL2_GEOMETRY.format(g)][()]
        used = energy[cols.algorithm_column(e, "telescopes")].astype(bool)
        valid = energy[cols.algorithm_column(e, "is_valid")].astype(bool)
        geo = geometry[cols.algorithm_column(g, "telescopes")].astype(bool)
        assert not used[~valid].any()
        assert (used[valid].sum(axis=1) >= 1).all()
        assert not (used & ~geo).any()
        assert np.isnan(energy[cols.algorithm_column(e, "goodness_of_fit")]).all()
        seen += int(valid.sum())
    assert seen > 0
