"""R1 → DL0 calibration: pedestal subtraction, dc → p.e. per gain, gain selection, sums."""

import numpy as np
import pytest

from ctaviewer.calib import calibrate, shifted_peak_time
from ctaviewer.event import TelescopeData


def _data(wf=None, sums=None, n_sum=0, ped=None, dc=None):
    return TelescopeData(1, wf, sums, n_sum, ped, dc)


def test_single_gain_pedestal_and_dc_to_pe():
    wf = np.full((1, 3, 5), 100, dtype=np.uint16)
    wf[0, 1, 2] = 150
    ped = np.array([[100.0, 90.0, 100.0]], dtype=np.float32)
    dc = np.array([[0.5, 0.5, 2.0]], dtype=np.float32)
    cal = calibrate(_data(wf, ped=ped, dc=dc))
    assert cal.waveform.shape == (3, 5) and cal.waveform.dtype == np.float32
    np.testing.assert_allclose(cal.waveform[0], 0.0)
    np.testing.assert_allclose(cal.waveform[1], [5, 5, 30, 5, 5])
    assert cal.charge is None
    np.testing.assert_array_equal(cal.selected_gain, 0)


def test_two_gain_selection_threshold_on_high_gain_maximum():
    wf = np.zeros((2, 3, 4), dtype=np.uint16)
    wf[0] = 400
    wf[1] = 20
    wf[0, 0, 1] = 4095  # saturating the high gain: low gain used
    wf[0, 1, 1] = 4000  # at the threshold: high gain kept (ctapipe: a sample must exceed it)
    ped = np.array([[400.0] * 3, [20.0] * 3], dtype=np.float32)
    dc = np.array([[0.1] * 3, [2.0] * 3], dtype=np.float32)
    wf[1, 0, 1] = 220
    cal = calibrate(_data(wf, ped=ped, dc=dc), gain_threshold=4000)
    np.testing.assert_array_equal(cal.selected_gain, [1, 0, 0])
    assert cal.waveform[0, 1] == pytest.approx(400.0)  # (220 - 20) * 2
    assert cal.waveform[1, 1] == pytest.approx(360.0, rel=1e-4)  # (4000 - 400) * 0.1
    lower = calibrate(_data(wf, ped=ped, dc=dc), gain_threshold=3000)
    np.testing.assert_array_equal(lower.selected_gain, [1, 1, 0])


def test_missing_constants_give_zero_not_nan():
    wf = np.full((1, 2, 3), 10, dtype=np.uint16)
    ped = np.array([[np.nan, 5.0]], dtype=np.float32)
    dc = np.array([[1.0, 1.0]], dtype=np.float32)
    cal = calibrate(_data(wf, ped=ped, dc=dc))
    np.testing.assert_allclose(cal.waveform, [[0, 0, 0], [5, 5, 5]])


def test_sums_only_data():
    sums = np.array([[1000, 50000], [110, 5100]], dtype=np.int32)
    ped = np.array([[10.0, 10.0], [1.0, 1.0]], dtype=np.float32)
    dc = np.array([[0.1, 0.1], [1.0, 1.0]], dtype=np.float32)
    cal = calibrate(_data(sums=sums, n_sum=10, ped=ped, dc=dc), gain_threshold=4000)
    assert cal.waveform is None
    np.testing.assert_array_equal(cal.selected_gain, [0, 1])
    np.testing.assert_allclose(cal.charge, [(1000 - 100) * 0.1, (5100 - 10) * 1.0])


def test_real_file_calibration_matches_true_pe(simtel_file):
    from ctaviewer import open_source

    ratios = []
    with open_source(simtel_file("gamma_4lst.simtel.zst")) as src:
        for event in src:
            for data in event.tel.values():
                cal = calibrate(data)
                charge = cal.waveform.sum(axis=1)
                true = data.true_image
                sel = true > 10
                ratios.extend(charge[sel] / true[sel])
    assert len(ratios) > 50
    assert 0.85 < np.median(ratios) < 1.15


def test_sums_gain_threshold_is_strict():
    sums = np.array([[4000, 4001], [100, 100]], dtype=np.int32)
    ped = np.zeros((2, 2), dtype=np.float32)
    dc = np.ones((2, 2), dtype=np.float32)
    cal = calibrate(_data(sums=sums, n_sum=1, ped=ped, dc=dc), gain_threshold=4000)
    np.testing.assert_array_equal(cal.selected_gain, [0, 1])


def test_peak_time_shift_of_the_selected_gain_is_subtracted():
    """As ctapipe's apply_peak_time_shift: t - time_shift[selected gain, pixel]."""
    t = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    shift = np.array([[1.0, -2.0, 3.0], [100.0, 200.0, 300.0]], dtype=np.float32)
    gain = np.array([0, 1, 0], dtype=np.int8)
    out = shifted_peak_time(t, shift, gain)
    np.testing.assert_allclose(out, [9.0, -180.0, 27.0])
    assert out.dtype == np.float32
    assert shifted_peak_time(t, None, gain) is t
    # a single-gain offset serves every pixel
    np.testing.assert_allclose(shifted_peak_time(t, shift[:1], gain), [9.0, 22.0, 27.0])


def test_pixels_without_readout_are_zero_not_minus_the_pedestal():
    from ctaviewer.event import PixelStatus

    wf = np.full((2, 3, 4), 300, dtype=np.uint16)
    wf[:, 1] = 0  # not read out
    ped = np.full((2, 3), 300.0, dtype=np.float32)
    dc = np.full((2, 3), 0.1, dtype=np.float32)
    status = np.array([0, PixelStatus.NO_READOUT, 0], dtype=np.uint8)
    cal = calibrate(TelescopeData(1, wf, None, 0, ped, dc, pixel_status=status))
    np.testing.assert_array_equal(cal.waveform, 0.0)
    assert calibrate(_data(wf, ped=ped, dc=dc)).waveform[1, 0] == pytest.approx(-30.0)
    sums = wf.sum(axis=2).astype(np.int32)
    cal = calibrate(TelescopeData(1, None, sums, 4, ped, dc, pixel_status=status))
    np.testing.assert_allclose(cal.charge, 0.0)
