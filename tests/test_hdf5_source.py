"""Our DL1/DL2 files read back as an event source."""

from __future__ import annotations

import numpy as np
import pytest

from ctaviewer.io import open_source
from ctaviewer.pipeline import Pipeline

from .conftest import simtel
from .test_writers_hdf5 import _write


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True,
           write_true_images=True)
    return path


def test_open_processed_file_as_source(processed):
    original = open_source(simtel("gamma_4lst.simtel.zst"))
    with open_source(processed) as source:
        assert source.name == "hdf5"
        assert len(source) == 4
        assert list(source.subarray.tel_ids) == list(original.subarray.tel_ids)
        geom = source.subarray.tels[1].camera.geometry
        np.testing.assert_allclose(geom.pix_x, original.subarray.tels[1].camera.geometry.pix_x)
        assert source.simulation_config.n_thrown == original.simulation_config.n_thrown
        assert source.subarray.location is not None
        event = source[1]
        assert event.simulation is not None and event.simulation.energy > 0
        stored = source.result(1)
        again = Pipeline(source.subarray).process(event)
        for tel_id, tr in stored.tel.items():
            assert tr.parameters["hillas_intensity"] == pytest.approx(
                again.tel[tel_id].parameters["hillas_intensity"], rel=1e-5, nan_ok=True
            )
        assert stored.geometry.alt == pytest.approx(again.geometry.alt, nan_ok=True)
        assert len(list(source)) == 4


def test_true_image_sums_without_true_images(tmp_path):
    """A file with ``true_image_sum`` but no ``true_image`` (ctapipe's default, ours
    without images and true images) reads: no true image, the sums in the simulation
    record."""
    path = tmp_path / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, write_images=False,
           write_true_images=False)
    original = list(open_source(simtel("gamma_4lst.simtel.zst")))
    with open_source(path) as source:
        for event, before in zip(source, original, strict=True):
            assert all(d.true_image is None for d in event.tel.values())
            assert event.simulation.true_image_sum == {
                t: int(d.true_image.sum()) for t, d in before.tel.items()}
            assert event.trigger.time == pytest.approx(before.trigger.time, abs=1e-6)
            assert event.simulation.starting_grammage == before.simulation.starting_grammage


def test_times_of_both_formats():
    from ctaviewer.datamodel.times import TimeConverter, tai_seconds, unix_from_tai

    unix = 1636116515.078172  # 2021: TAI - UTC = 37 s
    convert = TimeConverter()
    high = convert.high_res(unix)
    assert high[0] == 1636116552 and abs(int(high[1]) - 312_688_000) < 1000
    shifted = convert.high_res(unix, offset_ns=27.95)
    assert int(shifted[1]) - int(high[1]) == round(27.95 * 4)
    tai = tai_seconds(np.array([high]), "ctao_high_res")[0]
    assert unix_from_tai(tai) == pytest.approx(unix, abs=1e-6)
    mjd = np.array([convert.mjd(unix)])  # older files: MJD (TAI) as float64
    assert unix_from_tai(tai_seconds(mjd, "mjd")[0]) == pytest.approx(unix, abs=1e-5)
    assert np.isnan(tai_seconds(np.zeros((1, 2), np.uint32), "ctao_high_res")[0])


def test_fixed_point_columns_back_to_floats():
    from ctaviewer.datamodel.table import undo_fixed_point

    attrs = {"TRANSFORM_SCALE": 10.0, "TRANSFORM_OFFSET": 2, "TRANSFORM_DTYPE": "float32"}
    info = np.iinfo(np.int32)
    stored = np.array([12, 2, -8, info.min + 1, info.max, info.min], dtype=np.int32)
    values = undo_fixed_point(stored, attrs)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values[:3], [1.0, 0.0, -1.0])
    assert np.isnan(values[3]) and values[4] == np.inf and values[5] == -np.inf
    plain = np.array([1.5], dtype=np.float32)
    assert undo_fixed_point(plain, {}) is plain


