"""The batch under failure: a full disk, a worker that dies, a parent killed with -9, Ctrl-C.

Each failure ends as one line per file naming the file and the cause, no partial output,
no traceback, no process left behind; the other files go on.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ctaviewer.batch.job import JobSpec, result_from_exception
from ctaviewer.batch.runner import BatchRunner
from ctaviewer.batch.worker import WarningLines, describe_exit
from ctaviewer.writers.atomic import TMP_MARK

from .conftest import simtel

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc to find the worker processes")


@functools.cache
def _can_unshare() -> bool:
    """Whether a tmpfs can be mounted in a private mount namespace (unshare -rm)."""
    exe = shutil.which("unshare")
    probe = ('d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"; rc=$?; '
             'umount "$d" 2>/dev/null; rmdir "$d"; exit $rc')
    return bool(exe) and subprocess.run([exe, "-rm", "sh", "-c", probe],
                                        capture_output=True).returncode == 0


def run_on_small_disk(cmd, folder, size_kb, env=None):
    """Run ``cmd`` with ``folder`` on a file system of ``size_kb`` (a tmpfs in a private
    mount namespace) or, where namespaces are not allowed, with a file-size limit of
    ``size_kb``. Returns (completed process, names in ``folder`` at the end, how)."""
    folder.mkdir(parents=True, exist_ok=True)
    if _can_unshare():
        script = ('mount -t tmpfs -o size="$1"k tmpfs "$2" || exit 99; d="$2"; shift 2; '
                  '"$@"; rc=$?; echo "@@@listing"; ls -A "$d"; exit $rc')
        done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(size_kb),
                               str(folder), *cmd], capture_output=True, text=True,
                              timeout=600, env=env)
        assert done.returncode != 99, done.stderr
        out, _, listing = done.stdout.partition("@@@listing\n")
        done.stdout = out
        return done, sorted(listing.split()), "tmpfs"

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size_kb * 1024, size_kb * 1024))

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, preexec_fn=limit,
                          env=env)
    return done, sorted(os.listdir(folder)), "rlimit"


def _process_cmd(*args):
    return [sys.executable, "-m", "ctaviewer", "process", *map(str, args)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_full_disk_fails_the_file_cleanly_and_the_run_goes_on(tmp_path, workers):
    big, small = simtel("gamma_70sst1m.simtel.zst"), simtel("gamma_4lst.simtel.zst")
    out = tmp_path / "out"
    done, listing, how = run_on_small_disk(
        _process_cmd(big, small, "-o", out, "--images", "-j", workers, "--json"), out, 1024)
    # today: exit status 139 (libhdf5 segfaults after the failed write), workers dead
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Segmentation" not in done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    cause = "disk full" if how == "tmpfs" else "file size limit exceeded"
    assert summary["failed"] >= 1 and summary["files"] == 2
    for error in summary["errors"]:
        assert cause in error and "died" not in error, error
    assert any(e.startswith(str(big)) and "gamma_70sst1m.dl1.h5" in e for e in summary["errors"])
    failed_lines = [line for line in done.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed_lines) == summary["failed"]
    assert not [n for n in listing if TMP_MARK in n]  # nothing partial left
    assert listing == sorted(os.path.basename(p) for p in summary["outputs"])
    if workers == "1" or how == "rlimit":  # alone, the small file fits: the run went on
        assert summary["outputs"] == [str(out / "gamma_4lst.dl1.h5")]


@pytest.mark.skipif(not _can_unshare(), reason="needs a private mount namespace (unshare -rm)")
def test_full_numba_cache_folder_is_named_not_the_output(tmp_path):
    """A full TMPDIR / NUMBA_CACHE_DIR is said as such; the output is not blamed."""
    cache = tmp_path / "cache"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache / "numba"), "TMPDIR": str(cache)}
    cmd = ["sh", "-c", 'head -c 200000 /dev/zero > "$0/fill"; exec "$@"', str(cache),
           *_process_cmd(simtel("gamma_4lst.simtel.zst"), "-o", tmp_path / "out", "--json")]
    done, _, _ = run_on_small_disk(cmd, cache, 128, env=env)
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    (error,) = summary["errors"]  # numba compiled (its cache is empty) and could not save
    assert "numba's cache folder" in error and "disk full" in error, error
    assert "gamma_4lst.dl1.h5" not in error
    assert _temps(tmp_path / "out") == []


def test_write_errors_without_a_file_name_blame_no_output():
    spec = JobSpec("in.simtel.zst", "out/in.dl1.h5")
    namespace = {"__name__": "numba.core.caching"}
    exec("def save():\n    raise OSError(28, 'No space left on device')", namespace)
    try:
        namespace["save"]()
    except OSError as exc:
        r = result_from_exception(spec, exc)
    assert r.error.startswith("in.simtel.zst: numba's cache folder")
    assert "disk full" in r.error and "out/in.dl1.h5" not in r.error
    r = result_from_exception(spec, OSError(28, "No space left on device", "/scratch/x"))
    assert r.error == "in.simtel.zst: /scratch/x: cannot write: disk full (No space left on device)"
    r = result_from_exception(spec, MemoryError())
    assert r.error == "in.simtel.zst: out of memory"


def test_a_killed_worker_is_reported_and_replaced(tmp_path):
    long = str(simtel("gamma_70sst1m.simtel.zst"))
    short = str(simtel("gamma_4lst.simtel.zst"))
    specs = [JobSpec(long, str(tmp_path / "a.h5"), write_images=True),
             JobSpec(short, str(tmp_path / "b.h5")), JobSpec(short, str(tmp_path / "c.h5"))]
    killed, pids, log = [], set(), []

    def on_progress(p):
        pids.update(p.pids.values())
        done = p.per_file.get(long)
        if not killed and done and done[0] > 0:  # the first file is being written
            killed.append(p.pids[long])
            os.kill(killed[0], signal.SIGKILL)  # as the out-of-memory killer does

    # one worker: without a replacement the queued files would never run
    results = BatchRunner(specs, n_workers=1, on_progress=on_progress, on_log=log.append).run()
    assert killed
    assert not results[0].ok and "worker process died" in results[0].error
    assert "SIGKILL" in results[0].error and results[0].error.startswith(long)
    assert [r.ok for r in results[1:]] == [True, True]
    assert len(pids - set(killed)) >= 1  # the queued files ran in a new worker
    assert sorted(os.listdir(tmp_path)) == ["b.h5", "c.h5"]  # no partial output
    assert sum(line.startswith("FAILED") for line in log) == 1


class _Unreadable(int):
    """An int in the parent; unpickling it raises, as a class a worker cannot import does."""

    def __reduce__(self):
        import operator

        return operator.truediv, (1, 0)


def test_a_job_a_worker_cannot_read_fails_alone_and_the_worker_goes_on(tmp_path, caplog):
    short = str(simtel("gamma_4lst.simtel.zst"))
    specs = [JobSpec(short, str(tmp_path / "a.h5"), max_events=_Unreadable(2)),
             JobSpec(short, str(tmp_path / "b.h5"))]
    log = []
    with caplog.at_level("DEBUG", logger="ctaviewer.batch.runner"):
        results = BatchRunner(specs, n_workers=1, on_log=log.append).run()
    assert results[0].error.startswith(f"{short}: the worker process could not take the job")
    assert "ZeroDivisionError" in results[0].error and "died" not in results[0].error
    assert results[1].ok
    started = [r for r in caplog.records if r.getMessage().startswith("worker process")
               and r.getMessage().endswith(" started")]
    assert len(started) == 1  # the same worker ran the next job
    assert sorted(os.listdir(tmp_path)) == ["b.h5"]
    assert sum(line.startswith("FAILED") for line in log) == 1


def test_describe_exit():
    assert describe_exit(-signal.SIGSEGV) == "killed by SIGSEGV"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL, perhaps out of memory"
    assert describe_exit(3) == "exit code 3"


def test_worker_warnings_become_one_line_naming_the_file():
    sent = []
    lines = WarningLines(sent.append)
    lines.begin("a.simtel.zst")
    lines.show("invalid value\nencountered", RuntimeWarning, "/x/numpy/core.py", 12,
               line="    y = np.log(x)")
    lines.show("invalid value\nencountered", RuntimeWarning, "/x/numpy/core.py", 12)
    assert lines.end() == ["a.simtel.zst: RuntimeWarning: invalid value encountered"]
    lines.show("outside a job", UserWarning, "f.py", 1)
    assert sent == ["warning: UserWarning: outside a job"]


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _copies(tmp_path, n: int) -> list[str]:
    folder = tmp_path / "in"
    folder.mkdir()
    source = simtel("gamma_70sst1m.simtel.zst")
    for i in range(n):
        (folder / f"g{i}.simtel.zst").symlink_to(source)
    return [str(folder / f"g{i}.simtel.zst") for i in range(n)]


def _temps(folder) -> list[str]:
    return [n for n in os.listdir(folder) if TMP_MARK in n] if folder.exists() else []


@linux_only
def test_workers_die_with_a_killed_parent(tmp_path):
    inputs = _copies(tmp_path, 6)
    out = tmp_path / "out"
    proc = subprocess.Popen(_process_cmd(*inputs, "-o", out, "--images", "-j", "2"),
                            start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: len(_temps(out)) == 2, 300), "workers never started"
        workers = _children(proc.pid)
        assert len(workers) >= 2
    finally:
        proc.kill()  # kill -9: no clean-up of its own
        proc.wait()
    # today: the workers run every queued file to its end under PID 1
    assert _wait_for(lambda: not any(map(_running, workers)), 60), "orphan workers"
    assert _temps(out) == []  # each stopped its job and removed the partial output
    assert len(os.listdir(out)) < len(inputs)


@linux_only
def test_watchdog_alone_ends_an_orphan(tmp_path):
    """Where there is no parent-death signal, the watchdog thread ends the worker."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import multiprocessing as mp, os, threading, time
        from ctaviewer.batch import worker

        def child(parent_pid):
            worker._watchdog(parent_pid, threading.Event())  # no PR_SET_PDEATHSIG here

        if __name__ == "__main__":
            p = mp.get_context("spawn").Process(target=child, args=(os.getpid(),))
            p.start()
            print(p.pid, flush=True)
            time.sleep(600)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    child = int(proc.stdout.readline())
    assert _running(child)
    proc.kill()
    proc.wait()
    assert _wait_for(lambda: not _running(child), 60), "the watchdog did not end the orphan"


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@linux_only
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ctrl_c_is_one_line_and_status_130(tmp_path, workers, how):
    """Ctrl-C (SIGINT to the whole process group) and SIGTERM (``kill PID``, a batch
    system ending the job: to the main process only) stop the run alike: one line, the
    finished outputs kept, no temporary file left, the workers ended."""
    inputs = _copies(tmp_path, 3)
    out = tmp_path / "out"
    # as from a terminal: SIGINT not ignored, even where this test runs in the background
    # (a shell starts background jobs with SIGINT ignored, and children inherit that)
    proc = subprocess.Popen(_process_cmd(*inputs, "-o", out, "--images", "-j", workers),
                            preexec_fn=_sigint_default,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: _temps(out), 300), "no job started"
        children = _children(proc.pid)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            os.kill(proc.pid, signal.SIGTERM)  # before: the process died, temporaries left
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    code, said = ((130, "ctaviewer: interrupted") if how == "ctrl-c" else
                  (143, "ctaviewer: terminated (SIGTERM); outputs not finished were removed"))
    assert proc.returncode == code, stderr
    # today: ~60 lines of KeyboardInterrupt tracebacks from the workers before this
    assert [line for line in stderr.splitlines()
            if not line.startswith("wrote ")] == [said], stderr
    assert _temps(out) == []
    assert _wait_for(lambda: not any(map(_running, children)), 30)
