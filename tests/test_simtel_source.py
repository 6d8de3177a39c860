"""The sim_telarray reader on every real file: counts, shapes, calibration, random access."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.errors import TruncatedFileWarning, UnknownCameraWarning
from ctaviewer.io.simtel import SimTelSource

from .conftest import simtel

# file -> (n_telescopes, {camera: n_pixels}, n_triggered_events, {camera: (n_gains, n_samples)})
# n_samples 0 means integrated sums only; figures from ../shared/data/README.md
EXPECTED = {
    "gamma_4lst.simtel.zst": (4, {"LSTCam": 1855}, 4, {"LSTCam": (2, 40)}),
    "gamma_70sst1m.simtel.zst": (70, {"DigiCam": 1296}, 31, {"DigiCam": (1, 50)}),
    "gamma_4lst_15nectarcam.simtel.zst": (
        19, {"LSTCam": 1855, "NectarCam": 1855}, 1, {"LSTCam": (2, 40), "NectarCam": (2, 60)},
    ),
    "gamma_prod2_126tel_truncated.simtel.gz": (
        126,
        {"LSTCam": 1855, "NectarCam": 1855, "CHEC": 2048, "SCTCam": 11328},
        9,
        {"LSTCam": (1, 30), "CHEC": (1, 25), "SCTCam": (1, 32)},
    ),
    "gamma_70astri_sums_only.simtel.gz": (70, {"ASTRICam": 2368}, 3, {"ASTRICam": (2, 0)}),
    "gamma_diffuse_13tel.simtel.zst": (
        13, {"LSTCam": 1855, "NectarCam": 1855}, 2, {"LSTCam": (2, 40), "NectarCam": (2, 60)},
    ),
    "proton_4lst_15flashcam.simtel.zst": (
        19, {"LSTCam": 1855, "FlashCam": 1764}, 6, {"LSTCam": (2, 40), "FlashCam": (1, 25)},
    ),
    "proton_13tel.simtel.zst": (13, {"LSTCam": 1855, "NectarCam": 1855}, 3, {}),
    "muons_lst.simtel.zst": (1, {"LSTCam": 1855}, 30, {"LSTCam": (2, 30)}),
    "muons_chec.simtel.zst": (1, {"CHEC": 2048}, 20, {"CHEC": (1, 128)}),
    "calibration_7cameras.simtel.gz": (
        7,
        {"LSTCam": 1855, "NectarCam": 1855, "FlashCam": 1764, "ASTRICam": 2368, "CHEC": 2048,
         "DigiCam": 1296, "SCTCam": 11328},
        1,
        {},
    ),
    "stress_40k_pixels.simtel.zst": (1, {"UNKNOWN-40000PX": 40000}, 2, {"UNKNOWN-40000PX": (1, 0)}),
}


def _open(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        warnings.simplefilter("ignore", UnknownCameraWarning)
        return open_source(simtel(name))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_and_shapes(name):
    n_tels, cameras, n_events, readouts = EXPECTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        warnings.simplefilter("ignore", UnknownCameraWarning)
        source = open_source(simtel(name))
        events = list(source)
    assert isinstance(source, SimTelSource)
    assert source.subarray.n_tels == n_tels
    found = {c.name: c.geometry.n_pixels for c in source.subarray.camera_types}
    assert found == cameras
    assert len(events) == n_events
    assert len(source) == n_events
    for event in events:
        assert event.n_tels >= 1
        for tel_id, data in event.tel.items():
            camera = source.subarray.tels[tel_id].camera
            assert data.n_pixels == camera.geometry.n_pixels
            if camera.name in readouts:
                n_gains, n_samples = readouts[camera.name]
                assert data.n_gains == n_gains
                assert data.n_samples == n_samples
                assert data.has_waveforms == (n_samples > 0)
            assert data.pedestal_per_sample.shape == (data.n_gains, data.n_pixels)
            assert data.dc_to_pe.shape == (data.n_gains, data.n_pixels)
            assert np.all(np.isfinite(data.pedestal_per_sample))
    source.close()


@pytest.mark.parametrize(
    "name", ["gamma_4lst.simtel.zst", "gamma_70sst1m.simtel.zst", "muons_lst.simtel.zst"]
)
def test_calibration_matches_true_photoelectrons(name):
    """(samples - pedestal) × dc_to_pe over the pulse ≈ true p.e. (data README: 0.83-1.2)."""
    ratios = []
    with _open(name) as source:
        for event in source:
            for data in event.tel.values():
                if data.true_image is None or data.waveform is None:
                    continue
                wf = data.waveform[0].astype(np.float64) - data.pedestal_per_sample[0][:, None]
                peak = np.argmax(wf, axis=1)
                n = wf.shape[1]
                idx = np.clip(peak[:, None] + np.arange(-3, 6)[None, :], 0, n - 1)
                charge = np.take_along_axis(wf, idx, axis=1).sum(axis=1) * data.dc_to_pe[0]
                bright = data.true_image > 5
                ratios.append(charge[bright] / data.true_image[bright])
    ratio = np.concatenate(ratios)
    assert len(ratio) > 50
    assert 0.8 <= np.median(ratio) <= 1.2


def test_true_images_and_simulation_truth():
    with _open("gamma_4lst.simtel.zst") as source:
        event = source[0]
        assert event.simulation is not None
        assert event.simulation.primary_id == 0
        assert event.simulation.energy == pytest.approx(0.1, rel=1e-3)
        assert 0 < event.simulation.alt <= 90
        for data in event.tel.values():
            assert data.true_image is not None and data.true_image.sum() > 0
        cfg = source.simulation_config
        assert cfg.n_showers == 20 and cfg.shower_reuse == 1 and cfg.n_thrown == 20
        assert cfg.max_scatter_range == pytest.approx(840.0)
        assert source.subarray.location is not None
        assert source.subarray.location.latitude_deg == pytest.approx(-24.683, abs=1e-3)


def test_simulation_header_of_the_benchmark_file():
    with _open("gamma_70sst1m.simtel.zst") as source:
        cfg = source.simulation_config
        assert (cfg.energy_min, cfg.energy_max) == pytest.approx((0.1, 330.0))
        assert cfg.spectral_index == pytest.approx(-2.0)
        assert cfg.max_scatter_range == pytest.approx(2000.0)


@pytest.mark.parametrize(
    "name",
    ["gamma_70sst1m.simtel.zst", "gamma_prod2_126tel_truncated.simtel.gz",
     "calibration_7cameras.simtel.gz", "muons_chec.simtel.zst"],
)
def test_random_access_equals_sequential(name):
    with _open(name) as source:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncatedFileWarning)
            sequential = [(e.event_id, {t: d.raw_sum.sum() for t, d in e.tel.items()})
                          for e in source]
            n = len(source)
        assert n == len(sequential)
        order = list(range(n))[::-1] + [0, n // 2, n - 1]
        for i in order:
            event = source[i]
            assert event.index == i
            event_id, sums = sequential[i]
            assert event.event_id == event_id
            assert {t: d.raw_sum.sum() for t, d in event.tel.items()} == pytest.approx(sums)
        assert source[-1].event_id == sequential[-1][0]
        with pytest.raises(IndexError):
            source[n]


def test_index_knows_events_without_reading_them():
    with _open("gamma_70sst1m.simtel.zst") as source:
        index = source.build_index()
        events = list(source)
        assert [int(i) for i in index.event_id] == [e.event_id for e in events]
        assert [len(t) for t in index.tels_with_data] == [e.n_tels for e in events]
        assert np.allclose(index.true_energy, [e.simulation.energy for e in events])


def test_reiterable_max_events_and_allowed_tels():
    path = simtel("gamma_70sst1m.simtel.zst")
    with open_source(path, max_events=5) as source:
        first = [e.event_id for e in source]
        second = [e.event_id for e in source]
        assert first == second and len(first) == 5 and len(source) == 5
    with open_source(path) as full:
        counts = {}
        for e in full:
            for t in e.tel:
                counts[t] = counts.get(t, 0) + 1
    busiest = sorted(counts, key=counts.get)[-2:]
    with open_source(path, allowed_tels=busiest) as source:
        assert source.subarray.n_tels == 2
        events = list(source)
        assert events and all(set(e.tel) <= set(busiest) for e in events)
        assert len(source) == len(events)
        assert source[len(events) - 1].event_id == events[-1].event_id


def test_iteration_keeps_no_events_alive():
    """Memory does not grow with the number of events: iterated events are released."""
    refs = []
    with _open("gamma_70sst1m.simtel.zst") as source:
        for event in source:
            refs.append(weakref.ref(event))
        del event
        gc.collect()
        alive = sum(r() is not None for r in refs)
    assert len(refs) == 31 and alive == 0


def test_compressed_random_access_uses_a_temporary_file_removed_on_close():
    import os

    source = _open("gamma_4lst.simtel.zst")
    index = source.build_index()
    raw = index.raw_path
    assert raw != str(simtel("gamma_4lst.simtel.zst")) and os.path.exists(raw)
    source.close()
    assert not os.path.exists(raw)


def test_header_stream_is_released_after_the_first_pass():
    """The header-parsing stream serves the first pass, then nothing keeps it alive."""
    with _open("gamma_4lst.simtel.zst") as source:
        assert source._resources.get("fresh") is not None
        first = [e.event_id for e in source]
        assert "fresh" not in source._resources
        assert [e.event_id for e in source] == first


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_index_records_what_iteration_delivers(name):
    """Real event ids (muons_*: 100, 200, …, not the array-event counter 1, 2, …), the
    telescopes with data and the event count agree with plain iteration on every file."""
    with _open(name) as source, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = source.build_index()
        events = list(iter(source))
        assert len(index) == len(events)
        assert [int(i) for i in index.event_id] == [e.event_id for e in events]
        assert [sorted(int(t) for t in tels) for tels in index.tels_with_data] == [
            sorted(e.tel) for e in events]


def test_muon_file_ids_in_the_index_and_the_event_list(qtbot):
    from ctaviewer.app.models.session import SessionModel
    from ctaviewer.app.views.event_table import HEADERS, EventTableModel

    with _open("muons_lst.simtel.zst") as source:
        assert [int(i) for i in source.build_index().event_id] == list(range(100, 3001, 100))
    session = SessionModel()
    model = EventTableModel(session)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session.open(simtel("muons_lst.simtel.zst"), synchronous=True)
    try:
        column = [h[0] for h in HEADERS].index("event_id")
        shown = [model.data(model.index(r, column)) for r in range(model.rowCount())]
        assert shown[:3] == ["100", "200", "300"] and len(shown) == 30
        assert session.array_event.event_id == 100
    finally:
        session.close()


def test_render_finds_events_by_their_real_id(tmp_path):
    import subprocess
    import sys

    path = simtel("muons_lst.simtel.zst")
    out = tmp_path / "e300.png"
    done = subprocess.run([sys.executable, "-m", "ctaviewer", "render", str(path),
                           "--event-id", "300", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.exists() and "event 2 " in done.stderr  # the third event has id 300
    wrong = subprocess.run([sys.executable, "-m", "ctaviewer", "render", str(path),
                            "--event-id", "3", "--out", str(tmp_path / "e3.png")],
                           capture_output=True, text=True)
    assert wrong.returncode == 2 and not (tmp_path / "e3.png").exists()
    assert "no event with id 3" in wrong.stderr and "ids 100–3000" in wrong.stderr


@pytest.mark.parametrize("name", ["proton_4lst_15flashcam.simtel.zst", "muons_lst.simtel.zst"])
def test_pixel_status_and_time_shift_same_sequential_and_random_access(name):
    """Pixel status (HV-disabled pixels) and the laser calibration's time offset come with
    every telescope event, the same whether events are streamed or read by index."""

    def fields(event):
        return {t: (None if d.pixel_status is None else d.pixel_status.tolist(),
                    d.time_shift_ns.tolist()) for t, d in event.tel.items()}

    with _open(name) as source:
        sequential = [fields(e) for e in source]
        assert all(all(shift is not None for _, shift in f.values()) for f in sequential)
        for i in (len(source) - 1, 0):
            assert fields(source[i]) == sequential[i]
        for event in source:
            for t, d in event.tel.items():
                assert d.time_shift_ns.shape == (d.n_gains, d.n_pixels)
                disabled = source.subarray.tels[t].disabled_pixels
                if len(disabled):
                    assert np.flatnonzero(d.pixel_status).tolist() == disabled.tolist()
                else:
                    assert d.pixel_status is None


def test_true_image_sums_follow_the_run_header_order_of_telescopes():
    """sim_telarray's photo-electron sums are per telescope in run-header order, which is
    not tel_id - 1 where ids have gaps (ids 5 and 9 are positions 0 and 1)."""
    from types import SimpleNamespace

    from ctaviewer.io.simtel_convert import _true_image_sums

    ev = {"photoelectron_sums": {"n_pe": np.array([120, 45])}}
    tels = {5: SimpleNamespace(true_image=None), 9: SimpleNamespace(true_image=None)}
    assert _true_image_sums(ev, tels, {5: 0, 9: 1}) == {5: 120, 9: 45}
    with _open("gamma_4lst.simtel.zst") as source:
        full = {e.event_id: e.simulation.true_image_sum for e in source}
    with open_source(simtel("gamma_4lst.simtel.zst"), allowed_tels={3, 4}) as source:
        for e in source:  # a selection keeps each telescope's own sum
            assert e.simulation.true_image_sum == {t: full[e.event_id][t] for t in e.tel}
