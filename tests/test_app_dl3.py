"""The DL3 browser window: opens the H.E.S.S. DR1 folder (in the worker thread) and our own
DL3, shows gammapy's numbers, filters and sorts events, draws the counts map, θ² and IRFs,
is reached through the main window's Open, says clearly what is wrong with a bad input, and
opens a DL3 event of ours in the main window."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import data_dir, simtel
from .test_dl3_read import HESS, make_own_dl3

pytestmark = pytest.mark.gui


@pytest.fixture
def browser(qtbot, isolated_settings):
    from ctaviewer.app.dl3.window import DL3Browser
    from ctaviewer.app.main import make_application

    make_application()
    w = DL3Browser()
    qtbot.addWidget(w)
    w.show()
    return w


def hess():
    folder = data_dir() / HESS
    if not any(folder.glob("*.fits*")):
        pytest.skip(f"no H.E.S.S. DR1 runs in {folder}")
    return folder


def _open(qtbot, w, path):
    with qtbot.waitSignal(w.run_shown, timeout=60000):
        w.open(path)
    assert w.last_error is None


def test_the_browser_shows_the_hess_runs_with_gammapys_numbers(qtbot, browser):
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    from gammapy.data import DataStore

    from ctaviewer.app.qt import QtCore

    folder = hess()
    _open(qtbot, browser, folder)
    store = DataStore.from_events_files([str(p) for p in sorted(folder.glob("*.fits*"))])
    rows = browser.obs_table_rows()
    assert [int(r["OBS_ID"]) for r in rows] == sorted(store.obs_table["OBS_ID"])
    for row in rows:
        obs = store.obs(int(row["OBS_ID"]), required_irf=[])
        assert int(row["events"]) == len(obs.events.table)
        assert float(row["livetime (s)"]) == pytest.approx(
            obs.observation_live_time_duration.to_value("s"), abs=0.05)
        assert row["object"] == "Crab Nebula"
        assert row["IRFs"] == "aeff, psf, edisp, bkg"
    first = browser.current[1]
    assert browser.event_model.rowCount() == len(first) == int(rows[0]["events"])
    assert "4 observation(s), 30129 events" in browser.summary.text()

    # sorted by a number column, numerically
    browser.obs_table.sortByColumn(5, QtCore.Qt.DescendingOrder)  # events
    events = [int(r["events"]) for r in browser.obs_table_rows()]
    assert events == sorted(events, reverse=True)
    browser.obs_table.sortByColumn(0, QtCore.Qt.AscendingOrder)
    from ctaviewer.app.dl3.window import SORT_ROLE, NumberItem

    nine, ten = NumberItem("9"), NumberItem("10")
    nine.setData(SORT_ROLE, 9.0)
    ten.setData(SORT_ROLE, 10.0)
    assert nine < ten and not ten < nine  # as numbers, not as text
    # another run, selected in the table
    with qtbot.waitSignal(browser.run_shown, timeout=60000):
        browser.obs_table.selectRow(2)
    assert browser.current[0].obs_id == int(rows[2]["OBS_ID"])
    assert browser.event_model.rowCount() == int(rows[2]["events"])


def test_events_filter_and_sort(qtbot, browser):
    from ctaviewer.app.qt import QtCore

    Qt = QtCore.Qt  # noqa: N806 (Qt's name)
    _open(qtbot, browser, hess())
    m = browser.event_model
    ev = browser.current[1]
    browser.filter_edit.setText("energy > 1 and offset < 1.5")
    browser.apply_filter()
    expected = int(((ev.energy > 1) & (ev.offset_deg() < 1.5)).sum())
    assert m.rowCount() == expected > 0
    assert browser.filter_message.text() == f"{expected} of {len(ev)} events"
    energy_col = [h[0] for h in m.headers].index("energy")
    m.sort(energy_col, Qt.DescendingOrder)
    shown = [float(m.data(m.index(r, energy_col))) for r in range(5)]
    assert shown == sorted(shown, reverse=True)
    assert m.event_at(0)["energy"] == pytest.approx(ev.energy[(ev.energy > 1)
                                                              & (ev.offset_deg() < 1.5)].max())
    browser.filter_edit.setText("energy >")  # an error: said, the filter kept
    browser.apply_filter()
    assert m.rowCount() == expected
    assert "expression" in browser.filter_message.text().lower()
    browser.filter_edit.setText("")
    browser.apply_filter()
    assert m.rowCount() == len(ev)


def test_counts_map_theta2_and_irf_plots(qtbot, browser, tmp_path):
    _open(qtbot, browser, hess())
    ev = browser.current[1]
    cmap = browser.sky_view.cmap
    assert cmap.data.sum() == cmap.n_inside > 0.8 * len(ev)
    assert f"{cmap.n_inside} of {len(ev)} events" in browser.sky_view.caption.text()
    labels = [i for i in browser.sky_view.overlay_items() if hasattr(i, "textItem")]
    assert len(labels) >= 4  # RA and Dec grid labels
    # θ² around the Crab (the target of the runs), reflected OFF regions
    assert (browser.t2_ra.value(), browser.t2_dec.value()) == pytest.approx(ev.target, abs=1e-4)
    with qtbot.waitSignal(browser.theta2_done, timeout=60000):
        browser.update_theta2()
    r = browser.theta2_view.result
    assert r is not None and r.n_on > 500 and len(r.runs) == 4
    text = browser.theta2_view.summary.text()
    assert f"= {r.n_on}," in text and "Li &amp; Ma" in text
    # the counts map shows the ON and OFF circles of the run
    circles = [i for i in browser.sky_view.overlay_items()
               if type(i).__name__ == "PlotCurveItem"]
    assert len(circles) >= 12 + 3  # 1 ON, 11 OFF and the grid lines
    # IRF plots: every plot has curves (the dispersion image has pixels)
    shown = browser.irf_view.shown
    assert all(shown[k] > 0 for k in ("aeff_e", "aeff_off", "psf", "edisp", "bkg", "extra"))
    for i in range(browser.tabs.count()):
        browser.tabs.setCurrentIndex(i)
        qtbot.wait(10)
        path = tmp_path / f"tab{i}.png"
        assert browser.grab().save(str(path))
        assert path.stat().st_size > 10000


def test_an_irf_file_alone_shows_its_irfs(qtbot, browser):
    files = sorted((data_dir() / "dl3-reference" / "prod5-irfs").glob("*.fits*"))
    if not files:
        pytest.skip("no prod5 IRF files")
    _open(qtbot, browser, files[0])
    assert browser.obs_table_rows()[0]["events"] == "no EVENTS"
    assert browser.tabs.currentWidget() is browser.irf_view
    assert not browser.tabs.isTabEnabled(1)
    assert browser.irf_view.shown["psf"] > 0 and "PSF_3GAUSS" in (
        browser.irf_view.plots["psf"].titleLabel.text)


def test_point_like_irfs_show_rad_max_and_say_what_is_missing(qtbot, browser, tmp_path):
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    own = make_own_dl3(tmp_path / "point", point_like=True)
    _open(qtbot, browser, own["dl3"])
    view = browser.irf_view
    assert "(point-like)" in view.caption.text()
    assert view.shown["extra"] > 0 and "RAD_MAX_2D" in view.plots["extra"].titleLabel.text
    assert view.shown["psf"] == 0
    assert view.plots["psf"].titleLabel.text.endswith("not in this run")
    # the simulation is an on-axis source: θ² around it has no OFF region, and says so
    with qtbot.waitSignal(browser.theta2_done, timeout=60000):
        browser.update_theta2()
    assert browser.theta2_view.result is None
    assert "covers the pointing" in browser.theta2_view.summary.text()


def test_bad_inputs_give_an_error_dialog(qtbot, browser, tmp_path):
    from astropy.io import fits
    from astropy.table import Table

    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    table = tmp_path / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(Table({"A": [1]}), name="DATA")]
                 ).writeto(table)
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, cause in ((text, "not a FITS file"), (table, "no GADF EVENTS or IRF HDU"),
                        (empty, "the folder is empty")):
        browser.last_error = None
        browser.open(path)
        qtbot.waitUntil(lambda: browser.last_error is not None, timeout=30000)
        title, message = browser.last_error
        assert title == "Cannot open DL3 data"
        assert str(path) in message and cause in message
        assert "Traceback" not in message


def test_the_main_window_routes_dl3_to_the_browser(qtbot, make_window, tmp_path):
    w = make_window()
    assert "file.open_dl3" in w.actions_by_id
    w.open_path(str(hess()))
    browser = w.dl3_browser
    qtbot.waitUntil(lambda: browser.index is not None and not browser.busy, timeout=60000)
    assert len(browser.obs_table_rows()) == 4 and browser.isVisible()
    # one run file, as File > Open or a drop gives it: the same browser, that run
    run_file = sorted(hess().glob("*.fits*"))[1]
    w.open_path(str(run_file))
    qtbot.waitUntil(lambda: browser.index is not None and browser.index.how == "file"
                    and not browser.busy, timeout=60000)
    assert [r["OBS_ID"] for r in browser.obs_table_rows()] == ["23526"]
    assert w.session.path is None  # the event views were not asked to read it
    # an empty folder: the browser's error, not "no reader recognises this file"
    empty = tmp_path / "empty"
    empty.mkdir()
    w.open_path(str(empty))
    qtbot.waitUntil(lambda: browser.last_error is not None, timeout=30000)
    assert "the folder is empty" in browser.last_error[1]


def test_a_dl3_event_of_ours_opens_in_the_main_window(qtbot, make_window, tmp_path):
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    own = make_own_dl3(tmp_path / "own")
    w = make_window()
    w.open_path(str(own["dl3"]))
    browser = w.dl3_browser
    qtbot.waitUntil(lambda: browser.current is not None and not browser.busy, timeout=60000)
    m = browser.event_model
    assert m.rowCount() > 0
    event_id = int(m.event_at(3)["event_id"])
    assert browser.open_event(3)
    # shown from the sim_telarray file the DL2 file was made from (it is at hand)
    source = str(simtel("gamma_70sst1m.simtel.zst").resolve())
    qtbot.waitUntil(lambda: w.session.path == source
                    and w.session.array_event is not None
                    and w.session.array_event.event_id == event_id, timeout=60000)
    # the same file open: straight to another event
    other = int(m.event_at(0)["event_id"])
    assert browser.open_event(0)
    qtbot.waitUntil(lambda: w.session.array_event.event_id == other, timeout=60000)


def test_a_hess_event_says_why_it_cannot_be_shown(qtbot, make_window):
    w = make_window()
    w.open_path(str(hess()))
    browser = w.dl3_browser
    qtbot.waitUntil(lambda: browser.current is not None and not browser.busy, timeout=60000)
    assert not browser.open_event(0)
    assert "DL2_FILE" in browser.statusBar().currentMessage()
    assert np.isfinite(browser.current[1].livetime_s)


def test_started_on_dl3_the_browser_alone_and_recent(qtbot, isolated_settings, tmp_path):
    """``ctaviewer FOLDER`` shows the DL3 browser, not an empty event window behind it; the
    folder joins the recent files; an event opened from the browser shows the main window."""
    pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    from ctaviewer.app import settings as app_settings
    from ctaviewer.app.main import make_application, open_main_window

    make_application()
    own = make_own_dl3(tmp_path / "own")
    w = open_main_window(str(own["dl3"]), show_tour=False)
    qtbot.addWidget(w)
    browser = w.dl3_browser
    qtbot.waitUntil(lambda: browser.current is not None and not browser.busy, timeout=60000)
    assert browser.isVisible() and not w.isVisible()
    recent = app_settings.recent_files()
    assert recent and recent[0] == str(browser.index.path)
    assert w.recent_menu.actions()  # the menu lists it
    event_id = int(browser.event_model.event_at(1)["event_id"])
    assert browser.open_event(1)
    qtbot.waitUntil(lambda: w.isVisible() and w.session.array_event is not None
                    and w.session.array_event.event_id == event_id, timeout=60000)
    browser.close()
    w.close()
