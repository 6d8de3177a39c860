"""Performance tables (ctaviewer.performance) against pyirf's own functions.

DL2 files are made from the shared gamma and proton files as a user would (train lookup
tables, process with them); every table's numbers must equal pyirf's direct calls on the
same events, selected here independently of ``Sample.select``. A copy of one gamma file
with a gammaness column rewritten to known values checks the gammaness cut (the lookup
tables trained on the shared files leave most events without a gammaness).
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from ctaviewer.errors import CtaviewerError, InputFileError
from ctaviewer.performance.benchmarks import Options, compute
from ctaviewer.performance.cuts import Cuts
from ctaviewer.performance.events import load_events
from ctaviewer.performance.sample import Sample

from .conftest import simtel

GAMMAS = ("gamma_4lst.simtel.zst", "gamma_diffuse_13tel.simtel.zst",
          "gamma_70sst1m.simtel.zst")
PROTONS = ("proton_13tel.simtel.zst", "proton_4lst_15flashcam.simtel.zst")
#: the file whose gammaness column is rewritten, and where
SYNTHETIC = "gamma_70sst1m_gammaness.h5"
PREDICTION = "/dl2/event/subarray/particle_type/LookupTableClassifier"


def make_dl2(tmp_path_factory) -> dict:
    """DL2 files of the shared gamma and proton files (made once per test session, shared
    by the performance tests): {"gammas": [...], "protons": [...], "synthetic": path}."""
    from ctaviewer.batch.job import JobSpec, run_job
    from ctaviewer.estimators.train import train

    folder = tmp_path_factory.getbasetemp() / "performance-dl2"
    gammas = [folder / (name.split(".")[0] + ".h5") for name in GAMMAS]
    protons = [folder / (name.split(".")[0] + ".h5") for name in PROTONS]
    synthetic = folder / SYNTHETIC
    if not synthetic.exists():
        inputs = [simtel(n) for n in GAMMAS + PROTONS]
        folder.mkdir(exist_ok=True)
        model = train(inputs[:len(GAMMAS)], inputs[len(GAMMAS):])
        tables = folder / "tables.h5"
        model.save(tables)
        for src, out in zip(inputs, gammas + protons):
            run_job(JobSpec(str(src), str(out), dl1=True, dl2=True, estimators=str(tables)))
        tmp = folder / "synthetic.tmp"
        shutil.copy(gammas[2], tmp)
        with h5py.File(tmp, "r+") as h5:
            d = h5[PREDICTION]
            rows = d[()]
            # known values spread over 0..1, by event id
            rows["LookupTableClassifier_prediction"] = (rows["event_id"] * 37 % 101) / 100.0
            d[...] = rows
        tmp.rename(synthetic)
    return {"gammas": [str(p) for p in gammas], "protons": [str(p) for p in protons],
            "synthetic": str(synthetic), "folder": folder}


@pytest.fixture(scope="module")
def dl2(tmp_path_factory):
    return make_dl2(tmp_path_factory)


@pytest.fixture(scope="module")
def sample(dl2):
    return Sample.load(dl2["gammas"] + dl2["protons"])


def _selected_independently(files, cuts: Cuts):
    """(file, row mask) of the gammas passing ``cuts``, computed from the files' arrays."""
    out = []
    for f in files:
        n_tel = f.multiplicity.copy()
        if cuts.intensity_min > 0:
            keep = f.image_intensity >= cuts.intensity_min
            n_tel = np.bincount(f.image_event[keep], minlength=f.n_events)
        with np.errstate(invalid="ignore"):
            ok = f.valid & (f.primary_id == 0) & np.isfinite(f.theta) \
                & (n_tel >= cuts.multiplicity_min)
            if cuts.theta_max_deg is not None:
                ok &= f.theta <= cuts.theta_max_deg
            if cuts.gammaness_min is not None:
                ok &= f.gammaness >= cuts.gammaness_min
        out.append((f, ok))
    return out


def _events_table(selection):
    from astropy import units as u
    from astropy.table import QTable

    t = QTable()
    t["true_energy"] = np.concatenate([f.true_energy[m] for f, m in selection]) * u.TeV
    t["reco_energy"] = np.concatenate([f.reco_energy[m] for f, m in selection]) * u.TeV
    t["theta"] = np.concatenate([f.theta[m] for f, m in selection]) * u.deg
    t["true_source_fov_offset"] = np.concatenate(
        [f.true_offset[m] for f, m in selection]) * u.deg
    return t


