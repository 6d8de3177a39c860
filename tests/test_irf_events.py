"""The one DL2 event reader (``irf.events``): rows matched by (obs_id, event_id) in any
order, units from the column attributes, bad files named with their cause, the performance
events built on it, and DL3 made from a ctapipe-written DL2 file.

Our DL2 file is made from a shared sim_telarray file; copies of it are rewritten with h5py
to shuffle rows, change units or drop a column.
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
from numpy.lib import recfunctions

from ctaviewer.datamodel import paths
from ctaviewer.datamodel.table import FilterMissingError, column_attrs
from ctaviewer.errors import InputFileError, MissingFileError
from ctaviewer.irf.events import DL2Events, load_dl2
from ctaviewer.performance.events import FileEvents, load_events

from .conftest import simtel

GEOMETRY = paths.DL2_GEOMETRY.format(paths.GEOMETRY_ALGORITHM)
ARRAYS = ("obs_id", "event_id", "time_mjd", "true_energy", "true_alt", "true_az", "primary_id",
          "reco_energy", "reco_alt", "reco_az", "gammaness", "multiplicity", "valid")


@pytest.fixture(scope="module")
def dl2_file(tmp_path_factory):
    """Our DL2 of gamma_70sst1m (31 events, geometry, no energy or classifier tables)."""
    from ctaviewer.batch.job import JobSpec, run_job

    out = tmp_path_factory.mktemp("irf-events") / "gamma_70sst1m.h5"
    run_job(JobSpec(str(simtel("gamma_70sst1m.simtel.zst")), str(out), dl1=True, dl2=True))
    return out


def _copy(src, tmp_path, name="copy.h5"):
    out = tmp_path / name
    shutil.copy(src, out)
    return out


def _assert_same_events(a: DL2Events, b: DL2Events, rtol=0.0):
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y, x, rtol=rtol, atol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(y, x, err_msg=name)


def test_rows_are_matched_by_obs_id_and_event_id_in_any_order(dl2_file, tmp_path):
    original = load_dl2(dl2_file)
    assert original.n_events == 31 and np.all(original.obs_id == 102)
    assert np.all(np.isfinite(original.time_mjd)) and np.all(original.primary_id == 0)
    assert original.shower_distribution is not None and original.n_thrown == 200
    shuffled = _copy(dl2_file, tmp_path)
    rng = np.random.default_rng(3)
    with h5py.File(shuffled, "r+") as h5:
        for path in (paths.SIMULATION_SHOWER, paths.DL1_TRIGGER):
            rows = h5[path][()]
            h5[path][...] = rows[rng.permutation(len(rows))]
    _assert_same_events(original, load_dl2(shuffled))
    # a truth row of another observation with the same event_id belongs to no event here
    with h5py.File(shuffled, "r+") as h5:
        rows = h5[paths.SIMULATION_SHOWER][()]
        moved = int(rows["event_id"][0])
        rows["obs_id"][0] += 1
        h5[paths.SIMULATION_SHOWER][...] = rows
    events = load_dl2(shuffled)
    lost = events.event_id == moved
    assert lost.sum() == 1
    assert np.isnan(events.true_energy[lost]).all() and (events.primary_id[lost] == -1).all()
    np.testing.assert_array_equal(events.true_energy[~lost], original.true_energy[~lost])


def _set_unit(h5, path, column, unit):
    names = h5[path].dtype.names
    h5[path].attrs[f"CTAFIELD_{names.index(column)}_UNIT"] = unit


def test_units_come_from_the_column_attributes(dl2_file, tmp_path):
    """Energies in GeV and angles in rad (as the columns say) come out in TeV and deg."""
    original = load_dl2(dl2_file)
    with h5py.File(dl2_file) as h5:
        assert column_attrs(h5[paths.SIMULATION_SHOWER])["true_energy"]["UNIT"] == "TeV"
    other = _copy(dl2_file, tmp_path)
    alt, az = (f"{paths.GEOMETRY_ALGORITHM}_{c}" for c in ("alt", "az"))
    with h5py.File(other, "r+") as h5:
        rows = h5[paths.SIMULATION_SHOWER][()].astype(
            [(n, np.float64 if n in ("true_energy", "true_alt", "true_az") else t[0])
             for n, t in h5[paths.SIMULATION_SHOWER].dtype.fields.items()])
        rows["true_energy"] *= 1000.0
        rows["true_alt"] = np.radians(rows["true_alt"])
        rows["true_az"] = np.radians(rows["true_az"])
        attrs = dict(h5[paths.SIMULATION_SHOWER].attrs)
        del h5[paths.SIMULATION_SHOWER]
        h5[paths.SIMULATION_SHOWER] = rows
        h5[paths.SIMULATION_SHOWER].attrs.update(attrs)
        _set_unit(h5, paths.SIMULATION_SHOWER, "true_energy", "GeV")
        for column in ("true_alt", "true_az"):
            _set_unit(h5, paths.SIMULATION_SHOWER, column, "rad")
        geo = h5[GEOMETRY][()]
        geo[alt], geo[az] = np.radians(geo[alt]), np.radians(geo[az])
        h5[GEOMETRY][...] = geo
        for column in (alt, az):
            _set_unit(h5, GEOMETRY, column, "rad")
    _assert_same_events(original, load_dl2(other), rtol=1e-12)


def test_bad_files_are_named_with_their_cause(dl2_file, tmp_path, monkeypatch):
    with pytest.raises(MissingFileError, match="no such file"):
        load_dl2(tmp_path / "missing.h5")
    with pytest.raises(InputFileError, match="not a DL2 HDF5 file .not HDF5"):
        load_dl2(simtel("gamma_4lst.simtel.zst"))
    no_dl2 = tmp_path / "dl1_only.h5"
    with h5py.File(no_dl2, "w") as h5:
        h5.create_group(paths.DL1_TRIGGER.rsplit("/", 1)[0])
    with pytest.raises(InputFileError, match="not a DL2 file: no reconstructed geometry"):
        load_dl2(no_dl2)
    no_alt = _copy(dl2_file, tmp_path, "no_alt.h5")
    column = f"{paths.GEOMETRY_ALGORITHM}_alt"
    with h5py.File(no_alt, "r+") as h5:
        rows = recfunctions.drop_fields(h5[GEOMETRY][()], column, usemask=False)
        del h5[GEOMETRY]
        h5[GEOMETRY] = rows
    with pytest.raises(InputFileError, match=f"{GEOMETRY} has no column {column}") as info:
        load_dl2(no_alt)
    assert str(no_alt) in str(info.value)
    # an energy table without its energy column
    no_energy = _copy(dl2_file, tmp_path, "no_energy.h5")
    table = paths.DL2_ENERGY.format(paths.ENERGY_ALGORITHM)
    with h5py.File(no_energy, "r+") as h5:
        h5[table] = np.zeros(2, dtype=[("obs_id", "i4"), ("event_id", "i8")])
    with pytest.raises(InputFileError, match=f"{table} has no column "
                                             f"{paths.ENERGY_ALGORITHM}_energy"):
        load_dl2(no_energy)
    # a table compressed with a filter this installation lacks (ctapipe's blosc without
    # hdf5plugin): said so, for the file
    import ctaviewer.irf.events as module

    def filter_missing(h5, path):
        raise FilterMissingError(f"{path} is compressed with a filter h5py cannot decode")

    monkeypatch.setattr(module, "read_table", filter_missing)
    with pytest.raises(InputFileError, match="pip install hdf5plugin") as info:
        load_dl2(dl2_file)
    assert str(dl2_file) in str(info.value)


def test_performance_events_are_the_irf_events_with_image_intensities(dl2_file):
    base, events = load_dl2(dl2_file), load_events(dl2_file)
    assert isinstance(events, FileEvents) and isinstance(events, DL2Events)
    _assert_same_events(base, events)
    assert (events.pointing_alt, events.pointing_az) == (base.pointing_alt, base.pointing_az)
    assert events.n_thrown == base.n_thrown and events.algorithms == base.algorithms
    assert events.telescope_mask is None  # used for the intensities, not kept
    # one intensity per telescope used in each event's reconstruction
    assert events.has_intensity
    np.testing.assert_array_equal(np.bincount(events.image_event, minlength=events.n_events),
                                  events.multiplicity)
    assert np.all(events.image_intensity > 0)


#: written into a ctapipe-process DL2 file by ctapipe's own write_table, as
#: ctapipe-apply-models names them (the shared files have too few events to train
#: ctapipe's models): energy 1.2 × the true energy, gammaness 0.9, rows in reverse order
ADD_ENERGY_AND_GAMMANESS = """
import sys
import numpy as np
import astropy.units as u
from astropy.table import Table, join
from ctapipe.io import read_table, write_table

