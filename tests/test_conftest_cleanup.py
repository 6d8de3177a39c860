"""The test suite leaves nothing in the temporary folder: it left one
``ctaviewer-test-config-*`` folder (the throw-away XDG_CONFIG_HOME) behind per run."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def test_a_test_run_removes_its_config_folder(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    env.pop("XDG_CONFIG_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
         str(tmp_path / "basetemp"), "tests/test_warning_capture.py", "tests/test_app_about.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [n for n in os.listdir(tmp) if n.startswith("ctaviewer-test-config-")] == []