@pytest.mark.parametrize("cuts", [Cuts(), Cuts(theta_max_deg=0.3),
                                  Cuts(multiplicity_min=3, intensity_min=80.0)])
def test_tables_equal_pyirf_direct_calls(sample, cuts):
    from astropy import units as u
    from pyirf.benchmarks import angular_resolution, energy_bias_resolution
    from pyirf.irf import effective_area_per_energy
    from pyirf.irf.energy_dispersion import energy_migration_matrix
    from pyirf.simulations import SimulatedEventsInfo

    result = compute(sample, cuts, Options(n_bootstrap=5))
    edges = result.energy_edges * u.TeV
    events = _events_table(_selected_independently(sample.files, cuts))
    assert len(events) == result.counts["gammas_selected"] > 0
    with_energy = events[np.isfinite(events["reco_energy"].value)
                         & (events["reco_energy"].value > 0)]
    for energy_type, ev in (("true", events), ("reco", with_energy)):
        direct = angular_resolution(ev, edges, energy_type=energy_type)
        ours = result.tables[f"angular_resolution_{energy_type}_energy"]
        np.testing.assert_array_equal(ours["n_events"], direct["n_events"])
        np.testing.assert_array_equal(ours["angular_resolution_68"].to_value(u.deg),
                                      direct["angular_resolution_68"].to_value(u.deg))
        direct = energy_bias_resolution(with_energy, edges, energy_type=energy_type)
        ours = result.tables[f"energy_bias_resolution_{energy_type}_energy"]
        np.testing.assert_array_equal(ours["n_events"], direct["n_events"])
        np.testing.assert_array_equal(ours["bias"], direct["bias"])
        np.testing.assert_array_equal(ours["resolution"], direct["resolution"])
    assert np.nansum(result.tables["angular_resolution_true_energy"]["n_events"]) == len(events)

    # effective area of each set-up: pyirf's own call with the run header's numbers
    aeff = result.tables["effective_area"]
    checked = 0
    for f, mask in _selected_independently(sample.files, cuts):
        if f.particle != "gamma":
            continue
        sim = f.simulation
        setup = next(s for s in result.setups if sample.files.index(f) in s.files)
        assert setup.files == [sample.files.index(f)]  # the shared files differ
        rows = aeff[np.asarray(aeff["setup"]) == setup.index]
        info = SimulatedEventsInfo(
            n_showers=sim.n_showers * sim.shower_reuse, energy_min=sim.energy_min * u.TeV,
            energy_max=sim.energy_max * u.TeV, max_impact=sim.max_scatter_range * u.m,
            spectral_index=sim.spectral_index, viewcone_min=sim.viewcone_min * u.deg,
            viewcone_max=sim.viewcone_max * u.deg)
        if setup.monoenergetic:
            from pyirf.irf import effective_area

            n_sel, _ = np.histogram(f.true_energy[mask], result.energy_edges)
            e0 = sim.energy_min
            n_sim = np.where((result.energy_edges[:-1] <= e0) & (e0 < result.energy_edges[1:]),
                             float(info.n_showers), 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                direct = effective_area(n_sel, n_sim, np.pi * info.max_impact**2)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                direct = effective_area_per_energy(_events_table([(f, mask)]), info, edges)
        np.testing.assert_array_equal(rows["effective_area"].to_value(u.m**2),
                                      direct.to_value(u.m**2))
        assert rows["n_events"].sum() == mask.sum()
        checked += 1
    assert checked == len(GAMMAS)

    # migration: pyirf's probabilities, and the counts behind them
    mig = result.tables["migration"]
    n = len(edges) - 1
    direct = energy_migration_matrix(with_energy, edges, edges, [0, 180] * u.deg)[:, :, 0]
    np.testing.assert_array_equal(np.asarray(mig["probability"]).reshape(n, n), direct)
    counts = np.asarray(mig["n_events"]).reshape(n, n)
    assert counts.sum() == len(with_energy)
    rows_sum = counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.divide(counts, rows_sum, out=np.zeros(counts.shape),
                                         where=rows_sum > 0), direct)