path = sys.argv[1]
geo = read_table(path, "/dl2/event/subarray/geometry/HillasReconstructor")
shower = read_table(path, "/simulation/event/subarray/shower")
t = join(geo["obs_id", "event_id", "HillasReconstructor_is_valid",
             "HillasReconstructor_telescopes"], shower["obs_id", "event_id", "true_energy"],
         keys=["obs_id", "event_id"], join_type="left")[::-1]
for prop, prefix, values in (
        ("energy", "RandomForestRegressor", {"energy": (1.2 * t["true_energy"]).to(u.TeV),
                                             "energy_uncert": np.full(len(t), np.nan) * u.TeV}),
        ("particle_type", "RandomForestClassifier", {"prediction": np.full(len(t), 0.9)})):
    out = Table({"obs_id": t["obs_id"], "event_id": t["event_id"]})
    for name, v in values.items():
        out[f"{prefix}_{name}"] = v
    out[f"{prefix}_is_valid"] = t["HillasReconstructor_is_valid"]
    out[f"{prefix}_goodness_of_fit"] = np.full(len(t), np.nan)
    out[f"{prefix}_telescopes"] = t["HillasReconstructor_telescopes"]
    write_table(out, path, f"/dl2/event/subarray/{prop}/{prefix}")
"""


def test_dl3_is_made_from_a_ctapipe_dl2_file(tmp_path_factory):
    """ctapipe-process's DL2 (HillasReconstructor_* columns, pointing and truth in ctapipe's
    units) with ctapipe's energy and classifier tables gives a DL3 observation with IRFs."""
    from astropy.io import fits

    from ctaviewer.irf.compute import IRFOptions
    from ctaviewer.irf.make import make_dl3
    from ctaviewer.irf.runs import load_run
    from ctaviewer.irf.sites import SITES
    from ctaviewer.writers.dl3 import ObservationOptions

    from .ctapipe_env import ctapipe_python, run_python, run_tool

    ctapipe_python()  # skips without ctapipe
    DataStore = pytest.importorskip("gammapy.data", reason="gammapy is a test dependency"
                                    ).DataStore
    folder = tmp_path_factory.mktemp("irf-events-ctapipe")
    dl2 = folder / "gamma_4lst_ctapipe.h5"
    run_tool("ctapipe-process", "--input", simtel("gamma_4lst.simtel.zst"), "--output", dl2,
             "--no-progress", "--write-showers", cwd=folder)
    run_python(ADD_ENERGY_AND_GAMMANESS, dl2)
    run = load_run(dl2)
    ev = run.events
    assert ev.algorithms == {"geometry": "HillasReconstructor",
                             "energy": "RandomForestRegressor",
                             "classifier": "RandomForestClassifier"}
    assert run.particle == "gamma" and run.obs_id == 7 and ev.n_events == 4
    np.testing.assert_allclose(ev.reco_energy, 1.2 * ev.true_energy, rtol=1e-6)
    assert np.all(ev.gammaness == 0.9) and np.all(np.isfinite(ev.time_mjd))
    assert ev.pointing_alt == pytest.approx(50.0, abs=1e-4)
    assert ev.simulation is not None and ev.n_thrown == 20

    log = []
    out = folder / "dl3"
    info = make_dl3([dl2], out, ObservationOptions(SITES["CTAO-South"]), IRFOptions(),
                    log=log.append)
    selected = ev.valid & (ev.gammaness >= 0.5) & np.isfinite(ev.reco_energy)
    assert info["observations"] == [7] and info["gammas_total"] == 4
    assert info["gammas_selected"] == int(selected.sum()) > 0
    assert info["irfs"][0]["max_aeff_m2"] > 0
    with fits.open(out / "obs_000007.fits.gz") as hdul:
        events = hdul["EVENTS"].data
        np.testing.assert_array_equal(np.sort(events["EVENT_ID"]), ev.event_id[selected])
        order = np.argsort(ev.event_id[selected])
        np.testing.assert_allclose(events["ENERGY"][np.argsort(events["EVENT_ID"])],
                                   ev.reco_energy[selected][order], rtol=1e-6)
        assert {"EFFECTIVE AREA", "ENERGY DISPERSION", "PSF", "BACKGROUND"} <= {
            h.name for h in hdul}
    store = DataStore.from_dir(out)
    obs = store.obs(7)
    assert len(obs.events.table) == int(selected.sum())
    assert obs.aeff.data.max() > 0
