"""Calibration events and camera quantities (Qt-free): event types, no cleaning or
reconstruction of calibration events, DL2 skipped for them, monitoring values per pixel and
gain as the file holds them, the default telescope by cleaned intensity."""

from __future__ import annotations

import dataclasses
import warnings

import h5py
import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.calib.monitoring import MONITORING_QUANTITIES, camera_quantity, summarize
from ctaviewer.cli import main
from ctaviewer.event import PixelStatus
from ctaviewer.pipeline import CALIBRATION_NOT_RECONSTRUCTED, Pipeline
from ctaviewer.service.session import SessionState, default_tel, initial_rows

from .conftest import simtel

CAMERAS_7 = {"LSTCam", "NectarCam", "FlashCam", "ASTRICam", "CHEC", "DigiCam", "SCTCam"}


def _eventio_monitoring(path):
    from eventio import SimTelFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = SimTelFile(str(path))
        for _ in f:
            break
        return dict(f.camera_monitorings), dict(f.laser_calibrations)


@pytest.fixture(scope="module")
def calib7():
    path = simtel("calibration_7cameras.simtel.gz")
    with open_source(path) as source:
        event = source[0]
        rows = initial_rows(source)
        result = Pipeline(source.subarray).process(event)
        yield path, source.subarray, event, rows, result


def test_event_type_of_the_pedestal_event(calib7):
    _, subarray, event, rows, _ = calib7
    assert event.event_type == "sky_pedestal" and event.is_calibration
    assert {subarray.tels[t].camera.name for t in event.tel} == CAMERAS_7
    # the event list knows it from the index, without reading the event
    assert rows[0]["type"] == "sky_pedestal"
    assert rows[0]["event_type"] == 5  # ctapipe's EventType.SKY_PEDESTAL
    assert (rows[0]["is_pedestal"], rows[0]["is_shower"], rows[0]["is_calibration"]) == (1, 0, 1)


def test_pedestal_event_is_not_cleaned_parametrised_or_reconstructed(calib7):
    _, _, event, _, result = calib7
    assert set(result.tel) == set(event.tel)
    for tel_id, tr in result.tel.items():
        assert not tr.mask.any()
        assert tr.parameters["morphology_n_pixels"] == -1
        assert np.isnan(tr.parameters["hillas_intensity"])
        assert not tr.passes_quality
        # its own statistics: mean and RMS charge of the calibrated image, good pixels
        stats = tr.calibration_stats
        good = event.tel[tel_id].pixel_status is None
        image = tr.image.astype(np.float64)
        if not good:
            image = image[event.tel[tel_id].pixel_status == 0]
        assert stats.n_pixels == len(image)
        assert stats.mean == pytest.approx(float(np.mean(image)), rel=1e-9)
        assert stats.std == pytest.approx(float(np.std(image)), rel=1e-9)
    assert not result.geometry.is_valid
    assert result.geometry.invalid_reason == CALIBRATION_NOT_RECONSTRUCTED


def test_a_shower_image_labelled_calibration_is_not_cleaned():
    """The same camera data: cleaned and parametrised as a shower, untouched as a pedestal."""
    with open_source(simtel("gamma_4lst.simtel.zst")) as source:
        event = source[0]
        pipe = Pipeline(source.subarray)
        shower = pipe.process(event)
        pedestal = pipe.process(dataclasses.replace(event, event_type="sky_pedestal"))
    cleaned = [t for t, tr in shower.tel.items() if tr.mask.sum() >= 3]
    assert cleaned, "the shower has a cleaned image"
    for t in cleaned:
        assert shower.tel[t].calibration_stats is None
        assert not pedestal.tel[t].mask.any()
        assert pedestal.tel[t].parameters["morphology_n_pixels"] == -1
        np.testing.assert_array_equal(pedestal.tel[t].image, shower.tel[t].image)


