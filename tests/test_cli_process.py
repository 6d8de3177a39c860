"""``ctaviewer process`` and ``ctaviewer train`` from the command line."""

from __future__ import annotations

import json

import pytest

from ctaviewer.cli import main

from .conftest import simtel


def test_process_train_and_dl2(tmp_path, capsys):
    g, p = simtel("gamma_4lst.simtel.zst"), simtel("proton_13tel.simtel.zst")
    out = tmp_path / "out"
    assert main(["process", str(g), "--output", str(out), "--json", "--images"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["files"] == 1 and summary["failed"] == 0 and summary["events"] == 4
    assert (out / "gamma_4lst.dl1.h5").exists()
    # refuses to overwrite, replaces with --overwrite
    assert main(["process", str(g), "--output", str(out), "--json"]) == 1
    assert "exists" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])["errors"][0]
    tables = tmp_path / "t.h5"
    assert main(["train", "--gammas", str(g), "--protons", str(p), "-o", str(tables),
                 "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["events"]["gamma"] >= 1
    assert main(["process", str(g), "-o", str(out), "--levels", "dl2", "--estimators",
                 str(tables), "--pattern", "{stem}_x.h5", "--json"]) == 0
    assert (out / "gamma_4lst_x.h5").exists()


def test_bad_arguments_are_clean_errors(tmp_path, capsys):
    g = simtel("gamma_4lst.simtel.zst")
    assert main(["process", str(g), "-o", str(tmp_path), "--levels", "dl9"]) == 2
    assert "unknown level" in capsys.readouterr().err
    assert main(["process", str(tmp_path / "nothing*.simtel"), "-o", str(tmp_path)]) == 2


def test_output_folder_not_created_before_config_and_inputs_are_valid(tmp_path, capsys):
    g = simtel("gamma_4lst.simtel.zst")
    bad = tmp_path / "bad.toml"
    bad.write_text("extractor = 5\n")
    out = tmp_path / "out"
    assert main(["process", str(g), "-o", str(out), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: extractor: must be a table" in err and "Traceback" not in err
    assert not out.exists()  # was created before the configuration was read
    assert main(["process", str(tmp_path / "none*.simtel.zst"), "-o", str(out)]) == 2
    assert not out.exists()


def test_quiet_and_verbose(tmp_path, capsys):
    g = simtel("gamma_4lst.simtel.zst")
    assert main(["process", str(g), "-o", str(tmp_path / "a")]) == 0
    default = capsys.readouterr().err
    assert "wrote " in default and "started" not in default
    assert main(["process", str(g), "-o", str(tmp_path / "b"), "--quiet", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # nothing but warnings and errors
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert set(summary) == {"files", "failed", "events", "outputs", "errors", "max_job_seconds",
                            "obs_id_warnings", "empty_outputs", "dl3"}  # unchanged for scripts
    assert main(["process", str(g), "-o", str(tmp_path / "c"), "-v"]) == 0
    assert f"{g}: started" in capsys.readouterr().err
    assert main(["process", str(g), "-o", str(tmp_path / "d"), "-q"]) == 0
    assert main(["process", str(g), "-o", str(tmp_path / "d"), "-q"]) == 1  # exists: an error
    assert "FAILED" in capsys.readouterr().err


def _run_in_terminal(cmd, timeout=300) -> tuple[int, str]:
    """Run ``cmd`` with stdout and stderr on a pseudo-terminal; (status, all it wrote)."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_progress_bar_only_on_a_terminal(tmp_path):
    import subprocess
    import sys

    pytest.importorskip("pty")
    g = simtel("gamma_70sst1m.simtel.zst")
    cmd = [sys.executable, "-m", "ctaviewer", "process", str(g), "-o"]
    status, shown = _run_in_terminal([*cmd, str(tmp_path / "tty"), "-j", "2"])
    assert status == 0, shown
    assert "1/1 files" in shown and "%|" in shown and "events" in shown  # tqdm's bar
    done = subprocess.run([*cmd, str(tmp_path / "pipe")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0
    assert "%|" not in done.stderr and "\r" not in done.stderr  # silent in a pipe
    status, shown = _run_in_terminal([*cmd, str(tmp_path / "quiet"), "-q"])
    assert status == 0 and "%|" not in shown


def test_dl3_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    import errno

    import ctaviewer.irf.make

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ctaviewer.irf.make, "make_dl3", full_disk)
    g = simtel("gamma_4lst.simtel.zst")
    out = tmp_path / "out"
    assert main(["process", str(g), "-o", str(out), "--levels", "dl1,dl2,dl3"]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'dl3'}: cannot write DL3: disk full" in err and "Traceback" not in err
