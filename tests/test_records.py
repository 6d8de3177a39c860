"""The NaN-aware record comparison the tests use in place of ``==`` (tests/records.py)."""

import math

import numpy as np
import pytest

from ctaviewer.results import EventResult, StereoResult, TelescopeResult, empty_parameters

from .records import assert_records_equal, record_differences


def _tel(image, **kw):
    return TelescopeResult(tel_id=1, image=image, peak_time=np.zeros(3, np.float32),
                           mask=np.array([True, False, True]), parameters=empty_parameters(),
                           passes_quality=False, **kw)


def test_nan_fields_compare_equal_where_dataclass_eq_does_not():
    a = StereoResult(alt=70.0, az=0.5, alt_uncert=float("nan"), tel_ids=(1, 2))
    b = StereoResult(alt=70.0, az=0.5, alt_uncert=float("nan"), tel_ids=(1, 2))
    assert a != b  # two NaN objects: unequal under == on every Python version
    assert_records_equal(a, b)
    assert_records_equal(StereoResult(), StereoResult())


@pytest.mark.parametrize(("changes", "where"), [
    ({"alt": 70.001}, ".alt: 70.0 vs 70.001"),
    ({"alt_uncert": 0.1}, ".alt_uncert: nan vs 0.1"),
    ({"tel_ids": (1,)}, ".tel_ids: (1, 2) vs (1,)"),
    ({"is_valid": 1}, ".is_valid: True vs 1"),
])
def test_each_differing_field_is_named(changes, where):
    a = StereoResult(alt=70.0, alt_uncert=math.nan, is_valid=True, tel_ids=(1, 2))
    b = StereoResult(**{**a.__dict__, **changes})
    assert record_differences(a, b) == [where]
    with pytest.raises(AssertionError, match="1 differences"):
        assert_records_equal(a, b)


def test_nested_results_arrays_and_dicts():
    image = np.array([1.0, np.nan, 3.0], np.float32)
    a = EventResult(index=0, obs_id=1, event_id=5, tel={1: _tel(image)},
                    timing_ms={"clean": 1.0})
    b = EventResult(index=0, obs_id=1, event_id=5, tel={1: _tel(image.copy())},
                    timing_ms={"clean": 2.0})
    assert record_differences(a, b) == [".timing_ms['clean']: 1.0 vs 2.0"]
    assert_records_equal(a, b, ignore=("timing_ms",))

    changed = image.copy()
    changed[2] = 4.0
    c = EventResult(index=0, obs_id=1, event_id=5, tel={1: _tel(changed)})
    assert record_differences(a, c, ignore=("timing_ms",)) == [
        f".tel[1].image: 1 elements differ, first at (2,): {np.float32(3)!r} vs {np.float32(4)!r}"]
    d = EventResult(index=0, obs_id=1, event_id=5, tel={1: _tel(image.astype(np.float64))})
    assert record_differences(a, d, ignore=("timing_ms",)) == [
        ".tel[1].image: array float32(3,) vs float64(3,)"]
    e = EventResult(index=0, obs_id=1, event_id=5, tel={2: _tel(image)})
    assert record_differences(a, e, ignore=("timing_ms",)) == [
        ".tel: keys ['1', '2'] in only one of them"]
    f = EventResult(index=0, obs_id=1, event_id=5,
                    tel={1: _tel(image, selected_gain=np.zeros(3, np.int8))})
    assert record_differences(a, f, ignore=("timing_ms",)) == [
        ".tel[1].selected_gain: NoneType vs ndarray"]
