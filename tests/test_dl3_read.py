"""Reading DL3 back (ctaviewer.dl3): the H.E.S.S. DR1 runs, the CTA prod5 IRFs and our own DL3
against gammapy's readers; θ² and the counts map against direct counts; bad inputs.

Tolerances: event counts and pointings are equal (the same header numbers); livetimes to
1e-7 (gammapy computes the GTI sum × DEADC, we read LIVETIME, which the H.E.S.S. files hold
as a float32: 1581.73681640625 for 1581.7367647 s).
Effective area and background at bin centres are equal to 1e-6 (both interpolate between
centres, we in log E and linearly in offset as gammapy's axes); between centres the area is
equal to 1e-6 (both interpolate linearly) and the background (log-interpolated) to 1e-3.
The PSF 68 % radius agrees to 1.5 % (both integrate the tabulated or Gaussian PSF on their
own radius grids) at energies where the effective area is above 10 % of its largest value
(below the threshold the H.E.S.S. PSF tables hold a few noisy bins that the two
integrations, ours bin by bin, gammapy's between interpolated points, read differently).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from ctaviewer.dl3 import events as dl3_events
from ctaviewer.dl3 import irfs as dl3_irfs
from ctaviewer.dl3 import skymap, theta2
from ctaviewer.dl3.index import open_dl3
from ctaviewer.dl3.links import find_dl2, find_event_file, recorded_inputs
from ctaviewer.errors import CtaviewerError, InputFileError

from .conftest import data_dir, simtel

HESS = "dl3-reference/hess-dl3-dr1"
PROD5 = "dl3-reference/prod5-irfs"
u = pytest.importorskip("astropy.units")


def hess_folder() -> Path:
    folder = data_dir() / HESS
    if not any(folder.glob("*.fits*")):
        pytest.skip(f"no H.E.S.S. DR1 runs in {folder}")
    return folder


def make_own_dl3(folder: Path, point_like: bool = False) -> dict:
    """Our own DL3 folder from one shared gamma file: train on it and a proton file, DL2,
    then DL3 (every event kept: gammaness cut 0). The DL2 file is in ``folder``, the DL3
    folder is ``folder``/dl3, as ``ctaviewer process`` lays them out."""
    from ctaviewer.batch.job import JobSpec, run_job
    from ctaviewer.estimators.train import train
    from ctaviewer.irf.compute import IRFOptions
    from ctaviewer.irf.make import make_dl3
    from ctaviewer.irf.sites import SITES
    from ctaviewer.writers.dl3 import ObservationOptions

    gamma = simtel("gamma_70sst1m.simtel.zst")
    folder.mkdir(parents=True, exist_ok=True)
    model = train([gamma], [simtel("proton_13tel.simtel.zst")])
    tables = folder / "tables.h5"
    model.save(tables)
    dl2 = folder / "gamma_70sst1m.dl2.h5"
    r = run_job(JobSpec(str(gamma), str(dl2), dl1=True, dl2=True, estimators=str(tables)))
    assert r.n_events > 0
    out = folder / "dl3"
    make_dl3([dl2], out, ObservationOptions(SITES["CTAO-South"], gammaness_cut=0.0),
             IRFOptions(gammaness_cut=0.0, point_like=point_like), log=lambda _: None)
    return {"dl2": dl2, "dl3": out}


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    return make_own_dl3(tmp_path_factory.mktemp("own_dl3"))


def _gammapy_store(paths):
    from gammapy.data import DataStore

    return DataStore.from_events_files([str(p) for p in paths])


def _check_against_gammapy(index, store):
    assert sorted(store.obs_table["OBS_ID"]) == [r.obs_id for r in index.runs]
    for run in index.runs:
        obs = store.obs(run.obs_id, required_irf=[])
        ev = dl3_events.read_events(run)
        n = len(obs.events.table)
        assert run.n_events == len(ev) == n > 0
        live = obs.observation_live_time_duration.to_value("s")
        # gammapy: GTI sum x DEADC; we read LIVETIME, which H.E.S.S. rounded to float32
        assert run.livetime_s == pytest.approx(live, rel=1e-7)
        assert ev.livetime_s == run.livetime_s
        pnt = obs.pointing.fixed_icrs
        assert (run.ra_pnt, run.dec_pnt) == pytest.approx((pnt.ra.deg, pnt.dec.deg))
        np.testing.assert_array_equal(ev.event_id, obs.events.table["EVENT_ID"])
        np.testing.assert_allclose(ev.energy, obs.events.energy.to_value("TeV"))
        np.testing.assert_allclose(ev.ra, obs.events.radec.ra.deg)


def test_every_hess_run_opens_with_gammapys_counts_and_livetime():
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    folder = hess_folder()
    files = sorted(folder.glob("*.fits*"))
    index = open_dl3(folder)
    assert index.how == "folder" and len(index.runs) == len(files) == 4
    _check_against_gammapy(index, _gammapy_store(files))
    for run in index.runs:
        assert run.object_name == "Crab Nebula" and run.irf_kind == "full-enclosure"
        assert run.irf_types == ["aeff", "psf", "edisp", "bkg"]
        # one run file alone gives the same run
        alone = open_dl3(run.hdus["events"].path)
        assert alone.how == "file" and alone.runs[0].n_events == run.n_events


def test_our_dl3_opens_with_gammapys_counts_and_livetime(own):
    from gammapy.data import DataStore

    folder = own["dl3"]
    store = DataStore.from_dir(folder)
    for path in (folder, folder / "hdu-index.fits.gz", folder / "obs-index.fits.gz"):
        index = open_dl3(path)
        assert index.how == "hdu-index"
        _check_against_gammapy(index, store)
    run = open_dl3(folder).runs[0]
    assert {"events", "gti", "pointing", "aeff", "edisp", "psf", "bkg"} <= set(run.hdus)
    single = open_dl3(run.hdus["events"].path)
    assert single.how == "file" and single.runs[0].n_events == run.n_events


def _at_centres(table):
    return np.meshgrid(table.energy_centres, table.offset_centres)


def _check_psf(psf, gammapy_psf, aeff):
    ours = psf.containment_radius(0.68)
    e = psf.energy_centres
    for i, off in enumerate(psf.offset_centres):
        if off > aeff.offset_hi[-1]:
            continue
        ref = gammapy_psf.containment_radius(0.68, energy_true=e * u.TeV,
                                             offset=off * u.deg).to_value("deg")
        area = aeff.evaluate(e, off)
        ok = np.isfinite(ours[i]) & (area > 0.1 * area.max())
        assert ok.sum() >= 5
        np.testing.assert_allclose(ours[i][ok], ref[ok], rtol=0.015)


def test_hess_irfs_equal_gammapys_evaluations():
    pytest.importorskip("gammapy.irf", reason="gammapy is a test dependency")
    from gammapy.irf import PSF3D, Background3D, EffectiveAreaTable2D, EnergyDispersion2D

    run = open_dl3(hess_folder()).runs[0]
    path = run.hdus["aeff"].path
    aeff = dl3_irfs.effective_area(run)
    g = EffectiveAreaTable2D.read(path, hdu=run.hdus["aeff"].name)
    e, off = _at_centres(aeff)
    ref = g.evaluate(energy_true=e * u.TeV, offset=off * u.deg).to_value("m2")
    np.testing.assert_allclose(aeff.evaluate(e, off), ref, rtol=1e-6)
    np.testing.assert_allclose(aeff.values, ref, rtol=1e-6)  # the nodes are the table
    e2 = np.array([0.7, 1.3, 4.2, 17.0])
    off2 = np.array([0.3, 0.8, 1.2, 1.7])
    ref2 = g.evaluate(energy_true=e2 * u.TeV, offset=off2 * u.deg).to_value("m2")
    np.testing.assert_allclose(aeff.evaluate(e2, off2), ref2, rtol=1e-6)

    _check_psf(dl3_irfs.psf(run), PSF3D.read(path, hdu=run.hdus["psf"].name), aeff)

    bkg = dl3_irfs.background(run)
    gb = Background3D.read(path, hdu=run.hdus["bkg"].name)
    ec = bkg.energy_centres
    detx = 0.5 * (bkg.detx_lo + bkg.detx_hi)
    dety = 0.5 * (bkg.dety_lo + bkg.dety_hi)
    # asymmetric nodes: DETX and DETY must not be swapped
    for x, y in ((detx[30], dety[20]), (detx[12], dety[33])):
        ref = gb.evaluate(energy=ec * u.TeV, fov_lon=x * u.deg, fov_lat=y * u.deg)
        ix, iy = list(detx).index(x), list(dety).index(y)
        np.testing.assert_allclose(bkg.rate[:, iy, ix], ref.to_value("MeV-1 s-1 sr-1"),
                                   rtol=1e-6, atol=1e-30)  # gammapy: 1.2e-38 for 0
    at = np.array([1.0, 2.0, 5.0])
    ref = gb.evaluate(energy=at * u.TeV, fov_lon=[0.7, 1.1, 0.3] * u.deg,
                      fov_lat=[0.0, 0.0, 0.0] * u.deg).to_value("MeV-1 s-1 sr-1")
    np.testing.assert_allclose(bkg.evaluate(at, [0.7, 1.1, 0.3]), ref, rtol=1e-3)

    ed = dl3_irfs.energy_dispersion(run)
    ge = EnergyDispersion2D.read(path, hdu=run.hdus["edisp"].name)
    # gammapy's data are (energy_true, migra, offset); ours (offset, migra, energy)
    np.testing.assert_allclose(np.transpose(ed.matrix, (2, 1, 0)), ge.data, rtol=1e-6)


def test_prod5_irfs_equal_gammapys_evaluations():
    pytest.importorskip("gammapy.irf", reason="gammapy is a test dependency")
    from gammapy.irf import Background3D, EffectiveAreaTable2D, EnergyDependentMultiGaussPSF

    files = sorted((data_dir() / PROD5).glob("*.fits*"))
    if not files:
        pytest.skip("no prod5 IRF files")
    for path in files:
        index = open_dl3(path)
        run = index.runs[0]
        assert not run.has_events and run.irf_types == ["aeff", "psf", "edisp", "bkg"]
        assert run.hdus["psf"].hdu_class == "PSF_3GAUSS"
        aeff = dl3_irfs.effective_area(run)
        g = EffectiveAreaTable2D.read(path, hdu=run.hdus["aeff"].name)
        e, off = _at_centres(aeff)
        np.testing.assert_allclose(
            aeff.evaluate(e, off),
            g.evaluate(energy_true=e * u.TeV, offset=off * u.deg).to_value("m2"), rtol=1e-6,
            atol=1e-6)  # gammapy gives 4e-16 m² for an empty bin
        _check_psf(dl3_irfs.psf(run),
                   EnergyDependentMultiGaussPSF.read(path, hdu=run.hdus["psf"].name), aeff)
        bkg = dl3_irfs.background(run)
        gb = Background3D.read(path, hdu=run.hdus["bkg"].name)
        detx = 0.5 * (bkg.detx_lo + bkg.detx_hi)
        dety = 0.5 * (bkg.dety_lo + bkg.dety_hi)
        ref = gb.evaluate(energy=bkg.energy_centres * u.TeV, fov_lon=detx[40] * u.deg,
                          fov_lat=dety[25] * u.deg).to_value("MeV-1 s-1 sr-1")
        np.testing.assert_allclose(bkg.rate[:, 25, 40], ref, rtol=1e-6, atol=1e-30)


def test_point_like_irfs_give_rad_max_as_gammapy(tmp_path):
    pytest.importorskip("gammapy.irf", reason="gammapy is a test dependency")
    from gammapy.irf import RadMax2D

    made = make_own_dl3(tmp_path / "point", point_like=True)
    run = open_dl3(made["dl3"]).runs[0]
    assert run.irf_kind == "point-like" and "rad_max" in run.hdus
    rm = dl3_irfs.rad_max(run)
    g = RadMax2D.read(run.hdus["rad_max"].path, hdu=run.hdus["rad_max"].name)
    e, off = _at_centres(rm)
    ref = g.evaluate(energy=e * u.TeV, offset=off * u.deg).to_value("deg")
    np.testing.assert_allclose(rm.evaluate(e, off), ref, rtol=1e-6)
    assert np.allclose(rm.values, 0.2)  # --theta-cut 0.2 by default
    assert dl3_irfs.effective_area(run).point_like
    irfs, errors = dl3_irfs.load_irfs(run)
    assert not errors and set(irfs) == set(run.irf_types)


def _separation(ra, dec, ra0, dec0):
    from astropy.coordinates import SkyCoord

    return SkyCoord(ra * u.deg, dec * u.deg).separation(SkyCoord(ra0 * u.deg, dec0 * u.deg)).deg


def test_theta2_on_off_counts_equal_a_direct_count_on_the_crab_runs():
    index = open_dl3(hess_folder())
    lists = [dl3_events.read_events(r) for r in index.runs]
    crab = lists[0].target
    assert crab == pytest.approx((83.6333, 22.0144), abs=1e-3)
    cut = 0.0125
    for mode in theta2.MODES:
        result = theta2.theta2(lists, crab, cut, mode=mode)
        n_on = n_off = 0
        for ev, regions in zip(lists, result.runs):
            sep_on = _separation(ev.ra, ev.dec, *crab)
            n_on += int((sep_on ** 2 < cut).sum())
            on_offset = _separation(crab[0], crab[1], ev.ra_pnt, ev.dec_pnt)
            for ra, dec in regions.off:
                # each OFF region is at the ON region's offset, and apart from it
                assert _separation(ra, dec, ev.ra_pnt, ev.dec_pnt) == pytest.approx(on_offset,
                                                                                   abs=1e-9)
                assert _separation(ra, dec, *crab) >= 2 * np.sqrt(cut) - 1e-9
                n_off += int((_separation(ev.ra, ev.dec, ra, dec) ** 2 < cut).sum())
        assert (result.n_on, result.n_off) == (n_on, n_off)
        assert result.on_counts.sum() == sum(
            int((_separation(ev.ra, ev.dec, *crab) ** 2 < result.edges[-1]).sum())
            for ev in lists)
        n_regions = {len(r.off) for r in result.runs}
        assert n_regions == ({1} if mode == "wobble" else {11})
        assert result.alpha == pytest.approx(1 / n_regions.pop())
        # the Crab is seen: hundreds of excess events, many sigma
        assert result.excess > 400 and result.significance > 20
    with pytest.raises(CtaviewerError, match="covers the pointing"):
        theta2.theta2(lists[:1], (lists[0].ra_pnt, lists[0].dec_pnt), 0.0125)


def test_li_ma_significance():
    # Li & Ma 1983, eq. 17, by hand: N_on 150, N_off 400, alpha 0.25:
    # 2 [150 ln(5 * 150/550) + 400 ln(1.25 * 400/550)] = 16.798 -> 4.0986
    assert theta2.li_ma_significance(150, 400, 0.25) == pytest.approx(4.0986, abs=1e-4)
    stats = pytest.importorskip("gammapy.stats", reason="gammapy is a test dependency")
    for n_on, n_off, alpha in ((150, 400, 0.25), (711, 756, 1 / 11), (3, 40, 0.2)):
        ref = stats.WStatCountsStatistic(n_on, n_off, alpha).sqrt_ts
        assert theta2.li_ma_significance(n_on, n_off, alpha) == pytest.approx(float(ref))
    assert theta2.li_ma_significance(100, 400, 0.25) == pytest.approx(0.0, abs=1e-12)
    assert theta2.li_ma_significance(50, 400, 0.25) < 0


def test_counts_map_total_is_the_events_inside_the_map():
    from astropy.coordinates import SkyCoord

    run = open_dl3(hess_folder()).runs[0]
    ev = dl3_events.read_events(run)
    for width, binsz in ((5.0, 0.02), (2.0, 0.05), (1.0, 0.1)):
        cmap = skymap.counts_map(ev.ra, ev.dec, ev.ra_pnt, ev.dec_pnt, width, binsz)
        ny, nx = cmap.shape
        # inside: astropy's own projection, from pixel coordinates to pixel edges
        x, y = SkyCoord(ev.ra * u.deg, ev.dec * u.deg).to_pixel(cmap.wcs, origin=0)
        inside = (x >= -0.5) & (x < nx - 0.5) & (y >= -0.5) & (y < ny - 0.5)
        assert cmap.data.sum() == cmap.n_inside == int(inside.sum()) > 0
        assert cmap.n_events == len(ev)
        # the brightest pixel of the 0.1° map is the Crab's
        if binsz == 0.1:
            iy, ix = np.unravel_index(np.argmax(cmap.data), cmap.shape)
            ra, dec = cmap.world(ix, iy)
            assert _separation(ra, dec, *ev.target) < 0.15
    # grid lines: an RA line's points are at its RA, a Dec line's at its Dec
    lines = skymap.grid_lines(cmap.wcs, cmap.shape)
    assert {line.axis for line in lines} == {"ra", "dec"}
    for line in lines:
        ok = np.isfinite(line.x)
        ra, dec = cmap.world(line.x[ok], line.y[ok])
        values = ra if line.axis == "ra" else dec
        np.testing.assert_allclose(values, line.value, atol=1e-6)
        assert line.label_xy is not None and line.label


def test_bad_inputs_are_named_errors(tmp_path):
    from astropy.io import fits
    from astropy.table import Table

    text = tmp_path / "notes.fits"
    text.write_text("not a FITS file at all\n")
    with pytest.raises(InputFileError, match="not a FITS file") as exc:
        open_dl3(text)
    assert exc.value.path == str(text)
    gz = tmp_path / "junk.fits.gz"
    gz.write_bytes(gzip.compress(b"\x00" * 3000))
    with pytest.raises(InputFileError, match="not a FITS file"):
        open_dl3(gz)

    table = tmp_path / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(Table({"A": [1, 2]}), name="DATA")]
                 ).writeto(table)
    with pytest.raises(InputFileError, match="no GADF EVENTS or IRF HDU") as exc:
        open_dl3(table)
    assert "DATA" in exc.value.cause

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputFileError, match="the folder is empty"):
        open_dl3(empty)
    (empty / "readme.txt").write_text("hello")
    with pytest.raises(InputFileError, match="no hdu-index and no FITS file"):
        open_dl3(empty)
    with pytest.raises(InputFileError, match="no such file"):
        open_dl3(tmp_path / "missing")

    # a folder of non-GADF FITS files: each one's objection is given
    (empty / "table.fits").write_bytes(table.read_bytes())
    with pytest.raises(InputFileError, match="table.fits: no GADF EVENTS"):
        open_dl3(empty)


def test_an_index_naming_a_missing_hdu_or_a_bad_irf_says_which(own, tmp_path):
    import shutil

    from astropy.io import fits

    folder = tmp_path / "dl3"
    shutil.copytree(own["dl3"], folder)
    index_path = folder / "hdu-index.fits.gz"
    with fits.open(index_path) as hdul:
        table = hdul[1].copy()
    names = table.data["HDU_NAME"]
    names[names == "EVENTS"] = "EVENTZ"
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(index_path, overwrite=True)
    with pytest.raises(InputFileError, match="no HDU named 'EVENTZ'") as exc:
        open_dl3(folder)
    assert exc.value.path.endswith(".fits.gz")

    # an IRF of a format not read: the run opens, the HDU is listed as skipped
    run_file = next(p for p in own["dl3"].glob("obs_*.fits.gz"))
    odd = tmp_path / "odd.fits"
    with fits.open(run_file) as hdul:
        for h in hdul[1:]:
            if h.header.get("HDUCLAS4") == "PSF_TABLE":
                h.header["HDUCLAS4"] = "PSF_WEIRD"
        hdul.writeto(odd)
    run = open_dl3(odd).runs[0]
    assert "psf" not in run.hdus
    assert any("PSF_WEIRD" in n for n in run.notes)
    with pytest.raises(InputFileError, match="has no psf HDU"):
        dl3_irfs.psf(run)


def test_the_file_of_our_events_is_found(own, tmp_path):
    import shutil

    import h5py

    run = open_dl3(own["dl3"]).runs[0]
    ev = dl3_events.read_events(run)
    link = find_dl2(ev)
    assert link.path == str(own["dl2"])
    # the DL2 file's sim_telarray input is at hand: the event is shown from it
    gamma = str(simtel("gamma_70sst1m.simtel.zst").resolve())
    assert recorded_inputs(own["dl2"]) == [gamma]
    assert find_event_file(ev) == type(link)(gamma, kind="sim_telarray")
    # a DL2 file whose input has gone: the DL2 file itself
    folder = tmp_path / "moved"
    shutil.copytree(own["dl3"], folder / "dl3")
    moved = folder / own["dl2"].name
    shutil.copy(own["dl2"], moved)
    with h5py.File(moved, "a") as f:
        f["configuration/ctaviewer"].attrs["input_files"] = '["/nowhere/gamma.simtel.zst"]'
    ev = dl3_events.read_events(open_dl3(folder / "dl3").runs[0])
    assert find_event_file(ev) == type(link)(str(moved), kind="DL2")
    moved.unlink()
    link = find_event_file(ev)
    assert link.path is None and "is not at hand" in link.reason
    hess = dl3_events.read_events(open_dl3(hess_folder()).runs[0])
    link = find_dl2(hess)
    assert link.path is None and "DL2_FILE" in link.reason
