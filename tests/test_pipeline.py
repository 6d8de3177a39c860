"""The pipeline on the simulated array and on every real file."""

import math
import threading
import warnings

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.config import ProcessingConfig
from ctaviewer.coords import angular_separation
from ctaviewer.pipeline import Pipeline
from ctaviewer.results import EventResult, TelescopeResult

from .records import assert_records_equal

FILES = [
    "gamma_4lst.simtel.zst",
    "gamma_70sst1m.simtel.zst",
    "gamma_4lst_15nectarcam.simtel.zst",
    "gamma_prod2_126tel_truncated.simtel.gz",
    "gamma_70astri_sums_only.simtel.gz",
    "gamma_diffuse_13tel.simtel.zst",
    "proton_4lst_15flashcam.simtel.zst",
    "proton_13tel.simtel.zst",
    "muons_lst.simtel.zst",
    "muons_chec.simtel.zst",
    "calibration_7cameras.simtel.gz",
    "stress_40k_pixels.simtel.zst",
]
HILLAS = (
    "hillas_intensity",
    "hillas_fov_lon",
    "hillas_fov_lat",
    "hillas_length",
    "hillas_width",
    "camera_frame_hillas_x",
    "leakage_intensity_width_2",
    "concentration_cog",
    "intensity_mean",
)


def _check_telescope(tr: TelescopeResult, n_pixels: int):
    assert tr.image.shape == (n_pixels,) and tr.mask.shape == (n_pixels,)
    assert np.all(np.isfinite(tr.image))
    assert not tr.image.flags.writeable and not tr.mask.flags.writeable
    n = int(tr.mask.sum())
    parametrised = n >= 2 and tr.image[tr.mask].sum() > 0  # ctapipe's image check
    assert tr.parameters["morphology_n_pixels"] == (n if parametrised else -1)
    if parametrised:
        for key in HILLAS:
            assert math.isfinite(tr.parameters[key]), key
    if tr.passes_quality:  # ctapipe's default stereo query
        assert tr.parameters["hillas_intensity"] > 50 and tr.parameters["hillas_width"] > 0
        assert tr.parameters["morphology_n_pixels"] > 3
    if tr.waveform is not None:
        assert tr.waveform.shape[0] == n_pixels
        assert tr.window_start.shape == (n_pixels,) and tr.window_width >= 1
        # windows start inside the readout; one running past its end is cut there (ctapipe)
        assert np.all((tr.window_start >= 0) & (tr.window_start < tr.waveform.shape[1]))


@pytest.mark.parametrize("name", FILES)
def test_every_event_of_every_file(simtel_file, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = open_source(simtel_file(name))
        pipeline = Pipeline(source.subarray)
        n = 0
        for event, result in zip(source, pipeline.stream(open_source(simtel_file(name)))):
            assert isinstance(result, EventResult) and result.event_id == event.event_id
            assert set(result.tel) == set(event.tel)
            for tel_id, tr in result.tel.items():
                _check_telescope(tr, source.subarray.tels[tel_id].camera.geometry.n_pixels)
            g = result.geometry
            good = [t for t, tr in result.tel.items() if tr.passes_quality]
            assert set(result.core_psi) == (set(good) if len(good) >= 2 else set())
            if g.is_valid:
                assert len(g.tel_ids) >= 2 and set(g.tel_ids) == set(good)
                assert 0 <= g.alt <= 90 and 0 <= g.az < 360
                assert g.invalid_reason == ""
                # above sea level: the site height (or the MC observation level) plus km
                ground = source.subarray.location.height_m
                assert ground + 1000 < g.h_max < ground + 40000, g.h_max
                if (
                    event.simulation is not None
                    and name.startswith("gamma")
                    and "diffuse" not in name
                ):
                    assert (
                        angular_separation(g.alt, g.az, event.simulation.alt, event.simulation.az)
                        < 2.0
                    )
            else:
                assert math.isnan(g.alt) and g.invalid_reason
                assert len(good) < 2 or "telescope" in g.invalid_reason
            assert result.timing_ms["total"] > 0
            n += 1
        assert n == len(source)


@pytest.mark.parametrize("method", ["hillas_intersection", "nominal_intersection"])
def test_toy_array_stereo(method):
    source = open_source(None, n_events=8)
    pipeline = Pipeline(source.subarray, ProcessingConfig.default().replace(stereo__name=method))
    valid = 0
    for event in source:
        result = pipeline.process(event)
        if result.geometry.is_valid:
            valid += 1
            sep = angular_separation(
                result.geometry.alt, result.geometry.az, event.simulation.alt, event.simulation.az
            )
            assert sep < 1.0
            assert set(result.impact) == {int(t) for t in source.subarray.tel_ids}
    assert valid >= 4


def test_with_config_shares_caches_and_changes_results(simtel_file):
    source = open_source(simtel_file("gamma_4lst.simtel.zst"))
    event = source[2]
    pipeline = Pipeline(source.subarray)
    other = pipeline.with_config(
        pipeline.config.replace(**{"extractor.name": "full_waveform"}).replace(camera_overrides={})
    )
    assert other._contexts is pipeline._contexts
    assert pipeline.config.extractor.name == "neighbor_peak"
    a = pipeline.process(event)
    b = other.process(event)
    t = next(iter(a.tel))
    assert b.tel[t].window_width == event.tel[t].n_samples
    assert a.tel[t].window_width == 7
    assert not np.array_equal(a.tel[t].image, b.tel[t].image)
    single = pipeline.process_telescope(event, t)
    np.testing.assert_array_equal(single.image, a.tel[t].image)


def test_process_in_threads_gives_identical_results(simtel_file):
    source = open_source(simtel_file("gamma_70sst1m.simtel.zst"))
    events = [source[i] for i in range(6)]
    pipeline = Pipeline(source.subarray, ProcessingConfig.default())
    reference = [pipeline.process(e) for e in events]
    out = [None] * len(events)

    def work(i):
        out[i] = pipeline.process(events[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(events))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # everything but the step timings, NaN (a missing value) equal to NaN on every Python
    for r, o in zip(reference, out):
        assert_records_equal(r, o, ignore=("timing_ms",))


def test_stream_progress_and_stop(simtel_file):
    source = open_source(simtel_file("gamma_70sst1m.simtel.zst"))
    pipeline = Pipeline(source.subarray)
    calls = []
    results = list(
        pipeline.stream(
            source, progress=lambda d, n: calls.append(d), should_stop=lambda: len(calls) >= 5
        )
    )
    assert len(results) == 5 and calls == [1, 2, 3, 4, 5]


def test_warm_up_loads_kernels_and_returns_seconds():
    from ctaviewer.image import extract_kernels
    from ctaviewer.pipeline import warm_up

    assert warm_up() > 0
    # the kernels now hold exactly the signatures real processing uses (no extra variants)
    assert len(extract_kernels.window_sum.signatures) == 1
    assert len(extract_kernels.neighbor_peaks.signatures) == 1