def test_monitoring_quantities_are_the_files_values_for_every_camera(calib7):
    path, subarray, event, _, result = calib7
    mon, las = _eventio_monitoring(path)
    for tel_id, data in event.tel.items():
        n_gains = data.n_gains
        for g in range(n_gains):
            m, lc = mon[tel_id], las[tel_id]
            np.testing.assert_allclose(camera_quantity("pedestal", data, g),
                                       m["pedestal"][g] / m["n_ped_slices"], rtol=1e-6)
            np.testing.assert_allclose(camera_quantity("pedestal noise", data, g),
                                       m["noise"][g], rtol=1e-6)
            np.testing.assert_allclose(camera_quantity("dc→p.e.", data, g), lc["calib"][g],
                                       rtol=1e-6)
            np.testing.assert_allclose(camera_quantity("time shift", data, g),
                                       lc["tm_calib"][g], rtol=1e-6)
        # this production's laser calibration has no flat-fielding coefficients
        assert camera_quantity("flat-field", data, 0) is None
        assert camera_quantity("pedestal", data, n_gains) is None  # no such gain
        sel = camera_quantity("selected gain", data, 0, result.tel[tel_id])
        assert sel.shape == (data.n_pixels,) and set(np.unique(sel)) <= {0.0, 1.0}
        assert not camera_quantity("HV disabled", data).any()
    # two-gain and one-gain cameras among the seven
    assert {d.n_gains for d in event.tel.values()} == {1, 2}


def test_flat_field_where_the_file_has_it():
    path = simtel("gamma_4lst.simtel.zst")
    _, las = _eventio_monitoring(path)
    with open_source(path) as source:
        event = source[0]
    for tel_id, data in event.tel.items():
        for g in range(data.n_gains):
            np.testing.assert_allclose(camera_quantity("flat-field", data, g),
                                       las[tel_id]["flat_fielding"][g], rtol=1e-6)
    assert MONITORING_QUANTITIES["flat-field"][1]  # per gain


def test_hv_disabled_pixels_and_summary_outliers():
    """proton_4lst_15flashcam: 6 HV-disabled pixels in every FlashCam."""
    with open_source(simtel("proton_4lst_15flashcam.simtel.zst")) as source:
        event = source[0]
        flash = [t for t in event.tel if source.subarray.tels[t].camera.name == "FlashCam"]
    assert flash
    data = event.tel[flash[0]]
    hv = camera_quantity("HV disabled", data)
    bits = (data.pixel_status & PixelStatus.HV_DISABLED) != 0
    assert hv.sum() == 6 and np.array_equal(hv.astype(bool), bits)
    # the summary leaves those pixels out; a pixel made 20σ off is the one outlier listed
    ped = camera_quantity("pedestal", data, 0).copy()
    summary = summarize(ped, data.pixel_status)
    assert summary.n_pixels == data.n_pixels - 6
    good = np.flatnonzero(data.pixel_status == 0)
    ped[good[7]] += 20 * max(summary.std, 1.0)
    assert summarize(ped, data.pixel_status).outliers == (int(good[7]),)
    ped[np.flatnonzero(bits)[0]] = 1e9  # a broken pixel's value is never an outlier
    assert summarize(ped, data.pixel_status).outliers == (int(good[7]),)


def test_process_writes_event_type_and_skips_calibration_events_for_dl2(tmp_path):
    path = simtel("calibration_7cameras.simtel.gz")
    for extra, n_dl2 in (([], 0), (["--dl2-all-event-types"], 1)):
        out = tmp_path / f"out{n_dl2}"
        assert main(["process", str(path), "-o", str(out), "--levels", "dl1,dl2", "-q",
                     *extra]) == 0
        (h5,) = out.glob("*.h5")
        with h5py.File(h5) as f:
            assert f["/dl1/event/subarray/trigger"]["event_type"].tolist() == [5]
            params = f["/dl1/event/telescope/parameters/tel_001"][:]
            assert params["morphology_n_pixels"].tolist() == [-1]
            assert len(f["/dl2/event/subarray/geometry/HillasReconstructor"]) == n_dl2
            # no shower image was counted (ctapipe-process writes the same zeros)
            assert f["/dl1/service/image_statistics"]["counts"].tolist() == [0, 0, 0]


