"""The forkserver, and a batch job after its first event, drop the pages of read-only
library code they will not run again (``batch.page_release``): what is dropped reads back
the same, what is written is kept."""

import os
import subprocess
import sys
import textwrap

import pytest

from ctaviewer.batch.page_release import droppable

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps"),
                                reason="needs Linux's /proc/self/smaps")

SCRIPT = textwrap.dedent("""
    import hashlib, mmap, os, sys
    from ctaviewer.batch.page_release import release_clean_library_pages

    path, other = sys.argv[1], sys.argv[2]

    def resident_kb(name):
        kb, inside = 0, False
        for line in open("/proc/self/smaps"):
            head = line.split(" ", 1)[0]
            if "-" in head and ":" not in head:
                inside = line.rstrip().endswith(name)
            elif inside and line.startswith("Rss:"):
                kb += int(line.split()[1])
        return kb

    with open(path, "rb") as f:
        ro = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    with open(other, "r+b") as f:  # private and writable: a written page must survive
        rw = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE,
                       prot=mmap.PROT_READ | mmap.PROT_WRITE)
    before = hashlib.sha256(ro[:]).hexdigest()
    rw[0:5] = b"KEEP!"
    rw_sum = hashlib.sha256(rw[:]).hexdigest()
    ro_kb, rw_kb = resident_kb(os.path.basename(path)), resident_kb(os.path.basename(other))
    released = release_clean_library_pages(min_resident_kb=1024)
    print(ro_kb, resident_kb(os.path.basename(path)), rw_kb,
          resident_kb(os.path.basename(other)), released,
          hashlib.sha256(ro[:]).hexdigest() == before,
          rw[0:5] == b"KEEP!" and hashlib.sha256(rw[:]).hexdigest() == rw_sum)
""")


def test_clean_pages_are_dropped_and_read_back_the_same(tmp_path):
    data = os.urandom(4 << 20)
    for name in ("library.bin", "written.bin"):
        with open(tmp_path / name, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # written back: its pages are clean copies of the file
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "library.bin"),
                           str(tmp_path / "written.bin")],
                          capture_output=True, text=True, check=True)
    ro_before, ro_after, rw_before, rw_after, released, same, kept = done.stdout.split()
    assert int(ro_before) >= 4096  # all of it was read, so resident
    assert int(ro_after) < 512  # dropped
    assert int(released) >= 4096
    assert same == "True"  # and reads back the same
    assert int(rw_after) == int(rw_before) and kept == "True"  # the written mapping: kept


def _counts(**kb):
    return {"Anonymous": 0, "Private_Dirty": 0, "Private_Clean": 0, "Shared_Clean": 0, **kb}


@pytest.mark.parametrize(("perms", "path", "counts", "expected"), [
    ("r-xp", "/lib/libx.so", _counts(Private_Clean=4096), True),
    # mapped by sibling workers too: dropped all the same (each drops its own mapping)
    ("r-xp", "/lib/libx.so", _counts(Shared_Clean=4096), True),
    ("r--p", "/lib/libx.so", _counts(Anonymous=8, Private_Clean=4096), False),
    ("rw-p", "/lib/libx.so", _counts(Private_Clean=4096), False),
    ("r-xp", "[vdso]", _counts(Private_Clean=4096), False),
    ("r-xp", "", _counts(Private_Clean=4096), False),
    ("r-xp", "/lib/libx.so", _counts(Private_Dirty=4, Private_Clean=4096), False),
    ("r-xp", "/lib/libx.so", _counts(Private_Clean=100, Shared_Clean=100), False),
])
def test_only_unwritten_file_pages_are_dropped(perms, path, counts, expected):
    assert droppable(perms, path, counts, 1024) is expected


def test_a_batch_job_drops_them_after_its_first_event(monkeypatch, tmp_path, simtel_file):
    """``process`` (one job in this process) calls the release once, after the first
    event: the kernels that event loaded are in memory, the LLVM pages that did it are not
    needed any more."""
    from ctaviewer.batch import job
    calls = []
    monkeypatch.setattr(job, "release_if_grown", lambda since: calls.append(1) or 0)
    spec = job.JobSpec(str(simtel_file("gamma_4lst.simtel.zst")),
                       str(tmp_path / "out.dl1.h5"))
    result = job.execute_job(spec)
    assert result.ok and result.n_events > 1
    assert calls == [1]


def test_a_worker_drops_them_once_per_split_file(monkeypatch, tmp_path, simtel_file):
    """A worker processing ranges of a split file releases after the first event of the
    first range it gets of that file, not at every range."""
    import numpy as np

    from ctaviewer.batch import chunks
    from ctaviewer.batch.chunks import ChunkCache, ChunkSpec, SplitState, run_chunk, state_file
    from ctaviewer.batch.job import JobSpec
    from ctaviewer.io import open_source

    path = str(simtel_file("gamma_4lst.simtel.zst"))
    with open_source(path) as source:
        index = source.scan_index()
        headers = source.headers
    calls = []
    monkeypatch.setattr(chunks, "release_if_grown", lambda since: calls.append(1) or 0)
    try:
        spec = JobSpec(input=path, output=str(tmp_path / "out.h5"))
        state = SplitState(spec, headers).save(state_file(str(tmp_path)))
        n = len(index)
        cache = ChunkCache()
        done = 0
        for start in range(0, n, 2):
            keep = (np.arange(n) >= start) & (np.arange(n) < start + 2)
            done += run_chunk(ChunkSpec(path, state, start, index.select(keep)), cache).n_events
        cache.close()
    finally:
        index.cleanup()
    assert done == n >= 3 and calls == [1]


def test_a_release_needs_the_file_pages_to_have_grown(monkeypatch):
    """After a job's first event the pages are dropped only when that event made the
    resident file pages grow (kernels loaded): a process that has its kernels pays one
    read of a counter per file, not a walk of its maps."""
    from ctaviewer.batch import page_release

    calls = []
    monkeypatch.setattr(page_release, "release_clean_library_pages",
                        lambda: calls.append(1) or 1)
    now = page_release.file_resident_kb()
    assert now > 0
    assert page_release.release_if_grown(now) == 0 and calls == []
    assert page_release.release_if_grown(now - page_release.MIN_GROWTH_KB) == 1
    assert calls == [1]
