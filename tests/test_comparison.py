"""The comparison of two configurations without Qt (``service.comparison``): B's source and
label, results kept only for the B and file they were made with, and B − A equal to the
difference of the two results computed with ``ctaviewer.pipeline`` on a real file."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from ctaviewer.errors import ConfigError
from ctaviewer.service.comparison import (
    ComparisonState,
    mask_counts,
    pixel_difference,
    value_delta,
    values_differ,
)

from .conftest import simtel


@pytest.fixture(scope="module")
def gamma_4lst():
    """The first event of gamma_4lst, its subarray and source."""
    from ctaviewer import open_source

    source = open_source(simtel("gamma_4lst.simtel.zst"))
    event = next(iter(source))
    yield source, event
    source.close()


def _configs():
    from ctaviewer.config import ProcessingConfig

    a = ProcessingConfig.default()
    # B: a looser cleaning and a narrower window (charge, mask and peak time all change)
    b = a.replace(cleaning__picture_threshold=6.0, cleaning__boundary_threshold=3.0,
                  extractor__window_width=5, extractor__window_shift=2)
    return a, b


def test_b_minus_a_is_the_difference_of_the_two_pipelines(gamma_4lst):
    from ctaviewer.pipeline import Pipeline

    source, event = gamma_4lst
    config_a, config_b = _configs()
    ra = Pipeline(source.subarray, config_a).process(event)
    rb = Pipeline(source.subarray, config_b).process(event)
    changed = 0
    for tel_id, ta in ra.tel.items():
        tb = rb.tel[tel_id]
        for quantity, a, b in (("charge", ta.image, tb.image),
                               ("peak time", ta.peak_time, tb.peak_time),
                               ("cleaning mask", ta.mask.astype(float), tb.mask.astype(float))):
            d = pixel_difference(quantity, ta, tb)
            expected = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
            np.testing.assert_array_equal(d, expected)
            changed += int(np.any(np.nan_to_num(d) != 0))
        d = pixel_difference("cleaning mask", ta, tb)
        assert set(np.unique(d)) <= {-1.0, 0.0, 1.0}
        counts = mask_counts(ta, tb)
        assert counts["added"] == int(np.sum(tb.mask & ~ta.mask))
        assert counts["removed"] == int(np.sum(ta.mask & ~tb.mask))
        assert counts["kept"] == int(np.sum(ta.mask & tb.mask))
    assert changed >= 3  # the settings do change what is compared
    with pytest.raises(ValueError, match="not compared"):
        pixel_difference("raw sum", ra.tel[1], rb.tel[1])
    assert pixel_difference("charge", ra.tel[1], None) is None


def test_results_are_kept_only_for_the_current_b_and_file(gamma_4lst):
    from ctaviewer.pipeline import Pipeline

    source, event = gamma_4lst
    config_a, config_b = _configs()
    rb = Pipeline(source.subarray, config_b).process(event)
    cmp = ComparisonState()
    seen = []
    cmp.result_changed.connect(seen.append)
    assert not cmp.add_result(event.index, rb, cmp.generation, source)  # not comparing
    ref = cmp.snapshot(config_b, now=0.0)
    assert cmp.active and cmp.config is config_b
    assert re.fullmatch(r"settings before edit at \d\d:\d\d", ref.label)
    assert ref.description.startswith("B: snapshot of the settings before edit at ")
    generation = cmp.generation
    assert cmp.add_result(event.index, rb, generation, source)
    assert seen == [event.index]
    assert cmp.result_for(event.index, source) is rb
    assert cmp.result_for(event.index + 1, source) is None  # another event: never B of this
    other = object()
    assert cmp.result_for(event.index, other) is None  # another file
    assert not cmp.add_result(event.index, rb, generation, other)
    # a new B drops the results, and one computed under the old B is refused
    cmp.snapshot(config_a)
    assert cmp.result_for(event.index, source) is None
    assert not cmp.add_result(event.index, rb, generation, source)
    assert cmp.add_result(event.index, rb, cmp.generation, source)
    cmp.forget_source()  # another file opened
    assert cmp.result_for(event.index, source) is None
    cmp.stop()
    assert not cmp.active and cmp.result_for(event.index, source) is None


def test_a_saved_toml_becomes_b_with_its_camera_overrides(tmp_path, gamma_4lst):
    from ctaviewer.config import ProcessingConfig
    from ctaviewer.pipeline import Pipeline

    source, event = gamma_4lst
    camera = source.subarray.tels[next(iter(event.tel))].camera.name
    path = tmp_path / "loose.toml"
    path.write_text(f'[cleaning]\npicture_threshold = 8.0\n\n'
                    f'[camera_overrides."{camera}".cleaning]\npicture_threshold = 5.0\n'
                    f'boundary_threshold = 2.5\n')
    cmp = ComparisonState()
    ref = cmp.load_toml(path)
    assert ref.label == "loose.toml" and ref.path == str(path)
    assert ref.description == f"B: saved settings {path}"
    assert cmp.config.cleaning.picture_threshold == 8.0
    # the override is what the camera's images are cleaned with
    cleaning = cmp.config.for_camera(camera)[
        ProcessingConfig.per_camera_sections().index("cleaning")]
    assert (cleaning.picture_threshold, cleaning.boundary_threshold) == (5.0, 2.5)
    rb = Pipeline(source.subarray, cmp.config).process(event)
    flat = ProcessingConfig.default().replace(cleaning__picture_threshold=5.0,
                                              cleaning__boundary_threshold=2.5)
    ref_result = Pipeline(source.subarray, flat).process(event)
    without = Pipeline(source.subarray, ProcessingConfig.default().replace(
        cleaning__picture_threshold=8.0)).process(event)
    overridden = 0
    for tel_id, tr in rb.tel.items():
        if source.subarray.tels[tel_id].camera.name == camera:
            np.testing.assert_array_equal(tr.mask, ref_result.tel[tel_id].mask)
            overridden += int(not np.array_equal(tr.mask, without.tel[tel_id].mask))
    assert overridden  # (the override changes the images: it was not ignored)


@pytest.mark.parametrize("text, cause", [
    ("[cleaning]\npicture_threshold = 'high'\n", "picture_threshold"),
    ("[cleaning\n", "toml"),
    ("[nonsense]\nx = 1\n", "unknown section"),
])
def test_a_bad_toml_says_why_and_keeps_the_b_before(tmp_path, text, cause):
    from ctaviewer.config import ProcessingConfig

    cmp = ComparisonState()
    before = cmp.snapshot(ProcessingConfig.default())
    generation = cmp.generation
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as err:
        cmp.load_toml(bad)
    assert str(bad) in str(err.value) and cause in str(err.value)
    assert cmp.reference is before and cmp.generation == generation
    with pytest.raises(ConfigError, match="missing.toml"):
        cmp.load_toml(tmp_path / "missing.toml")
    assert cmp.reference is before


def test_value_differences():
    assert value_delta(1.5, 4.0) == 2.5
    assert value_delta(3, 1) == -2.0
    assert value_delta(math.nan, 1.0) is None and value_delta(1.0, math.nan) is None
    assert value_delta(True, False) is None and value_delta("a", "b") is None
    assert not values_differ(math.nan, math.nan) and values_differ(math.nan, 1.0)
    assert values_differ(True, False) and not values_differ("valid", "valid")
    assert values_differ(1.0, 1.0 + 1e-12) and not values_differ(np.float32(2), 2.0)
