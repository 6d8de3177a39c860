"""One file split across workers: the same output as one worker, and clean failures."""

from __future__ import annotations

import os
import signal
import tempfile

import h5py
import numpy as np
import pytest

from ctaviewer.batch.chunks import chunk_size
from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner
from ctaviewer.batch.split import LocalPool
from ctaviewer.batch.worker import PROCESS_NAME
from ctaviewer.stale_files import TEMP_PREFIX

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


def test_ranges_start_small_then_grow():
    sizes = [chunk_size(k, 2) for k in range(5)]
    assert sizes[:2] == [8, 8] and sizes[2:] == [32, 32, 32]


def test_split_file_equals_one_worker(tmp_path):
    """-j 2 on one file: the file is split into ranges across the workers, and the output
    has exactly the tables, values and attributes -j 1 writes (images and true images
    included, events in order)."""
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    kw = dict(write_images=True, write_true_images=True)
    r1 = BatchRunner([JobSpec(path, str(one), **kw)], in_process=True).run()
    seen = []
    r2 = BatchRunner([JobSpec(path, str(two), **kw)], n_workers=2, split_min_bytes=0,
                     on_progress=lambda p: seen.append(p.per_file.get(path))).run()
    assert r1[0].ok and r2[0].ok, (r1[0].error, r2[0].error)
    assert r1[0].n_events == r2[0].n_events == 31
    assert _differences(one, two) == []
    with h5py.File(two) as f:  # in event order, whatever order the chunks came back in
        ids = f["dl1/event/subarray/trigger"]["event_id"]
        assert list(ids) == sorted(ids) and len(ids) == 31
    done = [d[0] for d in seen if d]
    assert done == sorted(done)  # progress never goes back (per range: see below)


def test_split_file_equals_one_worker_dl2(tmp_path):
    g, p = str(simtel("gamma_4lst.simtel.zst")), str(simtel("proton_13tel.simtel.zst"))
    from ctaviewer.cli import main

    tables = tmp_path / "t.h5"
    assert main(["train", "--gammas", g, "--protons", p, "-o", str(tables), "-q"]) == 0
    spec = dict(dl1=True, dl2=True, estimators=str(tables))
    path = str(simtel("proton_4lst_15flashcam.simtel.zst"))
    r1 = BatchRunner([JobSpec(path, str(tmp_path / "1.h5"), **spec)], in_process=True).run()
    r2 = BatchRunner([JobSpec(path, str(tmp_path / "2.h5"), **spec)], n_workers=2,
                     split_min_bytes=0).run()
    assert r1[0].ok and r2[0].ok
    assert r1[0].extra == r2[0].extra  # events without an estimate, counted alike
    assert _differences(tmp_path / "1.h5", tmp_path / "2.h5") == []


def _worker_pids() -> list[int]:
    """The batch workers among this process's descendants (workers fork from a forkserver,
    so they are its grandchildren), found in /proc by the name workers give themselves."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/comm") as f:
                names[int(entry)] = f.read().strip()
        except (OSError, ValueError, IndexError):
            continue

    def mine(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [pid for pid, name in names.items() if name == PROCESS_NAME and mine(pid)]


def _raw_copies() -> set[str]:
    """This process's temporary decompressed copies."""
    return {d for d in os.listdir(tempfile.gettempdir())
            if d.startswith(f"{TEMP_PREFIX}{os.getpid()}-")}