def test_error_bars_and_counts(sample):
    result = compute(sample, Cuts(), Options(n_bootstrap=30))
    ang = result.tables["angular_resolution_true_energy"]
    n = np.asarray(ang["n_events"])
    err = ang["angular_resolution_68_err"].value
    # bootstrap errors where a bin has two events or more, none below
    assert np.all(np.isnan(err[n < 2]))
    assert np.all(np.isfinite(err[n >= 2])) and np.any(err[n >= 2] > 0)
    aeff = result.tables["effective_area"]
    has = np.asarray(aeff["n_events"]) > 0
    # Poisson: an area measured from n events has a relative error about 1/sqrt(n)
    rel = aeff["effective_area_err_high"].value[has] / aeff["effective_area"].value[has]
    assert np.all(rel > 0) and np.all(rel < 3)
    g = result.tables["gammaness"]
    assert np.all(g["n_gammas_err_high"] > 0)  # even empty bins have an upper error
    assert result.few_events and result.statistics_note().startswith("few events: ")


def test_cuts_change_the_numbers_as_expected(dl2):
    s = Sample.load([dl2["synthetic"], *dl2["protons"]])
    base = compute(s, Cuts(), Options(n_bootstrap=0))
    g = s.gammaness
    gammas = s.is_gamma & base.selected
    for cut in (0.3, 0.7):
        r = compute(s, Cuts(gammaness_min=cut), Options(n_bootstrap=0))
        # exactly the gammas at or above the cut remain (protons without a gammaness are
        # cut; a file without classifier output would not be)
        assert r.counts["gammas_selected"] == int((gammas & (g >= cut)).sum())
        assert r.counts["gammas_selected"] < base.counts["gammas_selected"]
        # the gammaness distribution is drawn without the gammaness cut: unchanged
        np.testing.assert_array_equal(r.tables["gammaness"]["n_gammas"],
                                      base.tables["gammaness"]["n_gammas"])
    theta = compute(s, Cuts(theta_max_deg=0.2), Options(n_bootstrap=0))
    assert np.all(s.theta[theta.selected] <= 0.2)
    # theta2 is drawn without the theta cut
    np.testing.assert_array_equal(theta.tables["theta2"]["n_events"][:4],
                                  base.tables["theta2"]["n_events"][:4])
    ang_t = theta.tables["angular_resolution_true_energy"]
    ang_b = base.tables["angular_resolution_true_energy"]
    assert np.all(ang_t["n_events"] <= ang_b["n_events"])
    assert np.nanmax(ang_t["angular_resolution_68"].value) <= 0.2
    # multiplicity and intensity only ever remove events, and an intensity cut counts
    # the images of each event that pass it
    last = base.counts["gammas_selected"]
    for m in (3, 4, 6):
        c = compute(s, Cuts(multiplicity_min=m), Options(n_bootstrap=0)).counts
        assert c["gammas_selected"] <= last
        last = c["gammas_selected"]
    assert last < base.counts["gammas_selected"]
    n_bright = s.n_images_above(200.0)
    assert np.all(n_bright <= s.multiplicity)
    f = s.files[0]
    row = int(np.flatnonzero(f.multiplicity >= 3)[0])
    assert n_bright[row] == int((f.image_intensity[f.image_event == row] >= 200.0).sum())
    r = compute(s, Cuts(intensity_min=200.0), Options(n_bootstrap=0))
    assert r.counts["gammas_selected"] == int((gammas & (n_bright >= 2)).sum())


def test_cuts_are_checked():
    with pytest.raises(CtaviewerError, match="gammaness cut"):
        Cuts(gammaness_min=1.5)
    with pytest.raises(CtaviewerError, match="theta cut"):
        Cuts(theta_max_deg=-1)
    with pytest.raises(CtaviewerError, match="multiplicity"):
        Cuts(multiplicity_min=0)
    assert Cuts(gammaness_min=0.7, theta_max_deg=0.2).describe() == \
        "gammaness ≥ 0.7, θ ≤ 0.2°, ≥ 2 telescopes"


def test_particles_come_from_the_simulated_primary(dl2, tmp_path):
    # a proton file named like a gamma file is still protons
    renamed = tmp_path / "gamma_looks_like.h5"
    shutil.copy(dl2["protons"][0], renamed)
    f = load_events(renamed)
    assert f.particle == "proton" and np.all(f.primary_id == 101)
    with pytest.raises(CtaviewerError, match="no reconstructed simulated gammas"):
        compute(Sample.from_files([f]), Cuts())


