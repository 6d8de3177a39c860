"""Telescope and event selection (allowed_tels by id or type name, max_events), as ctapipe's
EventSource offers: in the sources, through batch jobs (split across workers too), on the
command line and in the window; invalid values are clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import h5py
import pytest

from ctaviewer.cli import main
from ctaviewer.errors import ConfigError, SelectionError
from ctaviewer.io import open_source
from ctaviewer.io.selection import SourceSelection, parse_tels

from .conftest import simtel

MIXED = "gamma_4lst_15nectarcam.simtel.zst"  # 4 LSTCam (1-4) + 15 NectarCam (5-19)
SST = "gamma_70sst1m.simtel.zst"  # 70 DigiCams, 31 events


def _events_with(path, allowed: set[int]) -> list[tuple[int, list[int]]]:
    """(event id, telescopes with data among ``allowed``) of the events of the whole file
    that have data of one of them: what a selection must deliver."""
    with open_source(path) as source:
        out = []
        for e in source:
            tels = sorted(t for t in e.tel if t in allowed)
            if tels:
                out.append((e.event_id, tels))
        return out


def test_parse_ids_ranges_and_names():
    assert parse_tels("1-3, 9 LST_LST_LSTCam,NectarCam 2") == (
        1, 2, 3, 9, "LST_LST_LSTCam", "NectarCam")
    with pytest.raises(ConfigError, match="5-2.*empty"):
        parse_tels("5-2")
    with pytest.raises(ConfigError, match="at least 1"):
        SourceSelection(max_events=0)
    assert SourceSelection.parse("1-4", 3).describe() == "telescopes 1-4; 3 events at most"


def test_type_names_select_the_telescopes_of_that_type():
    path = simtel(MIXED)
    for name in ("LST_LST_LSTCam", "LSTCam", "LST"):
        with open_source(path, allowed_tels=[name]) as source:
            assert list(source.subarray.tel_ids) == [1, 2, 3, 4]
            events = list(source)
            assert events and all(set(e.tel) <= {1, 2, 3, 4} for e in events)
    with open_source(path, allowed_tels=["NectarCam", 1]) as source:
        assert list(source.subarray.tel_ids) == [1, *range(5, 20)]
        assert source.allowed_tels == frozenset([1, *range(5, 20)])


def test_events_without_an_allowed_telescope_are_skipped_and_max_events_caps():
    path = simtel(SST)
    allowed = {1, 2, 3}
    expected = _events_with(path, allowed)
    assert 0 < len(expected) < 31  # the selection drops events, keeps some
    with open_source(path, allowed_tels=sorted(allowed)) as source:
        got = [(e.event_id, sorted(e.tel)) for e in source]
        assert got == expected
        assert len(source) == len(expected)
        assert source[len(expected) - 1].event_id == expected[-1][0]  # random access too
    with open_source(path, allowed_tels=sorted(allowed), max_events=2) as source:
        assert [(e.event_id, sorted(e.tel)) for e in source] == expected[:2]
        assert len(source) == 2


def test_unknown_ids_and_types_are_errors_naming_them():
    path = simtel(MIXED)
    with pytest.raises(SelectionError, match=r"telescope id\(s\) 20, 99 not in the file "
                                             r"\(it has 1-19\)"):
        open_source(path, allowed_tels=[1, 20, 99])
    with pytest.raises(SelectionError, match="'FlashCam' not in the file.*LST_LST_LSTCam"):
        open_source(path, allowed_tels=["FlashCam"])
    with pytest.raises(ConfigError, match="max_events: 0: must be at least 1"):
        open_source(path, max_events=0)


def _layout_ids(path) -> list[int]:
    with h5py.File(path) as f:
        return sorted(int(t) for t in f["configuration/instrument/subarray/layout"]["tel_id"])


def _param_tels(path) -> list[int]:
    with h5py.File(path) as f:
        return sorted(int(k[4:]) for k in f["dl1/event/telescope/parameters"])


def test_process_writes_the_selected_subarray_and_events(tmp_path, capsys):
    path = simtel(SST)
    expected = _events_with(path, set(range(1, 11)))
    out = tmp_path / "out"
    assert main(["process", str(path), "-o", str(out), "--allowed-tels", "1-10",
                 "--max-events", "5", "--json", "-q"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["events"] == 5
    written = out / "gamma_70sst1m.dl1.h5"
    assert _layout_ids(written) == list(range(1, 11))
    with h5py.File(written) as f:
        ids = [int(i) for i in f["dl1/event/subarray/trigger"]["event_id"]]
    assert ids == [e for e, _ in expected[:5]]
    assert set(_param_tels(written)) == {t for _, tels in expected[:5] for t in tels}


def test_a_split_file_keeps_the_selection(tmp_path):
    """-j 2 on one file: the ranges processed in the workers read the selected telescopes
    only, and the output equals one worker's."""
    from ctaviewer.batch.job import JobSpec
    from ctaviewer.batch.runner import BatchRunner

    path = str(simtel(SST))
    spec = dict(allowed_tels=(1, 2, 3, "SST_1M_DigiCam"), max_events=20)  # the type: all
    with open_source(path, allowed_tels=(4, 5, 6, 7)) as source:
        n = len(source)
    kw = dict(allowed_tels=(4, 5, 6, 7), max_events=n - 1)
    one = BatchRunner([JobSpec(path, str(tmp_path / "1.h5"), **kw)], in_process=True).run()[0]
    two = BatchRunner([JobSpec(path, str(tmp_path / "2.h5"), **kw)], n_workers=2,
                      split_min_bytes=0).run()[0]
    assert one.ok and two.ok, (one.error, two.error)
    assert one.n_events == two.n_events == n - 1
    for name in ("1.h5", "2.h5"):
        assert _layout_ids(tmp_path / name) == [4, 5, 6, 7]
        assert set(_param_tels(tmp_path / name)) <= {4, 5, 6, 7}
    with h5py.File(tmp_path / "1.h5") as a, h5py.File(tmp_path / "2.h5") as b:
        for key in a["dl1/event/telescope/parameters"]:
            x = a[f"dl1/event/telescope/parameters/{key}"][()]
            y = b[f"dl1/event/telescope/parameters/{key}"][()]
            assert x.tobytes() == y.tobytes(), key
    r = BatchRunner([JobSpec(path, str(tmp_path / "3.h5"), **spec)], in_process=True).run()[0]
    assert r.ok and r.n_events == 20 and len(_layout_ids(tmp_path / "3.h5")) == 70


