"""Go to an event id or #position, next/previous through the filter, bookmarks (pytest-qt)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore, QtWidgets  # noqa: E402

from .conftest import partly_indexed, simtel  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")


def open_and_wait(qtbot, window, path, timeout=20000):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.session.array_event is not None, timeout=timeout)


def ok_button(dialog):
    box = dialog.findChild(QtWidgets.QDialogButtonBox)
    return box.button(QtWidgets.QDialogButtonBox.Ok)


def test_go_to_by_event_id_and_by_position(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, simtel("gamma_70sst1m.simtel.zst"))
    s = window.session
    rows = s.rows
    # ids are not positions here (301, 303, 501, ...): going to an id is no index lookup
    target = 19
    event_id = rows[target]["event_id"]
    assert event_id >= len(rows)
    window.actions_by_id["event.goto"].trigger()
    dialog = window.goto_dialog
    assert dialog.isVisible() and "#0–#30" in dialog.label.text()
    dialog.edit.setText(str(event_id))
    qtbot.mouseClick(ok_button(dialog), QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: s.event_index == target)
    assert s.array_event.event_id == event_id and not dialog.isVisible()
    assert f"id {event_id}" in window.event_label.text()
    # "#index": the position in the file
    window.go_to_dialog()
    assert dialog.edit.text() == str(event_id)  # starts from the event shown
    assert dialog.go("#3")
    qtbot.waitUntil(lambda: s.event_index == 3)
    assert s.array_event.event_id == rows[3]["event_id"] != 3


def test_an_unknown_id_says_so_and_stays_on_the_event(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, simtel("gamma_70sst1m.simtel.zst"))
    s = window.session
    s.go_to(7)
    shown = s.array_event
    dialog = window.go_to_dialog()
    ids = {r["event_id"] for r in s.rows}
    missing = max(ids) + 1
    assert not dialog.go(str(missing))
    qtbot.wait(50)
    assert s.event_index == 7 and s.array_event is shown and dialog.isVisible()
    assert dialog.message.text() == (f"Event id {missing} is not in this file (31 events, "
                                     f"ids {min(ids)}–{max(ids)})")
    assert not dialog.go("#31")
    assert "There is no event #31: the file has 31 events (#0–#30)" in dialog.message.text()
    assert not dialog.go("12a")
    assert "whole number" in dialog.message.text()
    assert s.event_index == 7
    dialog.reject()


def test_an_id_not_indexed_yet_is_waited_for(qtbot, make_window):
    """A file still being indexed (the built-in array listed in part, as the progressive
    index does): an id beyond the rows waits and is shown when the rows bring it; an id
    the whole index lacks is said."""
    window = make_window()
    s, state, rows = partly_indexed(window)
    wanted = rows[4]["event_id"]
    dialog = window.go_to_dialog()
    assert "so far, the file is being indexed" in dialog.label.text()
    assert dialog.go(str(wanted))
    assert s.event_index == 0 and state.waiting_for_id == wanted
    assert (f"Waiting for event id {wanted} to be indexed (2 events indexed so far)"
            in state.busy_text)
    s._index_rows.emit(state.source, 2, rows[2:4])  # as the index follower does
    qtbot.wait(10)
    assert s.event_index == 0 and "(4 events indexed so far)" in state.busy_text
    s._index_rows.emit(state.source, 4, rows[4:])
    qtbot.waitUntil(lambda: s.event_index == 4)
    assert state.waiting_for_id is None and s.array_event.event_id == wanted
    # an id the index never finds: an error once it ends, the event shown stays
    assert dialog.go(str(max(r["event_id"] for r in rows) + 1))
    s._index_end.emit(state.source, [], None)
    qtbot.waitUntil(lambda: not s.indexing)
    assert s.event_index == 4 and window.last_error[0] == "Event not found"
    assert "is not in the built-in simulated array (all" in window.last_error[1]


def test_next_and_previous_skip_what_the_filter_hides(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, simtel("gamma_70sst1m.simtel.zst"))
    s = window.session
    window.event_table.apply_filter("event_id % 2 == 1 and n_tel >= 3")
    kept = [r["index"] for r in s.rows if r["event_id"] % 2 == 1 and r["n_tel"] >= 3]
    assert 3 <= len(kept) < len(s.rows) - 3
    assert any(b - a > 1 for a, b in zip(kept, kept[1:]))  # events hidden between them
    s.go_to(kept[0])
    seen = [s.event_index]
    for _ in range(len(kept)):  # one more step than there are: stays on the last
        window.actions_by_id["event.next"].trigger()
        qtbot.waitUntil(lambda: s.going_to == s.event_index)
        seen.append(s.event_index)
    assert seen == kept + [kept[-1]]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    for expected in reversed(kept[:-1]):  # the keys of the Event menu
        qtbot.keyClick(window.camera_view, QtCore.Qt.Key_Left)
        qtbot.waitUntil(lambda e=expected: s.event_index == e)
    qtbot.keyClick(window.camera_view, QtCore.Qt.Key_P)
    assert s.event_index == kept[0]
    qtbot.keyClick(window.camera_view, QtCore.Qt.Key_N)
    assert s.event_index == kept[1]


def test_the_shortcut_sheet_lists_the_new_keys(qtbot, make_window):
    from ctaviewer.app.shortcuts import shortcut_rows

    rows = {title: keys for _, title, keys in shortcut_rows(make_window())}
    assert rows["Go to event"] == ["Ctrl+G"]
    assert rows["Toggle bookmark"] == ["Ctrl+B"] and rows["Bookmarks"] == ["Ctrl+Shift+B"]


def test_bookmarks_toggle_list_jump_and_come_back_with_the_file(qtbot, make_window):
    path = simtel("gamma_70sst1m.simtel.zst")
    window = make_window()
    open_and_wait(qtbot, window, path)
    s = window.session
    toggle = window.actions_by_id["event.bookmark"]
    for index in (12, 5, 20):
        s.go_to(index)
        toggle.trigger()
    assert "★ bookmarked" in window.event_label.text()
    s.go_to(20)
    toggle.trigger()  # removes it again
    assert "★" not in window.event_label.text()
    window.actions_by_id["event.bookmarks"].trigger()
    qtbot.waitUntil(lambda: window.docks["bookmarks"].isVisible())
    blist = window.bookmark_list
    texts = [blist.list.item(k).text() for k in range(blist.list.count())]
    ids = {k: s.rows[k]["event_id"] for k in (5, 12)}
    assert [t.split(" · ")[:2] for t in texts] == [["#5", f"id {ids[5]}"],
                                                   ["#12", f"id {ids[12]}"]]
    item = blist.list.item(1)
    rect = blist.list.visualItemRect(item)
    qtbot.mouseClick(blist.list.viewport(), QtCore.Qt.LeftButton, pos=rect.center())
    assert s.event_index == 20  # a click selects, the double-click shows it
    qtbot.mouseDClick(blist.list.viewport(), QtCore.Qt.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: s.event_index == 12)
    assert blist.list.item(1).text().startswith("▶ #12")
    window.close()

    # the same file in a new window (same settings): the bookmarks are back
    again = make_window()
    open_and_wait(qtbot, again, path)
    qtbot.waitUntil(lambda: again.bookmark_list.list.count() == 2)
    assert [b.index for b, _ in again.bookmarks.entries()] == [5, 12]
    again.bookmark_list.go_to_row(0)
    qtbot.waitUntil(lambda: again.session.event_index == 5)
    assert again.session.array_event.event_id == ids[5]
    assert "★ bookmarked" in again.event_label.text()
    # another file has its own (none); the built-in array keeps none
    assert again.open_path(simtel("gamma_4lst.simtel.zst"))
    qtbot.waitUntil(lambda: "gamma_4lst" in (again.session.path or "")
                    and again.session.array_event is not None, timeout=20000)
    assert again.bookmark_list.list.count() == 0
    assert again.bookmarks.toggle_current() is True
    again.open_path(None, synchronous=True)
    assert again.bookmarks.toggle_current() is None and again.bookmark_list.list.count() == 0
