"""Going to an event id or #position, and bookmarks: the Qt-free part (service.goto)."""

from __future__ import annotations

import pytest

from ctaviewer.service.goto import Bookmark, Bookmarks, GoToRequest, parse_go_to, resolve_go_to

ROWS = [{"index": i, "event_id": e} for i, e in enumerate([101, 205, 309, 205, 412, 205])]


def test_parse_ids_and_positions():
    assert parse_go_to(" 1301 ") == GoToRequest("id", 1301)
    assert parse_go_to("#12") == GoToRequest("index", 12)
    assert parse_go_to("# 3") == GoToRequest("index", 3)
    for bad, said in (("", "Type an event id"), ("#", "Type an event id"),
                      ("abc", "not an event id"), ("#x", "not a position"),
                      ("-4", "not negative"), ("1.5", "whole number")):
        with pytest.raises(ValueError, match=said):
            parse_go_to(bad)


def test_resolve_ids_positions_and_what_is_missing():
    t = resolve_go_to(GoToRequest("id", 309), ROWS)
    assert (t.index, t.wait, t.found) == (2, False, True)
    assert resolve_go_to(GoToRequest("index", 4), ROWS).index == 4
    t = resolve_go_to(GoToRequest("id", 999), ROWS)
    assert t.index is None and not t.wait
    assert t.message == "Event id 999 is not in this file (6 events, ids 101–412)"
    t = resolve_go_to(GoToRequest("index", 6), ROWS)
    assert t.index is None and "no event #6: the file has 6 events (#0–#5)" in t.message
    # while the file is being indexed: waited for, and said so
    t = resolve_go_to(GoToRequest("index", 6), ROWS, indexing=True)
    assert (t.index, t.wait) == (6, True) and "not indexed yet (6 events" in t.message
    t = resolve_go_to(GoToRequest("id", 999), ROWS, indexing=True)
    assert t.wait and not t.found and "not among the 6 events indexed so far" in t.message


def test_a_repeated_id_goes_to_the_next_occurrence_and_says_which():
    first = resolve_go_to(GoToRequest("id", 205), ROWS, current=0)
    assert first.index == 1 and first.occurrences == 3
    assert "3 times (#1, #3, #5): showing #1, occurrence 1 of 3" in first.message
    assert resolve_go_to(GoToRequest("id", 205), ROWS, current=1).index == 3
    last = resolve_go_to(GoToRequest("id", 205), ROWS, current=5)  # wraps around
    assert last.index == 1 and "occurrence 1 of 3" in last.message


def test_bookmarks_toggle_store_and_locate():
    b = Bookmarks()
    assert b.toggle(3, 205) is True and b.toggle(0, 101) is True
    assert [x.index for x in b] == [0, 3] and 3 in b
    assert b.toggle(3, 205) is False and 3 not in b
    b.toggle(4, 412)
    again = Bookmarks.from_text(b.to_text())
    assert again.entries == [Bookmark(0, 101), Bookmark(4, 412)]
    assert Bookmarks.from_text("not json").entries == []
    # the same file read with another selection: positions move, the id finds the event
    fewer = [r for r in ROWS if r["event_id"] != 309]
    assert Bookmark(4, 412).locate(fewer) == 3
    assert Bookmark(4, 412).locate(ROWS[:4]) is None  # not indexed (read) yet
    assert again.at(3, fewer) == Bookmark(4, 412)
