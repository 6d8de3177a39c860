"""One file split across workers: the same output as one worker, and clean failures."""

from __future__ import annotations

import os
import signal
import tempfile

import h5py
import numpy as np
import pytest

from ctaviewer.batch.chunks import chunk_ranges
from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner
from ctaviewer.io.simtel_index import TEMP_PREFIX

from .conftest import simtel

#: attributes that say when or how the file was made, not what it holds
_WHEN = {"CTA PRODUCT CREATION TIME", "CTA PRODUCT DATA LEVELS", "date", "start", "stop"}


def _content(path) -> dict:
    """Every dataset (as numpy) and every attribute of an HDF5 file, by name; the time
    stamps of its making left out."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for key, value in obj.attrs.items():
                if key not in _WHEN and "TIME" not in key.upper():
                    out[f"{name}@{key}"] = value
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]

        f.visititems(visit)
    return out


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.names:
            return all(_same(a[n], b[n]) for n in a.dtype.names)
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    return a == b


def _differences(path_a, path_b) -> list[str]:
    a, b = _content(path_a), _content(path_b)
    missing = sorted(set(a) ^ set(b))
    return missing + [k for k in sorted(set(a) & set(b))
                      if not k.endswith("@n_events") and not _same(a[k], b[k])]


def test_chunk_ranges_cover_every_event_once():
    for n, workers in [(0, 2), (1, 2), (31, 2), (1240, 2), (1240, 8), (100_000, 4)]:
        ranges = chunk_ranges(n, workers)
        covered = [i for a, b in ranges for i in range(a, b)]
        assert covered == list(range(n))
        sizes = [b - a for a, b in ranges]
        assert all(4 <= s <= 64 for s in sizes[:-1])  # the last one takes the rest
        if n >= 64 * workers * 8:  # large files: 64-event chunks
            assert sizes[0] == 64
        elif n >= 4 * workers * 8:  # else about 8 per worker
            assert workers * 7 <= len(ranges) <= workers * 8 + 1


def test_split_file_equals_one_worker(tmp_path):
    """-j 2 on one file: the file is split into ranges across the workers, and the output
    has exactly the tables, values and attributes -j 1 writes (images and true images
    included, events in order)."""
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    kw = dict(write_images=True, write_true_images=True)
    r1 = BatchRunner([JobSpec(path, str(one), **kw)], in_process=True).run()
    seen = []
    r2 = BatchRunner([JobSpec(path, str(two), **kw)], n_workers=2,
                     on_progress=lambda p: seen.append(p.per_file.get(path))).run()
    assert r1[0].ok and r2[0].ok, (r1[0].error, r2[0].error)
    assert r1[0].n_events == r2[0].n_events == 31
    assert _differences(one, two) == []
    with h5py.File(two) as f:  # in event order, whatever order the chunks came back in
        ids = f["dl1/event/subarray/trigger"]["event_id"]
        assert list(ids) == sorted(ids) and len(ids) == 31
    done = [d[0] for d in seen if d]
    assert done == sorted(done) and 0 < done[-2] < 31  # progress came chunk by chunk


def test_split_file_equals_one_worker_dl2(tmp_path):
    g, p = str(simtel("gamma_4lst.simtel.zst")), str(simtel("proton_13tel.simtel.zst"))
    from ctaviewer.cli import main

    tables = tmp_path / "t.h5"
    assert main(["train", "--gammas", g, "--protons", p, "-o", str(tables), "-q"]) == 0
    spec = dict(dl1=True, dl2=True, estimators=str(tables))
    path = str(simtel("proton_4lst_15flashcam.simtel.zst"))
    r1 = BatchRunner([JobSpec(path, str(tmp_path / "1.h5"), **spec)], in_process=True).run()
    r2 = BatchRunner([JobSpec(path, str(tmp_path / "2.h5"), **spec)], n_workers=2).run()
    assert r1[0].ok and r2[0].ok
    assert r1[0].extra == r2[0].extra  # events without an estimate, counted alike
    assert _differences(tmp_path / "1.h5", tmp_path / "2.h5") == []


def _worker_pids() -> list[int]:
    """This process's child processes that are batch workers (from /proc)."""
    me, out = os.getpid(), []
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
        if ppid == me and b"multiprocessing.spawn" in cmd:
            out.append(int(entry))
    return out


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds workers through /proc")
def test_a_worker_killed_mid_file_fails_it_cleanly(tmp_path):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    killed = []

    def on_progress(p):
        done = p.per_file.get(path)
        if not killed and done and done[0] > 0:
            for pid in _worker_pids():  # both: at least one is in the middle of a range
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)

    results = BatchRunner([JobSpec(path, str(tmp_path / "out.h5"), write_images=True)],
                          n_workers=2, on_progress=on_progress).run()
    assert killed
    r = results[0]
    assert not r.ok and r.error.startswith(path)
    assert "worker process died" in r.error and "SIGKILL" in r.error
    assert os.listdir(tmp_path) == []  # no output, not even a partial one
    # the decompressed copy the workers read went with the file's source
    assert not [d for d in os.listdir(tempfile.gettempdir())
                if d.startswith(f"{TEMP_PREFIX}{os.getpid()}-")]


def test_cancelling_a_split_file_leaves_nothing(tmp_path):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    state = {"stop": False}

    def on_progress(p):
        done = p.per_file.get(path)
        state["stop"] |= bool(done and done[0] > 0)

    results = BatchRunner([JobSpec(path, str(tmp_path / "out.h5"))], n_workers=2,
                          on_progress=on_progress).run(should_stop=lambda: state["stop"])
    assert results[0].cancelled and not results[0].ok
    assert os.listdir(tmp_path) == []


def test_a_file_that_cannot_be_split_is_processed_whole(tmp_path):
    """An input that is not sim_telarray (here a DL1 file) is processed by the runner
    itself, with the same outcome as one worker."""
    dl1 = tmp_path / "in.h5"
    src = str(simtel("gamma_4lst.simtel.zst"))
    assert BatchRunner([JobSpec(src, str(dl1))], in_process=True).run()[0].ok
    one = BatchRunner([JobSpec(str(dl1), str(tmp_path / "a.h5"))], in_process=True).run()[0]
    two = BatchRunner([JobSpec(str(dl1), str(tmp_path / "b.h5"))], n_workers=2).run()[0]
    assert one.ok == two.ok and one.n_events == two.n_events
    assert (one.error or "").replace("a.h5", "") == (two.error or "").replace("b.h5", "")