def test_default_telescope_is_the_largest_cleaned_intensity():
    with open_source(simtel("gamma_prod2_126tel_truncated.simtel.gz")) as source:
        event = source[7]
        result = Pipeline(source.subarray).process(event)
    intensity = {t: tr.parameters["hillas_intensity"] for t, tr in result.tel.items()}
    best = max((t for t in intensity if intensity[t] == intensity[t]), key=intensity.get)
    assert default_tel(event, result) == best
    # the raw-sum choice differs here: its image did not survive cleaning
    from ctaviewer.service.session import brightest_tel

    assert brightest_tel(event) != best and np.isnan(intensity[brightest_tel(event)])


def test_session_shows_the_default_telescope_once_processed():
    state = SessionState()
    with open_source(simtel("gamma_prod2_126tel_truncated.simtel.gz")) as source:
        state.source, state.rows = source, initial_rows(source)
        pipe = Pipeline(source.subarray)
        assert state.go_to(7)
        first = state.selected_tel
        result = pipe.process(state.array_event)
        shown = []
        state.tel_selected.connect(shown.append)
        assert state.add_result(7, result, state.config_generation, source)
        assert state.selected_tel == default_tel(state.array_event, result) != first
        assert shown == [state.selected_tel]
        # a telescope the user picks stays on the next events that have it
        state.select_tel(first)
        state.go_to(7)
        assert state.selected_tel == first
        state.source = None


def test_pedestal_from_pedestal_events_is_the_mean_and_rms_of_their_samples(calib7):
    from ctaviewer.calib.pedestal_stats import PedestalAccumulator

    _, _, event, _, _ = calib7
    acc = PedestalAccumulator()
    assert acc.add(event)  # a pedestal event
    stats = acc.result()
    assert set(stats) == set(event.tel)
    for tel_id, st in stats.items():
        data = event.tel[tel_id]
        assert st.source == "pedestal events" and st.n_events == 1
        if data.waveform is None:  # sums-only: one value per event, no RMS from one event
            assert st.sums_only and np.isnan(st.rms).all()
            np.testing.assert_allclose(st.pedestal, data.sums / data.n_sum_samples)
            continue
        wf = data.waveform.astype(np.float64)
        np.testing.assert_allclose(st.pedestal, wf.mean(axis=2), rtol=1e-12)
        np.testing.assert_allclose(st.rms, wf.std(axis=2, ddof=1), rtol=1e-9)
        np.testing.assert_allclose(st.pedestal_difference(0),
                                   wf[0].mean(axis=1) - data.pedestal_per_sample[0], rtol=1e-6)
        np.testing.assert_allclose(st.noise_difference(0),
                                   st.rms[0] - data.pedestal_noise[0], rtol=1e-6)
    # a shower event is not a pedestal event
    assert not PedestalAccumulator().add(dataclasses.replace(event, event_type="subarray"))


def test_signal_free_samples_of_showers_leave_out_the_image():
    from ctaviewer.calib.pedestal_stats import PedestalAccumulator, signal_free_pixels

    with open_source(simtel("gamma_4lst.simtel.zst")) as source:
        event = source[0]
        result = Pipeline(source.subarray).process(event)
    tel = max(result.tel, key=lambda t: result.tel[t].mask.sum())
    data = event.tel[tel]
    free = signal_free_pixels(data.waveform)
    # every pixel of the cleaned image above 10 p.e. (fainter ones drown in the night sky)
    brightest = np.flatnonzero(result.tel[tel].mask & (result.tel[tel].image > 10))
    assert len(brightest) >= 5
    assert not free[brightest].any()
    assert free.sum() > 0.8 * data.n_pixels
    acc = PedestalAccumulator(use_showers=True)
    assert acc.add(event)
    st = acc.result()[tel]
    assert np.isnan(st.pedestal[0][brightest]).all()
    assert np.nanmean(np.abs(st.pedestal_difference(0))) < 5.0  # ADC per sample


