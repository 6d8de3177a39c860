"""Atomic outputs: no two writers both commit one name, and a failed write (full disk) never
reaches libhdf5 (which crashes the process after one) and leaves nothing behind."""

from __future__ import annotations

import errno
import os
import threading

import h5py
import numpy as np
import pytest

from ctaviewer.errors import OutputError
from ctaviewer.writers import atomic
from ctaviewer.writers.atomic import TMP_MARK, AtomicOutput, GuardedFile


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


@pytest.fixture(params=["renameat2", "link", "check-then-rename"])
def commit_way(request, monkeypatch):
    """Each way of committing without replacing: the kernel's renameat2, the hard-link
    fallback, and the last resort for file systems with neither."""
    if request.param == "renameat2":
        if atomic._renameat2() is None:
            pytest.skip("no renameat2 here")
    else:
        monkeypatch.setattr(atomic, "_rename_noreplace", lambda src, dst: False)
    if request.param == "check-then-rename":
        monkeypatch.setattr(atomic, "_link_noreplace", lambda src, dst: False)
    return request.param


def test_two_writers_without_overwrite_cannot_both_commit(tmp_path, commit_way):
    path = tmp_path / "out.h5"
    first, second = AtomicOutput(path), AtomicOutput(path)
    tmp1, tmp2 = first.__enter__(), second.__enter__()  # both checked: the name is free
    _write(tmp1, "first")
    _write(tmp2, "second")
    first.__exit__(None, None, None)
    with pytest.raises(OutputError, match="exists"):
        second.__exit__(None, None, None)
    assert path.read_text() == "first"  # never replaced
    assert os.listdir(tmp_path) == ["out.h5"]  # the loser's temporary file is gone


@pytest.mark.parametrize("way", ["renameat2", "link"])
def test_concurrent_commits_exactly_one_wins(tmp_path, monkeypatch, way):
    if way == "renameat2" and atomic._renameat2() is None:
        pytest.skip("no renameat2 here")
    if way == "link":
        monkeypatch.setattr(atomic, "_rename_noreplace", lambda src, dst: False)
    path = tmp_path / "out.txt"
    n = 8
    outputs = [AtomicOutput(path) for _ in range(n)]
    for i, out in enumerate(outputs):
        _write(out.__enter__(), f"writer {i}")
    barrier = threading.Barrier(n)
    outcome = [None] * n

    def commit(i):
        barrier.wait()
        try:
            outputs[i].__exit__(None, None, None)
            outcome[i] = "won"
        except OutputError:
            outcome[i] = "refused"

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome.count("won") == 1 and outcome.count("refused") == n - 1
    assert path.read_text() == f"writer {outcome.index('won')}"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_overwrite_replaces(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with AtomicOutput(path, overwrite=True) as tmp:
        _write(tmp, "new")
    assert path.read_text() == "new"


def test_folder_outputs_still_commit(tmp_path):
    """The DL3 writer commits a folder: no hard links for folders, renameat2 or a rename."""
    path = tmp_path / "dl3"
    with AtomicOutput(path) as tmp:
        os.mkdir(tmp)
        _write(os.path.join(tmp, "a.fits"), "x")
    assert os.listdir(path) == ["a.fits"]
    with pytest.raises(OutputError, match="exists"), AtomicOutput(path) as tmp:
        os.mkdir(tmp)
    assert sorted(os.listdir(tmp_path)) == ["dl3"]


class _FillingFile:
    """A raw file that accepts ``budget`` bytes, then fails like a full disk."""

    def __init__(self, inner, budget):
        self.inner = inner
        self.budget = budget

    def write(self, data):
        n = len(memoryview(data).cast("B"))
        if n > self.budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.budget -= n
        return self.inner.write(data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_guarded_file_keeps_what_libhdf5_wrote_after_the_failure(tmp_path):
    guarded = GuardedFile(str(tmp_path / "g"))
    guarded._file = _FillingFile(guarded._file, 10)
    assert guarded.write(b"0123456789") == 10
    assert guarded.write(b"abcdef") == 6  # fails on disk: reported as written
    assert isinstance(guarded.error, OSError) and guarded.error.errno == errno.ENOSPC
    guarded.seek(30)
    assert guarded.write(b"XY") == 2  # beyond the end, after the failure
    guarded.seek(8)
    buf = bytearray(26)
    assert guarded.readinto(buf) == 24  # up to the end libhdf5 believes in
    assert bytes(buf[:24]) == b"89abcdef" + bytes(14) + b"XY"
    guarded.close()


def test_full_disk_during_hdf5_writing_is_an_output_error_and_leaves_nothing(tmp_path):
    """Without the guard, libhdf5 kills this test process with SIGSEGV after the failure."""
    out = AtomicOutput(tmp_path / "big.h5")
    out.__enter__()
    guarded = out.open_guarded()
    guarded._file = _FillingFile(guarded._file, 200_000)
    h5 = h5py.File(guarded, "w", libver="earliest")
    table = h5.create_dataset("x", shape=(0,), maxshape=(None,), chunks=(4096,),
                              dtype="f8", compression="gzip")
    rng = np.random.default_rng(1)
    with pytest.raises(OutputError) as failure:
        for _ in range(200):
            table.resize((table.shape[0] + 4096,))
            table[-4096:] = rng.random(4096)
            h5.flush()
            out.raise_if_failed()
    assert "disk full" in str(failure.value) and "big.h5" in str(failure.value)
    table[:10] = 1.0  # libhdf5 goes on as if nothing happened (what it wrote is kept)
    assert table[:10].tolist() == [1.0] * 10
    h5.close()
    out.__exit__(OutputError, failure.value, None)
    assert os.listdir(tmp_path) == []


def test_a_file_that_appears_while_writing_is_kept(tmp_path):
    path = tmp_path / "x.txt"
    with pytest.raises(OutputError, match="exists"), AtomicOutput(path) as tmp:
        _write(tmp, "late")
        path.write_text("appeared")  # another program wrote it meanwhile
    assert path.read_text() == "appeared"
    assert [n for n in os.listdir(tmp_path) if TMP_MARK in n] == []
