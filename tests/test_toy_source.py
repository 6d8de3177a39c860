"""The built-in simulated array: the embedded default a new user sees."""

from __future__ import annotations

import numpy as np

from ctaviewer import open_source
from ctaviewer.coords import altaz_to_fov, camera_to_fov
from ctaviewer.io.toy import ToySource


def test_default_source_is_the_simulated_array():
    source = open_source()
    assert isinstance(source, ToySource)
    assert source.subarray.n_tels == 13
    assert len(source) == 50
    assert source.is_simulation and source.simulation_config.n_thrown == 50


def test_events_are_deterministic_and_random_access_matches_iteration():
    a = ToySource(n_events=5, seed=3)
    b = ToySource(n_events=5, seed=3)
    seq = list(a)
    for i in (4, 0, 2):
        ev = b[i]
        assert ev.event_id == seq[i].event_id
        for t, d in ev.tel.items():
            assert np.array_equal(d.waveform, seq[i].tel[t].waveform)
    assert ToySource(n_events=5, seed=4)[0].simulation.energy != seq[0].simulation.energy


def test_images_are_consistent_with_the_true_direction():
    """The light-weighted image axis of each telescope points at the true source position."""
    source = ToySource(n_events=10, seed=1)
    checked = elongated = 0
    for event in source:
        sim = event.simulation
        assert event.n_tels >= 2
        for tel_id, data in event.tel.items():
            img = data.true_image.astype(float)
            geom = source.subarray.tels[tel_id].camera.geometry
            if img.sum() < 300 or img[geom.border_mask(2)].sum() > 0.05 * img.sum():
                continue  # faint, or cut by the camera edge
            f = source.subarray.tels[tel_id].optics.focal_length
            lon, lat = camera_to_fov(geom.pix_x, geom.pix_y, f)
            w = img / img.sum()
            mx, my = np.sum(w * lon), np.sum(w * lat)
            cov = np.cov(np.vstack([lon, lat]), aweights=img)
            vals, vecs = np.linalg.eigh(cov)
            axis = vecs[:, 1]
            src_lon, src_lat = altaz_to_fov(sim.alt, sim.az, event.pointing.array_alt,
                                            event.pointing.array_az)
            to_src = np.array([src_lon - mx, src_lat - my])
            miss = abs(axis[0] * to_src[1] - axis[1] * to_src[0])  # distance from the axis
            assert miss < 0.25, (event.index, tel_id, miss)
            elongated += vals[1] > vals[0] * 1.5
            checked += 1
    assert checked >= 10
    assert elongated >= 0.7 * checked


def test_waveforms_calibrate_back_to_true_charge():
    event = ToySource(n_events=3, seed=2)[1]
    for data in event.tel.values():
        wf = data.waveform[0].astype(float) - data.pedestal_per_sample[0][:, None]
        charge = wf.sum(axis=1) * data.dc_to_pe[0]
        bright = data.true_image > 20
        if bright.sum() < 3:
            continue
        ratio = charge[bright] / data.true_image[bright]
        assert 0.9 < np.median(ratio) < 1.2
