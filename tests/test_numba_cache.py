"""numba's kernel cache must not break a read-only install."""

from __future__ import annotations

import os
import subprocess
import sys

from ctaviewer import _numba


def test_fallback_when_nothing_is_writable(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_numba, "_writable", lambda path: False)
    monkeypatch.setattr(_numba.tempfile, "gettempdir", lambda: str(tmp_path))
    chosen = _numba.ensure_cache_dir()
    assert chosen == os.environ["NUMBA_CACHE_DIR"]
    assert chosen.startswith(str(tmp_path)) and os.path.isdir(chosen)


def test_user_choice_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert _numba.ensure_cache_dir() == str(tmp_path)


def test_no_override_when_the_package_folder_is_writable(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_numba, "_writable", lambda path: True)
    assert _numba.ensure_cache_dir() is None
    assert "NUMBA_CACHE_DIR" not in os.environ


def test_cached_kernel_compiles_and_runs_with_a_fresh_cache_dir(tmp_path):
    code = (
        "import numpy as np\n"
        "from ctaviewer._numba import njit\n"
        "@njit(cache=True)\n"
        "def total(a):\n"
        "    s = 0.0\n"
        "    for x in a:\n"
        "        s += x\n"
        "    return s\n"
        "print(total(np.arange(10.0)))\n"
    )
    script = tmp_path / "kernel.py"
    script.write_text(code)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # cold, then from the cache
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "45.0"
    assert any((tmp_path / "cache").rglob("*.nbi"))