def test_a_dl1_file_read_with_a_selection(tmp_path):
    """The HDF5 reader: the selected subarray, triggered telescopes and stereo telescopes
    among the selected ones only (its masks are over the file's whole subarray)."""
    out = tmp_path / "out"
    assert main(["process", str(simtel(SST)), "-o", str(out), "--levels", "dl1,dl2",
                 "-q"]) == 0
    written = out / "gamma_70sst1m.dl1_dl2.h5"
    keep = {2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 31, 32}
    with open_source(written) as full, open_source(written, allowed_tels=sorted(keep)) as part:
        assert set(int(t) for t in part.subarray.tel_ids) == keep
        n_checked = 0
        for i in range(len(full)):
            a, b = full[i], part[i]
            assert set(b.trigger.tels_with_trigger.tolist()) == (
                set(a.trigger.tels_with_trigger.tolist()) & keep)
            assert set(b.tel) == set(a.tel) & keep
            used = set(part.result(i).geometry.tel_ids)
            assert used == set(full.result(i).geometry.tel_ids) & keep
            n_checked += bool(used)
        assert n_checked > 0
    with pytest.raises(SelectionError, match="telescope id"):
        open_source(written, allowed_tels=[71])


@pytest.mark.parametrize("args, cause", [
    (["--allowed-tels", "99"], "telescope id(s) 99 not in the file (it has 1-19)"),
    (["--allowed-tels", "FlashCam"], "telescope type(s) 'FlashCam' not in the file"),
    (["--max-events", "0"], "--max-events: 0: must be at least 1"),
    (["--allowed-tels", "4-1"], "--allowed-tels: the range 4-1 is empty"),
])
@pytest.mark.parametrize("command", ["process", "info", "render"])
def test_invalid_selections_exit_2_with_one_line(tmp_path, capsys, command, args, cause):
    path = str(simtel(MIXED))
    if command == "render" and args[0] == "--max-events":
        cause = "--max-events 0: must be at least 1"  # render's own count of events drawn
    rest = {"process": ["-o", str(tmp_path / "out")], "info": [],
            "render": ["--out", str(tmp_path / "x.png")]}[command]
    assert main([command, path, *rest, *args]) == 2
    err = capsys.readouterr().err
    assert cause in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.png").exists()


