"""Lookup tables: streaming fill, NaN for empty bins (counted), versioned file round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ctaviewer.errors import InputFileError
from ctaviewer.estimators.lookup import LookupTable
from ctaviewer.estimators.model import LookupModel, TelescopeFeatures
from ctaviewer.results import EventResult, StereoResult


def test_lookup_table_mean_std_and_empty_bins():
    t = LookupTable(np.array([0.0, 1.0, 2.0]), np.array([0.0, 100.0]))
    t.fill([0.5, 0.5, 0.5], [10, 20, 30], [1.0, 2.0, 3.0])
    t.fill([0.5], [40], [np.nan])  # ignored
    mean, std = t.lookup([0.5, 1.5, 5.0], [50, 50, 50])
    assert mean[0] == pytest.approx(2.0) and std[0] == pytest.approx(np.std([1, 2, 3]))
    assert math.isnan(mean[1]) and math.isnan(mean[2])
    other = LookupTable(t.x_edges, t.y_edges)
    other.fill([1.5], [5], [7.0])
    t.merge(other)
    assert t.lookup([1.5], [5])[0][0] == 7.0


def _model():
    m = LookupModel("[cleaning]\n")
    for e in (1.0, 2.0, 4.0):
        for k in range(3):
            width, length = 0.05 + 0.01 * k, 0.1 + 0.02 * k
            f = TelescopeFeatures("SST", math.log10(200 * e), 100.0 + k, width, length)
            m.fill_tables([f], e)
    m.fill_classes([TelescopeFeatures("SST", math.log10(400), 101.0, 0.06, 0.1)], "gamma")
    m.fill_classes([TelescopeFeatures("SST", math.log10(400), 101.0, 0.5, 0.9)], "proton")
    return m


def test_model_estimates_and_counts_nan(tmp_path):
    m = _model()
    energy, _ = m.estimate_energy([TelescopeFeatures("SST", math.log10(400), 101.0, 0.06, 0.1)])
    assert energy == pytest.approx(2.0, rel=1e-6)
    assert m.estimate_gammaness(
        [TelescopeFeatures("SST", math.log10(400), 101.0, 0.06, 0.1)]) > 0.5
    empty = EventResult(0, 1, 1, {}, StereoResult(is_valid=False))
    out = m.apply(empty, subarray=None)
    assert math.isnan(out.energy) and math.isnan(out.gammaness)
    assert m.n_no_energy == 1 and m.n_no_gammaness == 1
    path = tmp_path / "tables.h5"
    m.save(path)
    loaded = LookupModel.load(path)
    assert loaded.config_toml == "[cleaning]\n"
    assert loaded.summary() == m.summary()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"nope")
    with pytest.raises(InputFileError):
        LookupModel.load(bad)


def test_training_from_parameter_only_dl1_matches_the_simulation_file(tmp_path):
    """``ctaviewer process`` writes parameters only by default: training on that DL1 file
    (stored parameters, quality cuts and stereo redone) gives the tables of the simtel file."""
    from ctaviewer.batch.job import JobSpec, run_job
    from ctaviewer.estimators.train import format_summary, run_training, train

    from .conftest import simtel

    gamma, proton = simtel("gamma_4lst.simtel.zst"), simtel("proton_4lst_15flashcam.simtel.zst")
    dl1 = [tmp_path / "g.dl1.h5", tmp_path / "p.dl1.h5"]
    for src, out in zip((gamma, proton), dl1):
        assert run_job(JobSpec(str(src), str(out))).n_events > 0
    log = []
    direct = train([gamma], [proton], log=log.append)
    progress = []
    summary = run_training([dl1[0]], [dl1[1]], tmp_path / "t.h5", log=log.append,
                           progress=progress.append)
    assert summary == direct.summary() and summary["images"]["gamma"] > 0
    assert sum("using the stored parameters" in line for line in log) == 3  # 2 passes + proton
    assert progress == sorted(progress) and progress[-1] == 1.0
    stored = LookupModel.load(tmp_path / "t.h5")
    for name, table in direct.energy.items():
        np.testing.assert_array_equal(stored.energy[name].count, table.count)
        np.testing.assert_allclose(stored.energy[name].sum, table.sum, rtol=1e-6)
    lines, warnings = format_summary(summary, "t.h5")
    assert lines[0].startswith("trained on 3 gamma events") and warnings


def test_saving_tables_onto_a_full_disk_is_an_output_error_and_leaves_nothing(
    tmp_path, monkeypatch
):
    """The tables are written through the guarded file: libhdf5 never sees the failed
    write (it would crash the process), the error names the file, nothing is left."""
    from ctaviewer.errors import OutputError
    from ctaviewer.writers import atomic

    from .test_writers_atomic import _FillingFile

    opened = []
    real_init = atomic.GuardedFile.__init__

    def small_disk(self, path):
        real_init(self, path)
        self._file = _FillingFile(self._file, 1000)
        opened.append(path)

    monkeypatch.setattr(atomic.GuardedFile, "__init__", small_disk)
    path = tmp_path / "tables.h5"
    with pytest.raises(OutputError) as failure:
        _model().save(path)
    assert opened and "tables.h5" in str(failure.value) and "disk full" in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def test_tables_of_an_older_format_are_refused_with_a_reason(tmp_path):
    """Format 1 named telescope types differently: applying it would give NaN everywhere."""
    import h5py

    path = tmp_path / "old.h5"
    _model().save(path)
    with h5py.File(path, "a") as h5:
        h5.attrs["format_version"] = 1
    with pytest.raises(InputFileError, match="train the tables again"):
        LookupModel.load(path)