def test_a_worker_killed_mid_file_fails_it_cleanly(tmp_path, monkeypatch):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    out = tmp_path / "out"
    out.mkdir()
    killed = []
    submit = LocalPool.submit

    def submit_then_kill(pool, key, chunk):
        """The second range handed out: its worker is killed right after it got it."""
        submit(pool, key, chunk)
        if key == 1 and not killed:
            w = next(w for w, k in pool.running.items() if k == key)
            if os.path.isdir("/proc/self"):  # ps shows what the process is
                with open(f"/proc/{w.pid}/comm") as f:
                    assert f.read().strip() == PROCESS_NAME
            killed.append(w.pid)
            os.kill(w.pid, signal.SIGKILL)

    monkeypatch.setattr(LocalPool, "submit", submit_then_kill)
    before = _raw_copies()
    results = BatchRunner([JobSpec(path, str(out / "out.h5"), write_images=True)],
                          n_workers=2, split_min_bytes=0).run()
    assert killed
    r = results[0]
    assert not r.ok and r.error.startswith(path)
    assert "worker process died" in r.error and "SIGKILL" in r.error
    assert os.listdir(out) == []  # no output, not even a partial one
    # the decompressed copy the workers read went with the file's source
    assert _raw_copies() <= before


def test_cancelling_a_split_file_leaves_nothing(tmp_path):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    state = {"stop": False}

    def on_progress(p):
        done = p.per_file.get(path)
        state["stop"] |= bool(done and done[0] > 0)

    runner = BatchRunner([JobSpec(path, str(tmp_path / "out.h5"))], n_workers=2,
                         split_min_bytes=0, on_progress=on_progress)
    results = runner.run(should_stop=lambda: state["stop"])
    assert results[0].cancelled and not results[0].ok
    assert os.listdir(tmp_path) == []


def test_a_file_that_cannot_be_split_is_processed_whole(tmp_path):
    """An input that is not sim_telarray (here a DL1 file) is processed by the runner
    itself, with the same outcome as one worker."""
    dl1 = tmp_path / "in.h5"
    src = str(simtel("gamma_4lst.simtel.zst"))
    assert BatchRunner([JobSpec(src, str(dl1))], in_process=True).run()[0].ok
    one = BatchRunner([JobSpec(str(dl1), str(tmp_path / "a.h5"))], in_process=True).run()[0]
    two = BatchRunner([JobSpec(str(dl1), str(tmp_path / "b.h5"))], n_workers=2,
                      split_min_bytes=0).run()[0]
    assert one.ok == two.ok and one.n_events == two.n_events
    assert (one.error or "").replace("a.h5", "") == (two.error or "").replace("b.h5", "")


class _HerePool:
    """A pool that runs chunks in this process when polled (the interface of
    ``split.LocalPool``), recording what was known when each chunk was handed out."""

    size = 2

    def __init__(self, scan_going):
        from ctaviewer.batch.chunks import ChunkCache

        self.cache = ChunkCache()
        self.queued = []
        self.submitted = []  # (start, whether the scan was still going)
        self.scan_going = scan_going

    def start(self):
        pass

    def shared_folder(self, spec):
        return None

    def free(self):
        return self.size - len(self.queued)

    def running_count(self):
        return len(self.queued)

    def submit(self, key, chunk):
        self.submitted.append((chunk.start, self.scan_going()))
        self.queued.append((key, chunk))

    def poll(self, timeout):
        from ctaviewer.batch.chunks import execute_chunk

        out = [(key, execute_chunk(chunk, self.cache)) for key, chunk in self.queued]
        self.queued = []
        return out

    def stop(self):
        self.queued = []


