"""Comparing two configurations in the window (issue 15) on gamma_4lst, read by the helper
process as a user's file is: the camera view's B − A equals the difference of the two
results computed here with ``ctaviewer.pipeline``, the parameter inspector shows A, B and Δ
and marks what differs, the sky view draws both directions, B of another event is never
shown, and a bad TOML says why in a dialog and keeps the B before."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

GAMMA = "gamma_4lst.simtel.zst"


@pytest.fixture
def window(make_window, qtbot, simtel_file):
    w = make_window(restore=False)
    assert w.open_path(simtel_file(GAMMA))
    qtbot.waitUntil(lambda: w.session.result is not None or hasattr(w, "last_error"),
                    timeout=60000)
    assert not hasattr(w, "last_error"), getattr(w, "last_error", None)
    return w


def _edited(qtbot, w):
    """Keep the current settings as B, then loosen the cleaning and narrow the window in
    the processing panel (A); wait for both results of the current event."""
    s, panel, cmp = w.session, w.processing_panel, w.session.comparison
    panel.keep_as_b()
    assert cmp.active and cmp.config is s.config
    before = s.result
    panel.target_box.setCurrentText("all cameras")
    panel.set_value("cleaning", "picture_threshold", 6.0)
    panel.set_value("cleaning", "boundary_threshold", 3.0)
    panel.set_value("extractor", "window_width", 5)
    panel.set_value("extractor", "window_shift", 2)
    panel.apply()
    assert s.config.cleaning.picture_threshold == 6.0 and s.config is not cmp.config
    qtbot.waitUntil(lambda: s.result is not None and s.result is not before
                    and cmp.result_b is not None, timeout=60000)
    return cmp


def _direct(w, config):
    """The current event processed here, with ``config``, by the pipeline itself."""
    from ctaviewer.pipeline import Pipeline

    s = w.session
    return Pipeline(s.source.subarray, config).process(s.array_event)


def test_b_minus_a_in_the_camera_is_the_difference_of_the_two_results(qtbot, window):
    w = window
    s, cv = w.session, w.camera_view
    assert cv.compare_box.isHidden() and cv.compare_caption.isHidden()  # not comparing
    cmp = _edited(qtbot, w)
    ra, rb = _direct(w, s.config), _direct(w, cmp.config)
    assert not cv.compare_box.isHidden()
    checked = 0
    for tel in sorted(ra.tel):
        s.select_tel(tel)
        ta, tb = ra.tel[tel], rb.tel[tel]
        for quantity, a, b in (("charge", ta.image, tb.image),
                               ("peak time", ta.peak_time, tb.peak_time),
                               ("cleaning mask", ta.mask, tb.mask)):
            w.display.update(quantity=quantity)
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
            cv.set_compare_mode("B − A")
            np.testing.assert_array_equal(cv.compared.values, b - a)
            assert cv.title.text.endswith("· B − A")
            d = (b - a)[np.isfinite(b - a)]
            if quantity != "cleaning mask" and np.any(d != 0):
                assert (f"{np.count_nonzero(d)} of {a.size}"
                        f" pixels differ, by at most {np.max(np.abs(d)):.3g}"
                        in cv.compare_caption.text())
            assert cv.compare_caption.text().startswith("Showing B − A: (settings before "
                                                        "edit at ")
            cv.set_compare_mode("B")
            np.testing.assert_array_equal(cv.compared.values, b)
            assert cv.compare_caption.text().startswith("Showing B: settings before edit")
            cv.set_compare_mode("A")
            assert cv.compared is None and cv.title.text.endswith("· A")
            checked += int(np.any(np.nan_to_num(b - a) != 0))
    assert checked >= 3  # the edit changed what is compared
    # the mask's B − A: +1, −1, 0 with a legend of its states
    w.display.update(quantity="cleaning mask")
    cv.set_compare_mode("B − A")
    assert [t.split(":")[0] for t, _ in cv.compared.states] == ["−1", "0", "0", "+1"]
    assert "Cleaning: B adds" in cv.compare_caption.text()
    # a quantity that is not compared shows A and says so
    w.display.update(quantity="raw sum")
    assert cv.compared is None and "is not compared" in cv.compare_caption.text()


def test_inspector_shows_both_values_and_marks_the_differing_ones(qtbot, window):
    from ctaviewer.app.views.parameter_table import _fmt

    w = window
    s, table = w.session, w.parameter_table
    w.docks["parameters"].raise_()
    cmp = _edited(qtbot, w)
    ra, rb = s.result, cmp.result_b
    qtbot.waitUntil(lambda: table.table.columnCount() == 3 * len(ra.tel))
    t = table.table
    headers = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    tels = sorted(ra.tel)
    assert headers == [f"tel {tel} {p}" for tel in tels for p in ("A", "B", "Δ")]
    rows = [t.verticalHeaderItem(k).text().split(" (")[0] for k in range(t.rowCount())]
    k = rows.index("hillas_intensity")
    differing = set(table.differing())
    for c, tel in enumerate(tels):
        a = ra.tel[tel].parameters["hillas_intensity"]
        b = rb.tel[tel].parameters["hillas_intensity"]
        assert t.item(k, 3 * c).text() == _fmt(a)
        assert t.item(k, 3 * c + 1).text() == _fmt(b)
        if a == a and b == b:
            assert t.item(k, 3 * c + 2).text() == f"{b - a:+.4g}"
        assert (("hillas_intensity", tel) in differing) == (a != b and not (a != a and b != b))
    assert any(name == "hillas_intensity" for name, _ in differing)
    # an unchanged value is not marked (the leakage of a telescope is the same in both)
    same = [(name, tel) for name in ("hillas_intensity", "morphology_n_pixels")
            for tel in tels if ra.tel[tel].parameters[name] == rb.tel[tel].parameters[name]]
    assert not set(same) & differing
    # the DL2 table: A, B and Δ of the stereo result
    d = table.dl2
    assert [d.horizontalHeaderItem(c).text() for c in range(4)] == [
        "DL2 geometry", "A", "B", "Δ (B − A)"]
    names = [d.item(r, 0).text() for r in range(d.rowCount())]
    r = names.index("alt")
    assert d.item(r, 1).text() == _fmt(ra.geometry.alt)
    assert d.item(r, 2).text() == _fmt(rb.geometry.alt)
    # stopping brings back one column per telescope
    cmp.stop()
    qtbot.waitUntil(lambda: t.columnCount() == len(tels))
    assert [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())] == [
        f"tel {tel}" for tel in tels]
    assert d.columnCount() == 2


def test_sky_view_draws_both_directions(qtbot, window):
    from ctaviewer.coords import altaz_to_fov

    w = window
    s, sky = w.session, w.sky_view
    w.docks["sky"].raise_()
    cmp = _edited(qtbot, w)
    qtbot.waitUntil(lambda: "◆ B (settings before edit" in sky.info.text()
                    and not sky._dirty, timeout=30000)
    p = s.array_event.pointing
    for item, result in ((sky.reco, s.result), (sky.reco_b, cmp.result_b)):
        g = result.geometry
        assert g.is_valid
        x, y = item.getData()
        lon, lat = altaz_to_fov(g.alt, g.az, p.array_alt, p.array_az)
        assert (x[0], y[0]) == pytest.approx((float(lon), float(lat)))
    assert sky.reco.getData()[0][0] != sky.reco_b.getData()[0][0]  # two markers
    assert sky.legend.isVisible()
    assert [label.text for _, label in sky.legend.items] == [
        "A: current settings", f"B: {cmp.reference.label}", "true direction"]
    assert f"A: reconstructed alt {s.result.geometry.alt:.3f}°" in sky.info.text()
    assert f"reconstructed alt {cmp.result_b.geometry.alt:.3f}°" in sky.info.text()
    cmp.stop()
    qtbot.waitUntil(lambda: "◆ B" not in sky.info.text())
    assert not sky.legend.isVisible() and len(sky.reco_b.getData()[0]) == 0
    assert "A: reconstructed" not in sky.info.text()  # as before comparing


def test_switching_events_never_shows_b_of_another_event(qtbot, window):
    w = window
    s, cv = w.session, w.camera_view
    cmp = _edited(qtbot, w)
    w.display.update(quantity="charge")
    cv.set_compare_mode("B − A")
    shown = []

    def check():
        if s.array_event is None:  # (the window closing at the end)
            return
        rb = cmp.result_b
        shown.append((s.event_index, None if rb is None else rb.index))
        assert rb is None or (rb.index == s.event_index
                              and rb.event_id == s.array_event.event_id)
        if cv.compared is not None:
            tel = s.selected_tel
            assert rb is not None and s.result is not None
            np.testing.assert_array_equal(
                cv.compared.values, np.asarray(rb.tel[tel].image, dtype=np.float64)
                - np.asarray(s.result.tel[tel].image, dtype=np.float64))

    cmp.result_changed.connect(check)
    s.event_changed.connect(check)
    s.result_changed.connect(check)
    old = cmp.result_b
    for i in (1, 2, 3, 0, 2):
        s.go_to(i)
        check()
        assert cmp.result_b is None or cmp.result_b.index == i
    qtbot.waitUntil(lambda: s.result is not None and cmp.result_b is not None
                    and s.event_index == 2, timeout=60000)
    # B's result of event 0, arriving late: kept for event 0, never shown for event 2
    cmp.state.add_result(0, old, cmp.state.generation, s.source)
    assert cmp.result_b.index == 2
    check()
    rb = _direct(w, cmp.config)
    tel = s.selected_tel
    np.testing.assert_array_equal(cmp.result_b.tel[tel].image, rb.tel[tel].image)
    assert any(b is None for _, b in shown)  # B was being processed while shown
    # a new B drops every result: the camera waits for B again
    cmp.snapshot()
    assert cmp.result_b is None
    assert cv.compared is None and "being processed" in cv.title.text
    qtbot.waitUntil(lambda: cmp.result_b is not None, timeout=60000)
    assert cv.compared is not None
    np.testing.assert_array_equal(cv.compared.values, 0.0)  # B is now A's settings


def test_compare_with_a_saved_toml_and_a_bad_one(qtbot, window, tmp_path, monkeypatch):
    from ctaviewer.app.qt import QtWidgets

    w = window
    s, panel = w.session, w.processing_panel
    cmp = s.comparison
    good = tmp_path / "loose.toml"
    good.write_text("[cleaning]\npicture_threshold = 5.0\nboundary_threshold = 2.5\n")
    # Tools ▸ Compare with settings… (the button's dialog): a file chosen there is B
    dialog = panel.compare_dialog()
    assert dialog.isVisible() and not cmp.active  # the window runs on behind it
    dialog.fileSelected.emit(str(good))
    dialog.close()
    assert cmp.active
    assert cmp.reference.label == "loose.toml"
    assert f"B: saved settings {good}" in panel.compare_text.text()
    qtbot.waitUntil(lambda: cmp.result_b is not None, timeout=60000)
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning",
                        lambda parent, title, text: shown.append((title, text)))
    bad = tmp_path / "bad.toml"
    bad.write_text("[cleaning]\npicture_threshold = 'high'\n")
    before, result = cmp.reference, cmp.result_b
    assert not panel.compare_with(bad)
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Cannot compare with these settings"
    assert str(bad) in text and "picture_threshold" in text
    assert cmp.reference is before and cmp.result_b is result  # the B before stays
    assert not panel.compare_with(tmp_path / "missing.toml")
    assert "missing.toml" in shown[-1][1] and cmp.reference is before
    panel.stop_compare_button.click()
    assert not cmp.active and "Not comparing" in panel.compare_text.text()
    assert w.camera_view.compare_box.isHidden()


def test_the_built_in_array_is_compared_in_a_worker_thread(qtbot, make_window, tmp_path):
    """A source this process reads (the built-in array): B is processed by the worker pool
    here, with a pipeline of its own, and B − A is still the plain difference."""
    w = make_window(restore=False)
    assert w.open_path(None)
    s, cv = w.session, w.camera_view
    qtbot.waitUntil(lambda: s.result is not None, timeout=60000)
    w.display.update(quantity="charge")
    desc = s.source.subarray.tels[s.selected_tel]
    assert cv.title.text == f"Tel {s.selected_tel} · {desc.type_name}"  # no "· A"
    path = tmp_path / "wide.toml"
    path.write_text("[extractor]\nname = \"neighbor_peak\"\nwindow_width = 9\n"
                    "window_shift = 4\n")
    assert w.processing_panel.compare_with(path)
    cmp = s.comparison
    qtbot.waitUntil(lambda: cmp.result_b is not None, timeout=60000)
    cv.set_compare_mode("B − A")
    tel = s.selected_tel
    a, b = _direct(w, s.config).tel[tel].image, _direct(w, cmp.config).tel[tel].image
    np.testing.assert_array_equal(cv.compared.values,
                                  np.asarray(b, np.float64) - np.asarray(a, np.float64))
    assert np.any(cv.compared.values != 0)
    cmp.stop()
    assert cv.compared is None and cv.title.text.count("·") == 1  # as before comparing


def test_the_tools_menu_reaches_the_comparison(qtbot, window):
    """Tools ▸ Keep current settings as B, Show A, B or B − A (cycling), Stop comparing."""
    w = window
    cv, cmp = w.camera_view, w.session.comparison
    w.display.update(quantity="charge")
    acts = w.actions_by_id
    acts["tools.compare_cycle"].trigger()  # not comparing: said, nothing changes
    assert "Not comparing" in w.statusBar().currentMessage() and cv.shown_mode == "A"
    acts["tools.compare_keep"].trigger()
    assert cmp.active and w.docks["processing"].isVisible()
    qtbot.waitUntil(lambda: cmp.result_b is not None, timeout=60000)
    shown = []
    for _ in range(3):
        acts["tools.compare_cycle"].trigger()
        shown.append(cv.shown_mode)
    assert shown == ["B", "B − A", "A"]
    assert cv.compare_box.currentText() == "A"
    acts["tools.compare_stop"].trigger()
    assert not cmp.active and cv.compare_box.isHidden()