READ_BACK = """
import json, sys
import numpy as np
import tables
from ctapipe.io import TableLoader
path = sys.argv[1]
with tables.open_file(path) as f:
    has = {g: g in f.root for g in ("/dl1/event/telescope/images", "/simulation",
                                    "/dl2/event/subarray/geometry")}
with TableLoader(path) as loader:
    by_id = loader.read_telescope_events_by_id(
        dl1_parameters=True, dl1_images=has["/dl1/event/telescope/images"], dl2=False,
        simulated=False, true_images=has["/simulation"], instrument=False, pointing=False,
        observation_info=False)
    sub = loader.read_subarray_events(dl2=True, simulated=False, observation_info=False)
out = {"tel": {}, "sub": {}}
rows = [(tel, row) for tel in by_id.values() for row in tel]
for tel, row in rows:
    intensity = "hillas_intensity" if "hillas_intensity" in tel.colnames else \\
        "camera_frame_hillas_intensity"
    key = f"{row['event_id']}/{row['tel_id']}"
    out["tel"][key] = {
        "intensity": float(row[intensity]),
        "image_sum": float(np.sum(row["image"])) if "image" in tel.colnames else None,
        "peak_time_sum": float(np.nansum(row["peak_time"])) if "image" in tel.colnames
        else None,
        "true_image_sum": int(row["true_image_sum"]) if "true_image_sum" in tel.colnames
        else None,
    }
for i, row in enumerate(sub):
    alt = "HillasReconstructor_alt"
    out["sub"][str(row["event_id"])] = {
        "time": float(row["time"].unix),
        "alt": float(sub[alt].to("deg").value[i]) if alt in sub.colnames else None,
    }
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant", ["params_blosc", "dl2_images", "camera_frame_fixed_point", "no_simulation"])
def test_reads_ctapipe_files(tmp_path_factory, variant):
    """Every ctapipe 0.28 DL1/DL2 variant opens, and what we read equals what ctapipe's
    own TableLoader reads: events, telescopes, parameters, images, true-image sums, trigger
    times, DL2 directions; the events process again."""
    import json

    from .ctapipe_env import ctapipe_file, run_python

    path = ctapipe_file(tmp_path_factory, variant)
    expected = json.loads(run_python(READ_BACK, path).strip().splitlines()[-1])
    with open_source(path) as source:
        assert source.name == "hdf5"
        assert len(source) == len(expected["sub"])
        assert (source.simulation_config is None) == (variant == "no_simulation")
        assert (source.shower_distribution is None) == (variant == "no_simulation")
        pipeline = Pipeline(source.subarray)
        n_tel = 0
        for i, event in enumerate(source):
            sub = expected["sub"][str(event.event_id)]
            assert event.trigger.time == pytest.approx(sub["time"], abs=1e-6)
            result = source.result(i)
            if sub["alt"] is not None:
                assert result.geometry.alt == pytest.approx(sub["alt"], nan_ok=True)
            for tel_id, data in event.tel.items():
                want = expected["tel"][f"{event.event_id}/{tel_id}"]
                n_tel += 1
                got = result.tel[tel_id].parameters["hillas_intensity"]
                assert got == pytest.approx(want["intensity"], nan_ok=True)
                if want["image_sum"] is not None:
                    assert data.sums[0].sum() == pytest.approx(want["image_sum"], rel=1e-5)
                    assert np.nansum(data.peak_time_ns) == pytest.approx(
                        want["peak_time_sum"], rel=1e-5)
                if want["true_image_sum"] is not None:
                    assert event.simulation.true_image_sum[tel_id] == want["true_image_sum"]
                    if variant == "dl2_images":
                        assert int(data.true_image.sum()) == want["true_image_sum"]
            pipeline.process(event)
        assert n_tel == len(expected["tel"])