def test_info_describes_the_selection(capsys):
    assert main(["info", str(simtel(MIXED)), "--allowed-tels", "NectarCam", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["n_telescopes"] == 15
    assert [t["type"] for t in info["telescope_types"]] == ["MST_MST_NectarCam"]
    assert info["selection"] == "telescopes NectarCam"


# ----------------------------------------------------------------------------- window
pytest.importorskip("pytestqt")


def _wait_open(qtbot, window):
    s = window.session
    qtbot.waitUntil(lambda: s.array_event is not None and not s.opening and not s.indexing
                    or hasattr(window, "last_error"), timeout=60000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)


def test_window_opens_with_a_selection_from_the_dialog(qtbot, make_window):
    from ctaviewer.app.open_dialog import open_with_selection

    window = make_window(restore=False)
    path = str(simtel(SST))
    expected = _events_with(path, {1, 2, 3})
    dialog = open_with_selection(window)
    dialog.path_edit.setText(path)
    dialog.tels_edit.setText("1-3")
    dialog.max_edit.setText("3")
    dialog.accept()
    _wait_open(qtbot, window)
    s = window.session
    assert list(s.source.subarray.tel_ids) == [1, 2, 3]
    assert [r["event_id"] for r in s.rows] == [e for e, _ in expected[:3]]
    assert set(s.array_event.tel) == set(expected[0][1])
    assert s.source.selection == SourceSelection((1, 2, 3), 3)
    # the dialog opened again shows the open file's selection and its types
    again = open_with_selection(window)
    assert again.tels_edit.text() == "1, 2, 3" and again.max_edit.text() == "3"
    assert "70 × SST_1M_DigiCam" in again.types_label.text()
    again.reject()


def test_window_opens_a_type_selection_through_the_helper(qtbot, make_window):
    """A type name travels to the helper process that reads the file, and back."""
    from ctaviewer.app.open_dialog import open_with_selection
    from ctaviewer.service.simtel_helper import HelperSource

    window = make_window(restore=False)
    dialog = open_with_selection(window)
    dialog.path_edit.setText(str(simtel(MIXED)))
    dialog.tels_edit.setText("NectarCam")
    dialog.accept()
    _wait_open(qtbot, window)
    s = window.session
    assert isinstance(s.source, HelperSource)
    assert list(s.source.subarray.tel_ids) == list(range(5, 20))
    assert set(s.array_event.tel) == {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19}
    qtbot.waitUntil(lambda: s.result is not None, timeout=60000)
    assert set(s.result.tel) <= set(range(5, 20))
    qtbot.waitUntil(lambda: sorted(window.camera_grid.cells) == sorted(s.array_event.tel),
                    timeout=10000)  # the grid shows the selected telescopes only


@pytest.mark.parametrize("tels, count, title, cause", [
    ("1-3", "0", "Invalid selection", "Events at most: 0: must be at least 1"),
    ("1-3", "many", "Invalid selection", "Events at most: 'many' is not a whole number"),
    ("3-1", "", "Invalid selection", "Telescopes: the range 3-1 is empty"),
    ("LSTCam", "", "Cannot open file", "telescope type(s) 'LSTCam' not in the file"),
    ("71", "", "Cannot open file", "telescope id(s) 71 not in the file (it has 1-70)"),
])
def test_window_says_what_is_wrong_with_a_selection(qtbot, make_window, tels, count, title,
                                                    cause):
    from ctaviewer.app.open_dialog import open_with_selection

    window = make_window(restore=False)
    dialog = open_with_selection(window)
    dialog.path_edit.setText(str(simtel(SST)))
    dialog.tels_edit.setText(tels)
    dialog.max_edit.setText(count)
    dialog.accept()
    qtbot.waitUntil(lambda: hasattr(window, "last_error"), timeout=30000)
    got_title, message = window.last_error
    assert got_title == title and cause in message
    if title == "Invalid selection":
        assert dialog.isVisible()  # stays open to be corrected; nothing was opened
        assert window.session.path is None
    qtbot.waitUntil(lambda: not window.session.opening, timeout=10000)
    assert window.session.path is None  # no file half-opened


def test_command_line_start_opens_with_the_selection(qtbot, isolated_settings):
    from ctaviewer.app.main import build_window

    window = build_window(str(simtel(MIXED)), synchronous=True, restore=False,
                          raise_errors=True, selection=SourceSelection(("LSTCam",), 1))
    qtbot.addWidget(window)
    try:
        assert list(window.session.source.subarray.tel_ids) == [1, 2, 3, 4]
        assert set(window.session.array_event.tel) <= {1, 2, 3, 4}
        assert window.session.n_events == 1
    finally:
        window.close()


def _ctaviewer(*args) -> tuple[int, str]:
    """Exit status and standard error of ``ctaviewer ARGS`` run as a user runs it (in a
    process of its own: in the suite's worker processes, what an earlier test left could
    keep capsys from seeing the line, twice in clean-clone CI)."""
    done = subprocess.run([sys.executable, "-m", "ctaviewer", *map(str, args)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    return done.returncode, done.stderr


def test_the_window_start_checks_the_selection_first(tmp_path):
    """``ctaviewer FILE --max-events 0``: one line and status 2 before any window opens."""
    status, err = _ctaviewer(simtel(MIXED), "--max-events", "0", "--png", tmp_path / "x.png")
    assert status == 2
    assert "--max-events: 0: must be at least 1" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
    status, err = _ctaviewer(simtel(MIXED), "--allowed-tels", "FlashCam", "--png",
                             tmp_path / "x.png")
    assert status == 2
    assert "telescope type(s) 'FlashCam' not in the file" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_ctapipe_reads_an_output_written_with_a_selection(tmp_path):
    """ctapipe's EventSource reads the selected subarray, the events and their telescopes
    (the value-by-value comparison with ctapipe-process on the same selection is
    benchmarks/hdf5_parity.py --allowed-tels ... --max-events ...)."""
    from .ctapipe_env import run_python

    path = simtel(SST)
    expected = _events_with(path, set(range(1, 11)))[:5]
    out = tmp_path / "out"
    assert main(["process", str(path), "-o", str(out), "--allowed-tels", "1-10",
                 "--max-events", "5", "-q"]) == 0
    script = (
        "import sys, json\n"
        "from ctapipe.io import EventSource\n"
        "with EventSource(sys.argv[1]) as s:\n"
        "    events = [(int(e.index.event_id), sorted(int(t) for t in e.dl1.tel)) for e in s]\n"
        "    print(json.dumps({'tels': [int(t) for t in s.subarray.tel_ids], 'events': events}))\n"
    )
    got = json.loads(run_python(script, out / "gamma_70sst1m.dl1.h5").strip().splitlines()[-1])
    assert got["tels"] == list(range(1, 11))
    assert [tuple(e) for e in got["events"]] == [(e, tels) for e, tels in expected]