def test_camera_health_states_from_status_bits_and_outliers():
    """An in-memory FlashCam event: 6 HV-disabled pixels (the file's), 3 made unread, one
    pedestal and one dc→p.e. far off: each counted once in its state."""
    from ctaviewer.calib.health import HEALTH_STATES, camera_health

    with open_source(simtel("proton_4lst_15flashcam.simtel.zst")) as source:
        event = source[0]
        tel = next(t for t in event.tel
                   if source.subarray.tels[t].camera.name == "FlashCam")
    data = event.tel[tel]
    status = data.pixel_status.copy()
    good = np.flatnonzero(status == 0)
    status[good[:3]] |= np.uint8(PixelStatus.NO_READOUT)
    ped = data.pedestal_per_sample.copy()
    ped[0, good[10]] += 100.0
    dc = data.dc_to_pe.copy()
    dc[0, good[20]] *= 3.0
    broken = dataclasses.replace(data, pixel_status=status, pedestal_per_sample=ped,
                                 dc_to_pe=dc)
    health = camera_health(broken)
    assert health.counts["HV off"] == 6
    assert health.counts["no readout"] == 3
    assert health.counts["outlier pedestal"] == 1 and health.codes[good[10]] == 5
    assert health.counts["outlier gain"] == 1 and health.codes[good[20]] == 6
    assert sum(health.counts.values()) == data.n_pixels
    assert health.n_bad == 11 and health.bad_fraction == pytest.approx(11 / data.n_pixels)
    assert tuple(health.counts) == HEALTH_STATES
    # the file as it is: only the HV-disabled pixels are not good
    assert camera_health(data).n_bad == 6


def test_pedestal_from_file_refuses_dl1_and_names_the_file(tmp_path):
    from ctaviewer.errors import InputFileError
    from ctaviewer.service.camera_health import pedestal_from_file

    out = tmp_path / "dl1"
    assert main(["process", str(simtel("gamma_4lst.simtel.zst")), "-o", str(out), "--images",
                 "-q"]) == 0
    (h5,) = out.glob("*.h5")
    with pytest.raises(InputFileError, match="no camera readout") as info:
        pedestal_from_file(h5)
    assert info.value.path == str(h5)
    # a raw file: its shower events' signal-free samples, every telescope
    found = pedestal_from_file(simtel("gamma_4lst.simtel.zst"))
    assert found.source == "signal-free samples of shower events" and found.n_used == 4
    assert set(found.stats) == {1, 2, 3, 4}


def test_pedestal_job_runs_in_its_own_process_and_reports_errors(tmp_path):
    from ctaviewer.service.camera_health import PedestalJob

    job = PedestalJob(simtel("calibration_7cameras.simtel.gz"))
    status, found = job.result(timeout=120)
    assert status == "ok" and job.done()
    assert found.source == "pedestal events" and found.n_used == 1 and len(found.stats) == 7
    missing = tmp_path / "nothing.simtel"
    status, text = PedestalJob(missing).result(timeout=120)
    assert status == "error" and str(missing) in text and "Traceback" not in text
    # cancelled: the process ends at once
    job = PedestalJob(simtel("gamma_70sst1m.simtel.zst"))
    job.cancel()
    assert not job.running


def test_charge_of_pedestal_events_per_pixel(calib7):
    """The pedestal events' calibrated charge per pixel: with one event, its image (good
    pixels), no RMS; outliers flagged as ctapipe's PedestalIntegrator does (here at 5σ)."""
    from ctaviewer.calib.pedestal_stats import ChargeAccumulator
    from ctaviewer.service.camera_health import pedestal_from_file

    path, _, event, _, result = calib7
    found = pedestal_from_file(path)
    assert set(found.charge) == set(event.tel)
    for tel_id, cs in found.charge.items():
        assert cs.n_events == 1
        np.testing.assert_allclose(cs.mean, result.tel[tel_id].image, rtol=1e-6)
        assert np.isnan(cs.std).all() and cs.std_outliers == ()
    acc = ChargeAccumulator()
    rng = np.random.default_rng(1)
    status = np.zeros(500, np.uint8)
    status[3] = 1  # never used
    for _ in range(40):
        image = rng.normal(2.0, 1.0, 500)
        image[77] += 30.0  # a hot pixel
        acc.add(9, image, status)
    cs = acc.result()[9]
    assert cs.n_events == 40 and np.isnan(cs.mean[3])
    assert cs.mean_outliers == (77,)
    assert abs(np.nanmedian(cs.std) - 1.0) < 0.1
