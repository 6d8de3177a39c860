"""The waveform view: several pixels with the legend and texts in a side panel, both gains
drawn, time in ns (samples on the top axis), the reference pulse scaled to the charge."""

from __future__ import annotations

import numpy as np
import pytest

from ctaviewer.io import open_source
from ctaviewer.pipeline import Pipeline
from ctaviewer.service.waveforms import pulse_integral, scaled_pulse, waveform_plot

from .conftest import simtel

pytest.importorskip("pytestqt")

TWO_GAINS = "gamma_4lst.simtel.zst"  # LSTCam: 2 gains, 40 samples at 1 GHz


@pytest.fixture(scope="module")
def processed():
    """An event of a two-gain camera, its result, the telescope and its two brightest
    pixels."""
    with open_source(simtel(TWO_GAINS)) as source:
        event = source[0]
        result = Pipeline(source.subarray).process(event)
        tel = max(result.tel, key=lambda t: float(result.tel[t].image.max()))
        image = result.tel[tel].image
        pixels = [int(p) for p in np.argsort(image)[::-1][:2]]
        return source.subarray, event, result, tel, pixels


def test_scaled_pulse_integral_and_centroid():
    shape = np.exp(-0.5 * ((np.arange(80) - 30) / 5.0) ** 2)
    t, y = scaled_pulse(shape, 0.25, 123.0, 17.0, 1.0 / 1.024)
    assert np.sum(y) * 0.25 / (1.0 / 1.024) == pytest.approx(123.0)
    assert np.sum(t * y) / np.sum(y) == pytest.approx(17.0)


def test_model_both_gains_ns_axis_and_pulses(processed):
    subarray, event, result, tel, pixels = processed
    readout = subarray.tels[tel].camera.readout
    tr = result.tel[tel]
    data = event.tel[tel]
    assert data.n_gains == 2
    plot = waveform_plot(event, tel, readout, pixels, tr, "p.e.", (0, 1))
    assert [(t.pixel, t.gain) for t in plot.traces] == [(p, g) for p in pixels for g in (0, 1)]
    width = readout.sample_width_ns
    for trace in plot.traces:
        np.testing.assert_allclose(trace.time_ns, np.arange(data.waveform.shape[2]) * width)
        g, p = trace.gain, trace.pixel
        expected = (data.waveform[g, p] - data.pedestal_per_sample[g, p]) * data.dc_to_pe[g, p]
        np.testing.assert_allclose(trace.values, expected)
    selected = [int(tr.selected_gain[p]) for p in pixels]
    # one pulse per pixel, over the trace of the gain its charge comes from
    assert [(p.pixel, p.gain) for p in plot.pulses] == list(zip(pixels, selected, strict=True))
    for pulse in plot.pulses:
        assert pulse_integral(pulse, width) == pytest.approx(float(tr.image[pulse.pixel]),
                                                             rel=1e-9)
        # the pulse sits where the light is: its maximum within 2 samples of the trace's
        trace = next(t for t in plot.traces if (t.pixel, t.gain) == (pulse.pixel, pulse.gain))
        peak_pulse = pulse.time_ns[np.argmax(pulse.values)]
        assert abs(peak_pulse - trace.time_ns[np.argmax(trace.values)]) <= 2 * width
    # ADC: the raw samples on their pedestal; the pulse converted with that gain's dc->p.e.
    p = pixels[0]
    g = selected[0]
    adc = waveform_plot(event, tel, readout, [p], tr, "ADC", (g,))
    (trace,), (pulse,) = adc.traces, adc.pulses
    np.testing.assert_array_equal(trace.values, data.waveform[g, p])
    assert trace.pedestal == pytest.approx(float(data.pedestal_per_sample[g, p]))
    base = float(data.pedestal_per_sample[g, p])
    integral_pe = np.sum(pulse.values - base) * pulse.ref_step_ns / width * data.dc_to_pe[g, p]
    assert integral_pe == pytest.approx(float(tr.image[p]), rel=1e-6)


def _open(qtbot, make_window, path):
    window = make_window(restore=False)
    assert window.open_path(path)
    s = window.session
    qtbot.waitUntil(lambda: s.result is not None or hasattr(window, "last_error"),
                    timeout=60000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)
    return window


