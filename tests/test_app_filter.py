"""The event-list filter in the window: hostile expressions are refused next to the field,
filtering runs over the whole list at once (numpy), never row by row on the GUI thread."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.models import event_filter  # noqa: E402
from ctaviewer.app.qt import QtCore  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def window(make_window, qtbot, simtel_file):
    w = make_window(restore=False)
    assert w.open_path(simtel_file("gamma_70sst1m.simtel.zst"))
    qtbot.waitUntil(lambda: w.session.array_event is not None, timeout=30000)
    return w


def type_filter(qtbot, window, text):
    edit = window.event_table.filter_edit
    edit.clear()
    edit.setText(text)  # keyClicks of 2000 characters would take long
    qtbot.keyClick(edit, QtCore.Qt.Key_Return)


@pytest.mark.parametrize("text,words", [
    ("9**9**9 > 0", "exponent of **"),
    ("'a'*10**9 == 'b'", "text"),
    ("not " * 450 + "n_tel > 1", "nested too deeply"),
    ("not " * 1000 + "n_tel > 1", "too long"),
    ("__import__('os').system('true') == 0", "not allowed"),
    ("n_tel >", "syntax error"),
    ("foo > 1", "unknown column 'foo'"),
])
def test_hostile_filter_is_refused_next_to_the_field(window, qtbot, text, words):
    table = window.event_table
    type_filter(qtbot, window, "n_tel >= 4")
    kept = table.visible_indices()
    type_filter(qtbot, window, text)
    status = table.status.text()
    assert status.startswith("Filter: ") and words in status
    assert "Traceback" not in status and "filter:" not in status  # no doubled field name
    assert "#fdd" in table.filter_edit.styleSheet()  # the field turns red
    assert table.visible_indices() == kept  # the list keeps the last good filter
    assert not hasattr(window, "last_error")
    type_filter(qtbot, window, "n_tel >= 2")
    assert table.filter_edit.styleSheet() == ""


def test_filter_is_evaluated_over_the_whole_list_at_once(window, qtbot, monkeypatch):
    """Applying a filter evaluates it once over all rows (numpy), not once per row; a row
    whose reconstructed columns arrive is evaluated alone."""
    s, table = window.session, window.event_table
    if s.can_process:  # the shown event and the one read ahead processed: a quiet list
        qtbot.waitUntil(lambda: 0 in s.results and 1 in s.results, timeout=60000)
    calls = {"mask": 0, "accepts": []}
    mask, accepts = event_filter.EventFilter.mask, event_filter.EventFilter.accepts

    def counted_mask(self, rows):
        calls["mask"] += 1
        return mask(self, rows)

    def counted_accepts(self, row):
        calls["accepts"].append(row["index"])
        return accepts(self, row)

    monkeypatch.setattr(event_filter.EventFilter, "mask", counted_mask)
    monkeypatch.setattr(event_filter.EventFilter, "accepts", counted_accepts)
    type_filter(qtbot, window, "n_tel >= 3 and energy > 0.5")
    assert calls == {"mask": 1, "accepts": []}
    expected = [r["index"] for r in s.rows if r["n_tel"] >= 3 and r["energy"] > 0.5]
    assert sorted(table.visible_indices()) == expected

    # a row changes (its event processed): only that row is evaluated again
    type_filter(qtbot, window, "n_tel_reco >= 2")
    assert table.visible_indices() == [r["index"] for r in s.rows
                                       if r.get("n_tel_reco", 0) >= 2]
    calls.update(mask=0, accepts=[])
    row = s.rows[5]
    row.update(n_tel_reco=3, reco_alt=70.0, reco_az=0.0, reco_energy=1.0)
    s.row_changed.emit(5)
    assert calls == {"mask": 0, "accepts": [5]}
    assert 5 in table.visible_indices()


@pytest.mark.parametrize("text,words", [
    ("not " * 450 + "hillas_intensity > 50", "nested too deeply"),
    ("hillas_intensity ** hillas_width > 1", "exponent of **"),
    ("'a' * 10**9 == 'b'", "text"),
    ("hillas_intensity // 2 > 1", "comparisons &lt; &lt;= &gt; &gt;="),  # shown, not markup
])
def test_hostile_quality_query_is_refused_in_the_processing_panel(window, text, words):
    """The quality query is the same language: the panel says what is wrong (it raised
    RecursionError for deep nesting) and keeps the settings in use."""
    s, panel = window.session, window.processing_panel
    if s.config is None:
        pytest.skip("processing chain not installed")
    before = s.config
    panel.set_value("quality", "query", text)
    panel.apply()
    assert "quality.query" in panel.message.text() and words in panel.message.text()
    assert s.config is before