def test_ecsv_tables_read_back(sample, tmp_path):
    from astropy.table import QTable

    from ctaviewer.performance.report import write_tables

    result = compute(sample, Cuts(theta_max_deg=0.5), Options(n_bootstrap=5))
    written = write_tables(result, str(tmp_path))
    assert len(written) == len(result.tables)
    for name, table in result.tables.items():
        back = QTable.read(tmp_path / f"{name}.ecsv")
        assert back.colnames == table.colnames
        for c in table.colnames:
            np.testing.assert_array_equal(np.asarray(getattr(back[c], "value", back[c])),
                                          np.asarray(getattr(table[c], "value", table[c])))
        assert back.meta["cuts"]["theta_max_deg"] == 0.5
        assert back.meta["computed_by"].startswith(("pyirf", "probability: pyirf"))
    assert not list(tmp_path.glob(".*"))  # no temporary names left


def test_bad_inputs_are_named(dl2, tmp_path):
    with pytest.raises(InputFileError, match="not a DL2 HDF5 file"):
        load_events(simtel("gamma_4lst.simtel.zst"))
    with pytest.raises(InputFileError, match="not a DL2 file: no reconstructed geometry"):
        load_events(dl2["folder"] / "tables.h5")
    with pytest.raises(InputFileError, match="no such file"):
        load_events(tmp_path / "missing.h5")


def test_clicked_bin_lists_its_events(sample):
    result = compute(sample, Cuts(), Options(n_bootstrap=0))
    ang = result.tables["angular_resolution_true_energy"]
    k = int(np.argmax(ang["n_events"]))
    rows = result.rows_in_bin("true", k)
    assert len(rows) == ang["n_events"][k]
    lo, hi = result.energy_edges[k], result.energy_edges[k + 1]
    assert np.all((sample.true_energy[rows] >= lo) & (sample.true_energy[rows] < hi))
    assert np.all(sample.is_gamma[rows])


def test_plots_carry_counts_and_the_statistics_note(sample):
    from ctaviewer.performance.plots import make_plots

    result = compute(sample, Cuts(theta_max_deg=0.3), Options(n_bootstrap=5))
    plots = {p.name: p for p in make_plots(result)}
    assert set(plots) == {"angular_resolution", "energy_resolution", "energy_bias",
                          "effective_area", "gammaness", "theta2", "migration"}
    for p in plots.values():
        assert p.note.startswith("few events: ")
    ang = plots["angular_resolution"].series[0]
    table = result.tables["angular_resolution_true_energy"]
    np.testing.assert_array_equal(ang.counts, np.asarray(table["n_events"])[ang.bins])
    assert plots["theta2"].vlines == [(pytest.approx(0.09), "cut")]
    assert plots["migration"].image.counts.sum() == result.tables["migration"]["n_events"].sum()


def test_ctapipe_dl2_file_opens(tmp_path_factory):
    """ctapipe-process's DL2 (HillasReconstructor_* columns, no energy or classifier
    groups) gives the geometry tables; the numbers equal pyirf's on its events."""
    from astropy import units as u
    from pyirf.benchmarks import angular_resolution

    from .ctapipe_env import ctapipe_python, run_tool

    ctapipe_python()  # skips without ctapipe
    folder = tmp_path_factory.getbasetemp() / "performance-ctapipe"
    folder.mkdir(exist_ok=True)
    out = folder / "gamma_4lst_ctapipe.h5"
    if not out.exists():
        run_tool("ctapipe-process", "--input", simtel("gamma_4lst.simtel.zst"), "--output",
                 out, "--no-progress", "--write-showers", cwd=folder)
    f = load_events(out)
    assert f.algorithms == {"geometry": "HillasReconstructor"}
    assert f.particle == "gamma" and f.n_events > 0 and f.has_intensity
    assert not f.has_energy and not f.has_gammaness
    assert np.all(np.isfinite(f.theta[f.valid]))
    result = compute(Sample.from_files([f]), Cuts(gammaness_min=0.5), Options(n_bootstrap=0))
    # no classifier in the file: the gammaness cut is not applied, and said so
    assert any("no gammaness" in n for n in result.notes)
    assert any("no reconstructed energy" in n for n in result.notes)
    mask = f.valid & (f.multiplicity >= 2)
    assert result.counts["gammas_selected"] == int(mask.sum()) > 0
    events = _events_table([(f, mask)])
    direct = angular_resolution(events, result.energy_edges * u.TeV)
    ours = result.tables["angular_resolution_true_energy"]
    np.testing.assert_array_equal(ours["angular_resolution_68"].value,
                                  direct["angular_resolution_68"].value)
    assert result.tables["effective_area"]["n_events"].sum() == mask.sum()
