"""The stereo summed image (reco.stereo_image): every cleaned image in the nominal frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ctaviewer.coords import telescope_to_nominal
from ctaviewer.reco.stereo_image import summed_image

from .conftest import simtel


@pytest.fixture(scope="module")
def processed():
    """(subarray, [(event, result)]) of the first events of gamma_4lst with an image."""
    from ctaviewer.io import open_source
    from ctaviewer.pipeline import Pipeline

    src = open_source(simtel("gamma_4lst.simtel.zst"), max_events=6)
    pipe = Pipeline(src.subarray)
    events = [(ev, pipe.process(ev)) for ev in src]
    events = [(ev, r) for ev, r in events if any(tr.mask.any() for tr in r.tel.values())]
    assert len(events) >= 3
    return src.subarray, events


def test_total_is_the_cleaned_charge_that_lands_in_the_grid(processed):
    sub, events = processed
    for ev, res in events:
        want = sum(float(np.asarray(tr.image, float)[tr.mask].sum()) for tr in res.tel.values())
        si = summed_image(sub, ev.pointing, res.tel)
        assert si.outside == 0.0 and si.total == pytest.approx(want, rel=1e-9)
        # a grid too small for the images: what falls outside is counted, the rest summed
        small = summed_image(sub, ev.pointing, res.tel, half_width_deg=0.3)
        assert small.image.shape == (12, 12)
        assert small.total + small.outside == pytest.approx(want, rel=1e-9)
        assert small.total < want


def test_one_telescope_centroid_is_its_hillas_centroid_in_the_nominal_frame(processed):
    sub, events = processed
    checked = 0
    for ev, res in events:
        pnt = ev.pointing
        for t, tr in res.tel.items():
            if tr.mask.sum() < 3:
                continue
            one = summed_image(sub, pnt, res.tel, tel_ids=[t])
            assert one.tel_ids == (t,)
            p = tr.parameters
            a_tel, z_tel = pnt.of(t)
            lon, lat = telescope_to_nominal(p["hillas_fov_lon"], p["hillas_fov_lat"],
                                            a_tel, z_tel, pnt.array_alt, pnt.array_az)
            c_lon, c_lat = one.centroid()
            assert abs(c_lon - float(lon)) < one.bin_deg / 2
            assert abs(c_lat - float(lat)) < one.bin_deg / 2
            checked += 1
    assert checked >= 3


def test_centroid_follows_a_telescope_pointing_off_the_array_pointing(processed):
    """A telescope pointing 1° above the others: its image lands 1° higher in the nominal
    frame (the transform goes through each telescope's own pointing)."""
    sub, events = processed
    ev, res = events[0]
    t = next(t for t, tr in res.tel.items() if tr.mask.sum() >= 3)
    pnt = ev.pointing
    a_tel, z_tel = pnt.of(t)
    moved = dataclasses.replace(pnt, tel_alt={**pnt.tel_alt, t: a_tel + 1.0},
                                tel_az={**pnt.tel_az, t: z_tel})
    base = summed_image(sub, pnt, res.tel, tel_ids=[t]).centroid()
    up = summed_image(sub, moved, res.tel, tel_ids=[t])
    p = res.tel[t].parameters
    lon, lat = telescope_to_nominal(p["hillas_fov_lon"], p["hillas_fov_lat"], a_tel + 1.0,
                                    z_tel, pnt.array_alt, pnt.array_az)
    c = up.centroid()
    assert abs(c[0] - float(lon)) < up.bin_deg / 2 and abs(c[1] - float(lat)) < up.bin_deg / 2
    assert c[1] - base[1] == pytest.approx(1.0, abs=0.05)


def test_bin_size_and_empty_events(processed):
    sub, events = processed
    ev, res = events[0]
    coarse = summed_image(sub, ev.pointing, res.tel, bin_deg=0.1)
    fine = summed_image(sub, ev.pointing, res.tel, bin_deg=0.05)
    assert np.allclose(np.diff(coarse.lon_edges), 0.1) and coarse.total == pytest.approx(
        fine.total)
    none = summed_image(sub, ev.pointing, {})
    assert none.total == 0.0 and none.tel_ids == ()
    with pytest.raises(ValueError):
        summed_image(sub, ev.pointing, res.tel, bin_deg=0.0)
