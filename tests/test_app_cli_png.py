"""``ctaviewer BADFILE --png out.png``, the no-display fallback and the screenshot script
wrote a blank window PNG and exited 0; now: one line naming the file and the cause, an exit
code not 0, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import simtel

pytestmark = pytest.mark.gui


@pytest.fixture(params=["header_only", "not_simtel", "missing"])
def bad_file(request, tmp_path):
    if request.param == "header_only":
        return simtel("bad_header_only.simtel.gz")
    path = tmp_path / "notes.simtel.zst"
    if request.param == "not_simtel":
        path.write_bytes(b"this is not a sim_telarray file\n" * 100)
    return path


def run(args, env=None, timeout=180):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line]


def test_png_of_a_bad_file_is_an_error(bad_file, tmp_path):
    out = tmp_path / "out.png"
    proc = run(["ctaviewer", str(bad_file), "--png", str(out)])
    assert proc.returncode != 0
    (line,) = error_lines(proc.stderr)
    assert line.startswith("ctaviewer: error: ") and str(bad_file) in line
    assert "Traceback" not in proc.stderr
    assert not out.exists() and os.listdir(tmp_path) in ([], ["notes.simtel.zst"])


def test_no_display_fallback_of_a_bad_file_is_an_error(bad_file, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["TMPDIR"] = str(tmp_path / "tmp")  # where the fallback PNG would be written
    os.mkdir(env["TMPDIR"])
    proc = run(["ctaviewer", str(bad_file)], env=env)
    assert proc.returncode != 0
    (line,) = error_lines(proc.stderr)
    assert str(bad_file) in line and "Traceback" not in proc.stderr
    assert os.listdir(env["TMPDIR"]) == []


def test_png_of_a_good_file_is_written(tmp_path):
    out = tmp_path / "out.png"
    proc = run(["ctaviewer", str(simtel("gamma_4lst.simtel.zst")), "--png", str(out)])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out) and out.stat().st_size > 10000


def test_render_event_png_raises_the_files_error(tmp_path):
    from ctaviewer.app.render import render_event_png
    from ctaviewer.errors import InputFileError

    path = simtel("bad_header_only.simtel.gz")
    with pytest.raises(InputFileError) as err:
        render_event_png(str(path), 0, str(tmp_path / "x.png"))
    assert err.value.path == str(path) and "header" in err.value.cause
    assert not (tmp_path / "x.png").exists()


def test_screenshot_script_of_a_bad_file_is_an_error(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = tmp_path / "shot.png"
    path = simtel("bad_header_only.simtel.gz")
    proc = run(["ctaviewer.app.screenshot", str(path), str(out)], env=env)
    assert proc.returncode != 0
    (line,) = error_lines(proc.stderr)
    assert str(path) in line and "header" in line
    assert not out.exists()
