"""Decompression in a process of its own (``io.decompression.ChildCopy``, the index's copy;
``io.simtel_fast_readahead.ChildStream``, the stream iteration reads): the same bytes, the
same end (truncated, damaged) and the same errors as decompression in this process, and no
process left behind."""

from __future__ import annotations

import gzip
import os
import shutil
import sys

import pytest

from ctaviewer.errors import Cancelled, InputFileError
from ctaviewer.io import decompress_child, decompression
from ctaviewer.io.decompress_child import zstd_stream
from ctaviewer.io.decompression import AheadThread, ChildCopy, RawCopy, open_copy
from ctaviewer.io.simtel_fast_readahead import ChildStream

from .conftest import decompressed, simtel

zstandard = pytest.importorskip("zstandard")


@pytest.fixture(autouse=True)
def any_size(monkeypatch):
    """The shared files are small: here every compressed file gets its process."""
    monkeypatch.setattr(decompress_child, "MIN_BYTES", 0)


def _inputs(tmp_path) -> dict[str, str]:
    """Clean, cut, damaged and multi-frame gzip and zstd streams of a shared file."""
    raw = decompressed("gamma_4lst.simtel.zst")
    z = zstandard.ZstdCompressor(level=3).compress(raw)
    g = gzip.compress(raw, compresslevel=6)
    flipped_z, flipped_g = bytearray(z), bytearray(g)
    flipped_z[len(z) // 2: len(z) // 2 + 4096] = bytes(4096)  # zstd: blocks unreadable
    flipped_g[len(g) // 2] ^= 0xFF
    half = len(raw) // 2
    two_frames = (zstandard.ZstdCompressor().compress(raw[:half])
                  + zstandard.ZstdCompressor().compress(raw[half:]))
    made = {
        "clean.simtel.zst": z,
        "clean.simtel.gz": g,
        "cut.simtel.zst": z[: int(0.7 * len(z))],
        "cut.simtel.gz": g[: int(0.7 * len(g))],
        "damaged.simtel.zst": bytes(flipped_z),
        "damaged.simtel.gz": bytes(flipped_g),
        "frames.simtel.zst": two_frames,
        "members.simtel.gz": gzip.compress(raw[:half]) + gzip.compress(raw[half:]),
    }
    out = {}
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
        out[name] = str(tmp_path / name)
    return out


def _copy_in_process(path, folder):
    copy = RawCopy(path, str(folder))
    try:
        while not copy.done:
            copy.step()
    finally:
        copy.close()
    return copy


def _copy_by_child(path, folder, step: int = 100_000):
    copy = ChildCopy.start(path, str(folder))
    assert copy is not None
    try:
        end = 0
        while not copy.done:  # as the scan asks: a little more each time
            end += step
            copy.ensure(end)
        assert copy.ensure(float("inf")) == copy.written
    finally:
        copy.close()
    return copy


@pytest.mark.parametrize("name", ["clean.simtel.zst", "clean.simtel.gz", "cut.simtel.zst",
                                  "cut.simtel.gz", "damaged.simtel.zst", "damaged.simtel.gz",
                                  "frames.simtel.zst", "members.simtel.gz"])
def test_child_copy_equals_the_copy_made_here(tmp_path, name):
    path = _inputs(tmp_path)[name]
    (tmp_path / "here").mkdir()
    (tmp_path / "child").mkdir()
    here = _copy_in_process(path, tmp_path / "here")
    child = _copy_by_child(path, tmp_path / "child")
    assert (child.written, child.truncated, child.damage) == (
        here.written, here.truncated, here.damage)
    assert child.truncated == name.startswith("cut")
    assert (child.damage is not None) == name.startswith("damaged")
    with open(here.raw, "rb") as a, open(child.raw, "rb") as b:
        assert a.read() == b.read()
    assert child.fraction == 1.0


def test_index_made_with_the_child_equals_the_index_made_here(tmp_path, monkeypatch):
    """``build_index`` through the child and through the thread (where no process can be
    started, e.g. a frozen application) gives the same events and the same warnings."""
    from ctaviewer.io.simtel_index import build_index

    path = _inputs(tmp_path)["cut.simtel.zst"]
    by_child = build_index(path)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert isinstance(open_copy(path, str(tmp_path)), AheadThread)
    here = build_index(path)
    try:
        assert by_child.truncated and here.truncated
        assert list(by_child.event_id) == list(here.event_id)
        assert list(by_child.event_offset) == list(here.event_offset)
        assert [str(w) for w in by_child.problems()] == [str(w) for w in here.problems()]
    finally:
        by_child.cleanup()
        here.cleanup()


def _children() -> set[int]:
    """The pids of this process's children that run decompress_child.py."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"decompress_child.py" in cmd:
            found.add(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_cancel_and_close_end_the_child(tmp_path):
    big = str(simtel("gamma_70sst1m.simtel.zst"))
    stop = []
    copy = ChildCopy.start(big, str(tmp_path), should_stop=lambda: bool(stop))
    copy.ensure(1000)
    stop.append(True)
    with pytest.raises(Cancelled):
        copy.ensure(float("inf"))
    copy.close()
    stream = ChildStream.start(big, 1 << 16)
    assert stream.read(100) and stream.tell() == 100
    stream.close()
    assert _children() == set()


def test_a_child_that_dies_is_an_error_naming_the_file(tmp_path):
    copy = ChildCopy.start(str(simtel("gamma_70sst1m.simtel.zst")), str(tmp_path))
    copy._proc.kill()
    with pytest.raises(InputFileError) as err:
        copy.ensure(float("inf"))
    assert "ended unexpectedly" in err.value.cause and "gamma_70sst1m" in str(err.value)
    copy.close()


def test_a_copy_that_cannot_be_written_is_a_storage_error(tmp_path):
    from ctaviewer.errors import TemporaryStorageError

    folder = tmp_path / "gone"
    folder.mkdir()
    path = _inputs(tmp_path)["clean.simtel.zst"]
    shutil.rmtree(folder)  # the child cannot create its copy there
    copy = ChildCopy.start(path, str(folder))
    with pytest.raises(TemporaryStorageError) as err:
        copy.ensure(1)
    assert "cannot write its decompressed copy" in err.value.cause
    copy.close()


@pytest.mark.parametrize("name", ["clean.simtel.zst", "cut.simtel.zst", "frames.simtel.zst"])
def test_child_stream_gives_the_bytes_of_the_stream_read_here(tmp_path, name):
    path = _inputs(tmp_path)[name]
    with zstd_stream(path) as here:
        expected = here.read()
    stream = ChildStream.start(path, 1 << 16)
    got = []
    while block := stream.read(12_345):
        got.append(block)
    assert b"".join(got) == expected and stream.tell() == len(expected)
    stream.seek(len(expected) + 10)  # forward past the end: stays at the end
    assert stream.read(10) == b""
    with pytest.raises(OSError):
        stream.seek(0)
    stream.close()


def test_child_stream_fails_where_the_stream_here_fails(tmp_path):
    """A damaged block: the read reaching it raises, having given only bytes the stream
    read here gives too (the reader then reads again here, in eventio's small reads)."""
    path = _inputs(tmp_path)["damaged.simtel.zst"]
    good = bytearray()
    with zstd_stream(path) as here, pytest.raises(zstandard.ZstdError):
        while block := here.read(1 << 16):
            good += block
    stream = ChildStream.start(path, 1 << 16)
    got = bytearray()
    with pytest.raises(OSError, match="ZstdError"):
        while block := stream.read(1 << 16):
            got += block
    assert good.startswith(got)
    stream.close()


def test_iteration_through_the_child_equals_iteration_here(monkeypatch):
    """Every event iteration gives, with the stream decompressed by the child and by the
    thread of this process."""
    from ctaviewer import open_source

    path = simtel("gamma_70sst1m.simtel.zst")

    def ids():
        with open_source(path) as source:
            return [(e.event_id, sorted(e.tel)) for e in source]

    by_child = ids()
    monkeypatch.setattr(decompression.sys, "frozen", True, raising=False)
    assert ChildStream.start(path, 1 << 16) is None
    assert ids() == by_child and len(by_child) > 10


def test_no_child_script_means_decompression_here(tmp_path, monkeypatch):
    """A package whose files are not on disk (installed inside an archive): no process is
    started, the thread of this process decompresses."""
    path = _inputs(tmp_path)["clean.simtel.zst"]
    monkeypatch.setattr(decompress_child, "SCRIPT", str(tmp_path / "nowhere.py"))
    copy = open_copy(path, str(tmp_path))
    try:
        assert isinstance(copy, AheadThread) and copy.ensure(float("inf")) > 0
    finally:
        copy.close()
    assert ChildStream.start(path, 1 << 16) is None


def test_a_small_file_is_decompressed_here(tmp_path, monkeypatch):
    """Below ``MIN_BYTES`` a process would take longer to start than the decompression."""
    path = _inputs(tmp_path)["clean.simtel.zst"]
    monkeypatch.setattr(decompress_child, "MIN_BYTES", os.path.getsize(path) + 1)
    assert ChildCopy.start(path, str(tmp_path)) is None
    assert ChildStream.start(path, 1 << 16) is None
    monkeypatch.setattr(decompress_child, "MIN_BYTES", os.path.getsize(path))
    copy, stream = ChildCopy.start(path, str(tmp_path)), ChildStream.start(path, 1 << 16)
    assert copy is not None and stream is not None
    copy.close()
    stream.close()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="needs sched_getaffinity")
def test_the_window_s_decompression_yields_only_on_one_core(monkeypatch, tmp_path):
    """Beside the window, the decompressing process runs at the window's priority where
    there are two cores or more (jumps ahead of the index wait for it), at the scan's on
    one core (it would take half of the window's time); the niceness asked for is the
    child's."""
    from ctaviewer.service import simtel_helper
    from ctaviewer.service.background_index import SCAN_NICENESS

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert simtel_helper.copy_niceness() == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert simtel_helper.copy_niceness() == SCAN_NICENESS
    copy = ChildCopy.start(str(simtel("gamma_70sst1m.simtel.zst")), str(tmp_path),
                           niceness=SCAN_NICENESS)
    try:
        assert os.getpriority(os.PRIO_PROCESS, copy._proc.pid) == SCAN_NICENESS
    finally:
        copy.close()
