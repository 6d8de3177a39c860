"""The whole-file event table in the window: every event processed in the background (a
process of its own), the event list sorted and filtered on its new columns, exported,
cached for the next opening, cancelled without a trace, marked stale by new settings."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore  # noqa: E402
from ctaviewer.app.views.event_table import HEADERS  # noqa: E402

from .test_file_table import direct_values  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")
FILE = "gamma_70sst1m.simtel.zst"
KEYS = [key for key, _, _ in HEADERS]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CTAVIEWER_CACHE_DIR", str(folder))
    return folder / "tables"


def _open(qtbot, window, path):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.session.array_event is not None
                    and window.session.path == str(path) and not window.session.indexing,
                    timeout=60000)
    if window.session.config is None:
        pytest.skip("processing chain not installed")


def _process_whole(qtbot, window, timeout=120000):
    ft = window.file_table
    assert ft.start()
    assert window.table_progress.isVisible() or not ft.running
    qtbot.waitUntil(lambda: not ft.running, timeout=timeout)
    assert ft.table is not None, ft.status
    return ft


@pytest.fixture
def window(make_window, qtbot, simtel_file, cache):
    w = make_window(restore=False)
    _open(qtbot, w, simtel_file(FILE))
    return w


def test_sorting_by_a_reco_column_of_a_file_never_browsed(window, qtbot, simtel_file):
    s, table = window.session, window.event_table
    assert s.event_index == 0 and len(s.results) <= 2  # only the first events processed
    ft = _process_whole(qtbot, window)
    assert "31 events processed" in table.status.text()
    assert not window.table_progress.isVisible()
    direct = direct_values(simtel_file(FILE), s.config)
    ids = [r["event_id"] for r in s.rows]
    table.view.sortByColumn(KEYS.index("reco_alt"), QtCore.Qt.DescendingOrder)
    shown = table.visible_indices()
    alts = [direct[ids[i]]["reco_alt"] for i in shown]
    known = [a for a in alts if not math.isnan(a)]
    assert len(known) >= 10 and known == sorted(known, reverse=True)
    assert all(math.isnan(a) for a in alts[len(known):])  # unknown last
    # what the cells say is what the pipeline computed, for events never visited
    model, proxy = table.model, table.proxy
    column = KEYS.index("reco_alt")
    first = proxy.index(0, column)
    assert proxy.data(first) == f"{known[0]:.2f}"
    assert model.columns.from_table(shown[0]) or shown[0] in s.results
    # ascending by the angular error (a column the table alone fills), NaN still last
    table.view.sortByColumn(KEYS.index("ang_error"), QtCore.Qt.AscendingOrder)
    errors = [direct[ids[i]]["ang_error"] for i in table.visible_indices()]
    known = [e for e in errors if not math.isnan(e)]
    assert known == sorted(known) and all(math.isnan(e) for e in errors[len(known):])
    assert ft.table.has_estimators is False


def test_filter_on_a_new_column(window, qtbot, simtel_file):
    s, table = window.session, window.event_table
    _process_whole(qtbot, window)
    direct = direct_values(simtel_file(FILE), s.config)
    table.apply_filter("ang_error < 0.2 and true_impact > 500")
    want = []
    for i, row in enumerate(s.rows):
        d = direct[row["event_id"]]
        impact = float(np.hypot(*window.file_table.table.columns["true_core_x"][[i]],
                                *window.file_table.table.columns["true_core_y"][[i]]))
        if d["ang_error"] < 0.2 and impact > 500:
            want.append(i)
    assert 0 < len(want) < 31
    assert sorted(table.visible_indices()) == want
    assert table.status.text().startswith(f"{len(want)} of 31 events shown")
    table.apply_filter("intensity > 1000")
    assert all(table.model.columns.value("intensity", i) > 1000
               for i in table.visible_indices())
    table.apply_filter("primary_id == 101")  # a gamma file: no protons
    assert table.visible_indices() == []
    # stepping follows the filter
    table.apply_filter("ang_error < 0.2")
    kept = table.visible_indices()
    window.step(+1)
    qtbot.waitUntil(lambda: s.event_index == min(i for i in kept if i > 0), timeout=30000)


def test_export_round_trip_with_units(window, qtbot, tmp_path):
    from astropy.table import Table

    table = window.event_table
    _process_whole(qtbot, window)
    table.apply_filter("n_tel_reco >= 2")
    table.view.sortByColumn(KEYS.index("energy"), QtCore.Qt.DescendingOrder)
    shown = table.visible_indices()
    back = Table.read(table.export(str(tmp_path / "events.ecsv")), format="ascii.ecsv")
    assert list(back["index"]) == shown
    assert str(back["energy"].unit) == "TeV" and str(back["ang_error"].unit) == "deg"
    assert str(back["h_max"].unit) == "m"
    cols = table.model.columns
    assert np.allclose(back["reco_alt"], cols["reco_alt"][shown], equal_nan=True)
    assert np.allclose(back["intensity"], cols["intensity"][shown], equal_nan=True)
    assert set(back["primary"]) == {"gamma"}
    csv = Table.read(table.export(str(tmp_path / "events.csv")), format="ascii.csv")
    assert list(csv["index"]) == shown
    assert np.allclose(csv["ang_error [deg]"], cols["ang_error"][shown], equal_nan=True)


def test_cache_hit_after_reopening(window, qtbot, simtel_file, cache):
    ft = window.file_table
    _process_whole(qtbot, window)
    assert len(os.listdir(cache)) == 1
    first = ft.table.columns["reco_alt"].copy()
    window.open_path(None)  # another source
    qtbot.waitUntil(lambda: window.session.path is None, timeout=30000)
    assert ft.table is None
    started = []
    original = ft.start
    ft.start = lambda: started.append(1) or original()
    _open(qtbot, window, simtel_file(FILE))
    qtbot.waitUntil(lambda: ft.table is not None, timeout=30000)
    assert not started and not ft.running  # nothing processed: read from the cache
    assert "from the cache" in window.event_table.status.text()
    assert np.array_equal(ft.table.columns["reco_alt"], first, equal_nan=True)
    assert np.isfinite(window.event_table.model.columns["true_x_max"]).all()


def test_cancel_leaves_no_partial_cache_file(window, qtbot, cache):
    ft = window.file_table
    assert ft.start()
    qtbot.waitUntil(lambda: window.table_progress.isVisible(), timeout=5000)
    # the run is writing its output (under a temporary name) when it is cancelled
    qtbot.waitUntil(lambda: cache.exists() and bool(os.listdir(cache)), timeout=60000)
    assert ft.running and ft.table is None
    window.table_progress.cancel_button.click()
    assert not ft.running and ft.table is None
    assert "cancelled" in window.event_table.status.text()
    assert not window.table_progress.isVisible()
    listed = os.listdir(cache) if cache.exists() else []
    assert listed == []  # neither the table nor a temporary
    assert window.event_table.model.rowCount() == 31  # the list as it was


def test_new_settings_mark_the_table_stale(window, qtbot):
    s, table, ft = window.session, window.event_table, window.file_table
    _process_whole(qtbot, window)
    row = next(i for i in range(31) if i not in s.results
               and np.isfinite(table.model.columns.value("reco_alt", i)))
    s.set_config(s.config.replace(cleaning__picture_threshold=8.0))
    assert ft.stale and table.model.stale
    assert table.whole_button.text() == "Reprocess"
    assert "other settings" in table.status.text()
    index = table.model.index(row, KEYS.index("reco_alt"))
    assert table.model.data(index, QtCore.Qt.ForegroundRole) is not None  # greyed
    assert "other processing settings" in table.model.data(index, QtCore.Qt.ToolTipRole)
    _process_whole(qtbot, window)  # reprocess with the new settings
    assert not ft.stale and table.whole_button.text() == "Whole file"
    assert table.model.data(index, QtCore.Qt.ForegroundRole) is None


def test_a_failed_run_keeps_the_list_and_says_why(make_window, qtbot, simtel_file, tmp_path,
                                                  cache):
    copy = tmp_path / "copy.simtel.zst"
    copy.write_bytes(simtel_file(FILE).read_bytes())
    w = make_window(restore=False)
    _open(qtbot, w, copy)
    copy.write_bytes(b"")  # the file is damaged after it was opened
    ft = w.file_table
    qtbot.waitUntil(lambda: w.session.result is not None, timeout=30000)
    before = [dict(r) for r in w.session.rows]
    assert ft.start()
    qtbot.waitUntil(lambda: not ft.running, timeout=60000)
    assert ft.table is None
    status = w.event_table.status.text()
    assert "failed" in status and str(copy) in status and "Traceback" not in status
    title, message = w.last_error
    assert title == "Whole-file processing failed" and str(copy) in message
    assert [r["event_id"] for r in w.session.rows] == [r["event_id"] for r in before]
    assert w.event_table.model.rowCount() == 31
    assert not (cache.exists() and os.listdir(cache))


@pytest.mark.filterwarnings("ignore:.*file is truncated")
def test_a_truncated_file_shows_the_events_before_its_end(make_window, qtbot, tmp_path,
                                                          cache):
    from .conftest import truncated_copy

    path = truncated_copy(tmp_path, FILE, 0.6)
    w = make_window(restore=False)
    _open(qtbot, w, path)
    ft = _process_whole(qtbot, w)
    assert len(ft.table) == w.session.n_events == 14
    status = w.event_table.status.text()
    assert "14 events processed" in status and "truncated" in status
    assert str(path) not in status  # the file is named in the window's title already
    assert np.isfinite(w.event_table.model.columns["true_x_max"]).all()


def test_estimators_fill_the_energy_and_gammaness_columns(window, qtbot, tmp_path):
    from ctaviewer.estimators.train import run_training

    s, table, ft = window.session, window.event_table, window.file_table
    _process_whole(qtbot, window)
    assert not np.isfinite(table.model.columns["reco_energy"]).any()
    estimators = tmp_path / "tables.h5"
    run_training([str(s.path)], [], estimators, s.config)
    ft.set_estimators(str(estimators))
    assert ft.stale and table.whole_button.text() == "Reprocess"
    _process_whole(qtbot, window)
    assert ft.table.has_estimators and not ft.stale
    energy = table.model.columns["reco_energy"]
    assert np.isfinite(energy).sum() >= 10
    table.show_column("gammaness")
    table.apply_filter("reco_energy > 0")
    assert len(table.visible_indices()) == np.isfinite(energy).sum()


def test_the_table_reads_the_events_and_telescopes_the_file_was_opened_with(
        make_window, qtbot, simtel_file, cache):
    from ctaviewer.io.selection import SourceSelection

    w = make_window(restore=False)
    assert w.open_path(simtel_file(FILE), selection=SourceSelection(None, 10))
    qtbot.waitUntil(lambda: w.session.array_event is not None and not w.session.indexing,
                    timeout=60000)
    if w.session.config is None:
        pytest.skip("processing chain not installed")
    ft = _process_whole(qtbot, w)
    assert len(ft.table) == w.session.n_events == 10
    assert np.array_equal(ft.table.event_id, [r["event_id"] for r in w.session.rows])
    w.open_path(simtel_file(FILE))  # all events: another table, not the cached one
    qtbot.waitUntil(lambda: w.session.n_events == 31 and not w.session.indexing,
                    timeout=60000)
    qtbot.wait(200)
    assert ft.table is None and not ft.running


def test_columns_chosen_in_the_header_menu_are_kept(make_window, qtbot):
    w = make_window(restore=False)
    table = w.event_table
    menu = table.column_menu()
    labels = [a.text() for a in menu.actions()]
    assert "Xmax true (g/cm²)" in labels and len(labels) == len(HEADERS)
    xmax = menu.actions()[KEYS.index("true_x_max")]
    assert not xmax.isChecked() and table.view.isColumnHidden(KEYS.index("true_x_max"))
    xmax.setChecked(True)
    assert not table.view.isColumnHidden(KEYS.index("true_x_max"))
    menu.actions()[KEYS.index("reco_az")].setChecked(False)
    again = make_window(restore=False).event_table  # the next window
    assert not again.view.isColumnHidden(KEYS.index("true_x_max"))
    assert again.view.isColumnHidden(KEYS.index("reco_az"))


def test_events_shown_get_their_truth_and_angular_error(window, qtbot, simtel_file):
    """Without a whole-file table, an event shown has its true direction, core, impact and
    Xmax in the list, and the angular error of its reconstruction."""
    from ctaviewer.coords import angular_separation

    s = window.session
    cols = window.event_table.model.columns
    for index in (0, 3):
        s.go_to(index)
        qtbot.waitUntil(lambda i=index: s.result is not None and s.event_index == i,
                        timeout=60000)
        sim, g = s.array_event.simulation, s.result.geometry
        qtbot.waitUntil(lambda i=index: np.isfinite(cols.value("true_alt", i)), timeout=10000)
        assert cols.value("true_alt", index) == pytest.approx(sim.alt)
        assert cols.value("true_x_max", index) == pytest.approx(sim.x_max)
        assert cols.value("true_impact", index) == pytest.approx(
            math.hypot(sim.core_x, sim.core_y))
        if g.is_valid:
            assert cols.value("ang_error", index) == pytest.approx(
                float(angular_separation(g.alt, g.az, sim.alt, sim.az)), abs=1e-9)
    assert not np.isfinite(cols.value("true_alt", 1))  # never shown: blank, not invented
