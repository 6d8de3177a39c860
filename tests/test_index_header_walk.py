"""The index scan's walk of an array event's headers (``simtel_index._walk_telescopes``,
read in windows and walked in plain Python) gives what iterating the event's objects with
eventio gives: the telescopes with data, in order, and those with a tracking position, for
every array event of the shared files, whatever the window's size."""

from __future__ import annotations

import pytest

from ctaviewer.io import simtel_index

from .conftest import decompressed

FILES = ["gamma_4lst.simtel.zst", "gamma_70sst1m.simtel.zst", "muons_chec.simtel.zst",
         "gamma_4lst_15nectarcam.simtel.zst"]


def _by_eventio(path, address):
    """What iterating the objects of the array event at ``address`` with eventio gives."""
    from eventio import EventIOFile
    from eventio.simtel.objects import TelescopeEvent, TrackingPosition

    f = EventIOFile(str(path))
    obj = next(o for o in f if o.address == address)
    with_data, tracked = [], set()
    for i, sub in enumerate(obj):
        if i == 0:
            continue
        if isinstance(sub, TelescopeEvent):
            with_data.append(sub.telescope_id)
        elif isinstance(sub, TrackingPosition):
            tracked.add(sub.telescope_id)
    f.close()
    return with_data, tracked


def _array_events(path):
    from eventio import EventIOFile
    from eventio.simtel.objects import ArrayEvent

    f = EventIOFile(str(path))
    for obj in f:
        if isinstance(obj, ArrayEvent):
            yield obj
    f.close()


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("window", [13, 40, 4096, simtel_index._WINDOW])
def test_header_walk_matches_eventio(tmp_path, monkeypatch, name, window):
    path = tmp_path / "raw.simtel"
    path.write_bytes(decompressed(name))
    monkeypatch.setattr(simtel_index, "_WINDOW", window)
    n = 0
    for obj in _array_events(path):
        first = next(iter(obj))  # the trigger information: the walk starts after it
        assert first is not None
        walked = simtel_index._walk_telescopes(obj)
        assert walked is not None
        expected = _by_eventio(path, obj.address)
        assert walked == expected
        assert walked[0]  # array events of these files hold telescope data
        n += 1
    assert n > 0


def test_header_walk_declines_a_cut_object(tmp_path):
    """An array event whose objects are not all in the file: None (eventio decides)."""
    from eventio import EventIOFile
    from eventio.simtel.objects import ArrayEvent

    data = decompressed("gamma_4lst.simtel.zst")
    path = tmp_path / "raw.simtel"
    path.write_bytes(data)
    f = EventIOFile(str(path))
    obj = next(o for o in f if isinstance(o, ArrayEvent))
    end = obj.address + obj.size
    f.close()
    cut = tmp_path / "cut.simtel"
    cut.write_bytes(data[:end - 100])
    f = EventIOFile(str(cut))
    try:
        obj = next(o for o in f if isinstance(o, ArrayEvent))
        next(iter(obj))
        assert simtel_index._walk_telescopes(obj) is None
    finally:
        f.close()


def test_the_index_scan_starts_no_numba():
    """The scan walks headers without numba: a split file's runner, which only indexes and
    writes, never starts numba's code generator (~0.8 s of CPU, ~120 MB). Reading an event
    (the fast decoder's kernels) does start it: the check sees it when it happens."""
    import subprocess
    import sys

    from .conftest import simtel

    code = ("import sys; from ctaviewer.io.simtel_index import build_index; "
            "from ctaviewer.io import open_source; "
            "build_index(sys.argv[1]).cleanup(); "
            "print('numba.np.arraymath' in sys.modules); "
            "s = open_source(sys.argv[1]); next(iter(s)); s.close(); "
            "print('numba.np.arraymath' in sys.modules)")
    path = str(simtel("gamma_4lst.simtel.zst"))
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[-2:] == ["False", "True"]