def test_ranges_are_handed_out_while_the_file_is_still_being_indexed(tmp_path, monkeypatch):
    """The first range goes to a worker as soon as the index covers it, not after the whole
    file is indexed: here the scan is held after its first batch until a range was handed
    out, and resumes then."""
    from ctaviewer.batch.split import execute_split
    from ctaviewer.io.simtel import SimTelSource

    handed_out = __import__("threading").Event()
    going = {"scan": False}
    scan_index = SimTelSource.scan_index

    def held_scan(self, progress=None, should_stop=None, tmpdir=None, on_rows=None,
                  **options):
        found = []

        def rows(batch):
            on_rows(batch)
            found.append(len(batch))
            if sum(found) >= chunk_size(0, 2) and not handed_out.is_set():
                assert handed_out.wait(10), "no range handed out while the scan waited"

        going["scan"] = True
        try:
            return scan_index(self, progress, should_stop, tmpdir, on_rows=rows, **options)
        finally:
            going["scan"] = False

    monkeypatch.setattr(SimTelSource, "scan_index", held_scan)
    pool = _HerePool(lambda: going["scan"])
    original_submit = pool.submit

    def submit(key, chunk):
        original_submit(key, chunk)
        handed_out.set()

    pool.submit = submit
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    progress = []
    r = execute_split(JobSpec(path, str(tmp_path / "o.h5")), pool,
                      emit=lambda done, total: progress.append(done))
    assert r.ok and r.n_events == 31
    # progress comes range by range, as each is written in order
    sizes = [chunk_size(k, 2) for k in range(len(pool.submitted))]
    assert progress == [min(31, sum(sizes[:k + 1])) for k in range(len(sizes))]
    assert pool.submitted[0] == (0, True)  # handed out while the scan went on
    assert [s for s, _ in pool.submitted] == sorted(s for s, _ in pool.submitted)
    one = BatchRunner([JobSpec(path, str(tmp_path / "one.h5"))], in_process=True).run()[0]
    assert one.ok and _differences(tmp_path / "one.h5", tmp_path / "o.h5") == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds workers through /proc")
def test_a_small_file_is_processed_whole_without_starting_workers(tmp_path):
    """Below ``split_min_bytes`` the file takes about as long as starting workers: one file
    with -j 2 is then processed by the runner itself."""
    path = str(simtel("gamma_4lst.simtel.zst"))
    seen = []
    r = BatchRunner([JobSpec(path, str(tmp_path / "o.h5"))], n_workers=2,
                    split_min_bytes=os.path.getsize(path) + 1,
                    on_progress=lambda p: seen.append(_worker_pids())).run()[0]
    assert r.ok and r.n_events == 4
    assert seen and not any(seen)


def test_ctrl_c_mid_file_leaves_nothing(tmp_path):
    """A KeyboardInterrupt in the runner (Ctrl-C) once ranges are written: it
    propagates, and neither the output nor the split's temporaries remain."""
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    before = _raw_copies()

    def on_progress(p):
        done = p.per_file.get(path)
        if done and done[0] > 0:
            raise KeyboardInterrupt

    runner = BatchRunner([JobSpec(path, str(tmp_path / "out.h5"))], n_workers=2,
                         split_min_bytes=0, on_progress=on_progress)
    with pytest.raises(KeyboardInterrupt):
        runner.run()
    assert os.listdir(tmp_path) == []
    assert _raw_copies() <= before


def test_a_failing_range_fails_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    """An event that cannot be processed, in the middle of a range: the file fails with
    the cause, the output's temporary is removed."""
    from ctaviewer.batch.split import execute_split
    from ctaviewer.pipeline import Pipeline

    process = Pipeline.process
    calls = {"n": 0}

    def failing(self, event):
        calls["n"] += 1
        if calls["n"] == 12:
            raise ValueError("no good")
        return process(self, event)

    monkeypatch.setattr(Pipeline, "process", failing)
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    r = execute_split(JobSpec(path, str(tmp_path / "o.h5")), _HerePool(lambda: False))
    assert not r.ok and r.error.startswith(path) and "no good" in r.error
    assert os.listdir(tmp_path) == []


def test_a_split_that_cannot_save_its_state_fails_with_the_cause(tmp_path, monkeypatch):
    """The split state cannot be written (a full disk): the file fails naming the cause
    (not an error about the index thread, which never started), nothing is left."""
    import errno

    from ctaviewer.batch.chunks import SplitState
    from ctaviewer.batch.split import execute_split

    def full(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(SplitState, "save", full)
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    r = execute_split(JobSpec(path, str(tmp_path / "o.h5")), _HerePool(lambda: False))
    assert not r.ok and r.error.startswith(path) and "disk full" in r.error
    assert os.listdir(tmp_path) == []