def test_two_pixels_both_gains_in_the_window(qtbot, make_window, tmp_path):
    window = _open(qtbot, make_window, simtel(TWO_GAINS))
    s = window.session
    view = window.waveform_view
    window.docks["waveforms"].raise_()
    tel = s.selected_tel
    tr = s.result.tel[tel]
    data = s.array_event.tel[tel]
    pixels = [int(p) for p in np.argsort(tr.image)[::-1][:2]]
    s.select_pixels(pixels)
    qtbot.waitUntil(lambda: sorted(view.curves) == sorted(pixels), timeout=10000)
    width = s.source.subarray.tels[tel].camera.readout.sample_width_ns
    # two traces, two legend entries, in the side panel; no legend over the plot
    assert [len(view.curves[p]) for p in pixels] == [1, 1]
    assert view.legend_labels[:2] == [f"pixel {p}" for p in pixels]
    assert view.plot.getPlotItem().legend is None
    assert not view.plot.isAncestorOf(view.legend)
    assert all(f"pixel {p}: charge {tr.image[p]:.1f} p.e." in view.info.text() for p in pixels)
    x, y = view.curves[pixels[0]][0].getData()
    np.testing.assert_allclose(x, np.arange(data.waveform.shape[2]) * width)  # ns
    np.testing.assert_array_equal(y, data.waveform[0, pixels[0]])
    assert view.plot.getAxis("bottom").labelText == "time"
    assert view.plot.getAxis("bottom").labelUnits == "ns"
    assert view.plot.getAxis("top").labelText == "sample"
    ticks = view.sample_axis.tickValues(0.0, 39 * width, 600)
    assert ticks and all(abs(v / width - round(v / width)) < 1e-9 for _, vs in ticks for v in vs)
    # both gains: four traces, the low gain's samples too
    view.gain_box.setCurrentText("both gains")
    assert [len(view.curves[p]) for p in pixels] == [2, 2]
    for p in pixels:
        for g, curve in enumerate(view.curves[p]):
            np.testing.assert_array_equal(curve.getData()[1], data.waveform[g, p])
    assert len([label for label in view.legend_labels if label.startswith("pixel")]) == 4
    # p.e.: the pulse overlay's integral is the charge
    view.unit_box.setCurrentText("p.e.")
    view.gain_box.setCurrentText("both gains")
    assert all(int(tr.selected_gain[p]) == 0 for p in pixels)  # so the pulse is drawn over
    view.gain_box.setCurrentText("high gain")
    for p in pixels:
        (pulse,) = view.pulse_curves[p]
        t, v = pulse.getData()
        step = float(t[1] - t[0])
        assert np.sum(v) * step / width == pytest.approx(float(tr.image[p]), rel=1e-6)
    view.pulse_box.setChecked(False)
    assert view.pulse_curves == {}
    view.pulse_box.setChecked(True)
    view.gain_box.setCurrentText("both gains")
    view.resize(1000, 320)
    view.grab().save(str(tmp_path / "waveforms.png"))
    assert (tmp_path / "waveforms.png").stat().st_size > 5000
    # File > Export view > Waveforms: the plot with the side panel, without the controls
    from ctaviewer.app.qt import QtGui

    out = window.export_view("waveforms", str(tmp_path / "export.png"))
    image = QtGui.QImage(out)
    splitter = view.splitter
    assert (image.width(), image.height()) == (
        round(splitter.width() * splitter.devicePixelRatioF()),
        round(splitter.height() * splitter.devicePixelRatioF()))


def test_many_pixels_keep_the_plot_its_height(qtbot, make_window):
    """The texts of many pixels go to the side panel: the plot keeps its height."""
    window = _open(qtbot, make_window, simtel(TWO_GAINS))
    s = window.session
    view = window.waveform_view
    window.docks["waveforms"].raise_()
    view.resize(900, 300)
    tel = s.selected_tel
    s.select_pixels([0])
    qtbot.waitUntil(lambda: list(view.curves) == [0], timeout=10000)
    height = view.plot.height()
    many = [int(p) for p in np.argsort(s.result.tel[tel].image)[::-1][:12]]
    s.select_pixels(many)
    qtbot.waitUntil(lambda: sorted(view.curves) == sorted(many), timeout=10000)
    qtbot.wait(50)
    assert view.plot.height() == height
    assert all(f"pixel {p}:" in view.info.text() for p in many)  # every pixel, none cut
