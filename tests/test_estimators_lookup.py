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
