"""`make test PYTHON=...`: which interpreter is found and which environment it runs in.

Run on a copy of the Makefile with stand-in interpreters (shell scripts that answer the
version and sys.executable questions the Makefile and packaging/find_python.sh ask), through
``make -n``, which prints the commands without running them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


def _python(path: Path, version: str, runs: bool = True) -> Path:
    """A stand-in interpreter of ``version`` (a pyenv shim that refuses to run: runs=False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (f'case "$2" in *version_info*) echo {version};; *executable*) echo "$0";; esac\n'
            if runs else 'echo "pyenv: $(basename "$0"): command not found" >&2; exit 127\n')
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path):
    (tmp_path / "packaging").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "packaging" / "find_python.sh", tmp_path / "packaging")
    return tmp_path


def _make(checkout, *args, path=None, pyenv_root=None):
    # nothing of an outer make (a PYTHON=... of `make test PYTHON=...` reaches here in MAKEFLAGS)
    outer = ("PYTHON", "VENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    env["PYENV_ROOT"] = str(pyenv_root or checkout / "no-pyenv")
    if path is not None:
        env["PATH"] = f"{path}:{env['PATH']}"
    return subprocess.run(["make", "-n", *args], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=60)


def _pytest_line(result):
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if "-m pytest" in line)


def test_default_and_same_version_use_dotvenv(checkout):
    assert _pytest_line(_make(checkout, "test")).startswith(".venv/bin/python -m pytest")
    py313 = _python(checkout / "bin" / "python3.13", "3.13")
    # no .venv yet: it is made with the Python asked for
    result = _make(checkout, "test", f"PYTHON={py313}")
    assert _pytest_line(result).startswith(".venv/bin/python -m pytest")
    assert f"py=$(bash packaging/find_python.sh '{py313}')" in result.stdout
    _python(checkout / ".venv" / "bin" / "python", "3.13")
    assert _pytest_line(_make(checkout, "test", f"PYTHON={py313}")).startswith(
        ".venv/bin/python -m pytest")


def test_another_version_gets_its_own_environment(checkout):
    _python(checkout / ".venv" / "bin" / "python", "3.11")
    py313 = _python(checkout / "bin" / "python3.13", "3.13")
    result = _make(checkout, "test", f"PYTHON={py313}")
    assert _pytest_line(result).startswith(".venv-py3.13/bin/python -m pytest")
    assert ".venv-py3.13/bin/lint-imports" in result.stdout
    # the 3.11 environment stays what plain `make test` uses
    assert _pytest_line(_make(checkout, "test")).startswith(".venv/bin/python -m pytest")
    # VENV chooses outright, but not an environment of another version
    assert _pytest_line(_make(checkout, "test", f"PYTHON={py313}", "VENV=envs/a")).startswith(
        "envs/a/bin/python -m pytest")
    clash = _make(checkout, "test", f"PYTHON={py313}", "VENV=.venv")
    assert clash.returncode != 0
    assert ".venv holds Python 3.11, not 3.13" in clash.stderr


def test_missing_python_is_a_clear_error(checkout):
    result = _make(checkout, "test", "PYTHON=python3.99-nowhere")
    assert result.returncode != 0
    assert "no Python interpreter 'python3.99-nowhere' found" in result.stderr
    assert "-m pytest" not in result.stdout


def test_pyenv_version_found_behind_a_refusing_shim(checkout):
    shims = checkout / "shims"
    _python(shims / "python3.13", "3.13", runs=False)
    root = checkout / "pyenv"
    for v in ("3.13.9", "3.13.10", "3.12.4"):
        _python(root / "versions" / v / "bin" / ("python" + v[:4]), v[:4])
    _python(root / "versions" / "3.13.11" / "bin" / "python3.13", "3.13", runs=False)
    found = subprocess.run(["bash", str(checkout / "packaging" / "find_python.sh"), "python3.13"],
                           env={**os.environ, "PATH": f"{shims}:{os.environ['PATH']}",
                                "PYENV_ROOT": str(root)},
                           capture_output=True, text=True, timeout=30)
    assert found.returncode == 0
    # the newest release that runs (3.13.10 sorts after 3.13.9 as a version, not as text)
    assert found.stdout.strip() == str(root / "versions" / "3.13.10" / "bin" / "python3.13")
    _python(checkout / ".venv" / "bin" / "python", "3.11")
    result = _make(checkout, "test", "PYTHON=python3.13", path=shims, pyenv_root=root)
    assert _pytest_line(result).startswith(".venv-py3.13/bin/python -m pytest")


@pytest.mark.parametrize(("installed", "installs"), [
    ("libglib2.0-0", ""),  # Debian 12
    ("libglib2.0-0t64", ""),  # Debian 13, Ubuntu 24.04: the old name is only provided
    ("", "install -y -qq --no-install-recommends libglib2.0-0"),
])
def test_system_libraries_under_their_64bit_time_names(tmp_path, installed, installs):
    """packaging/sysdeps.sh (run by make test) takes a library renamed for 64-bit time_t as
    present, instead of trying to install it on every run."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "apt.log"
    (bin_ / "dpkg-query").write_text(
        "#!/bin/sh\nrc=1\nfor p in \"$@\"; do\n"
        f"  if [ \"$p\" = '{installed}' ]; then echo 'install ok installed'; rc=0; fi\n"
        "done\nexit $rc\n")
    (bin_ / "apt-get").write_text(f"#!/bin/sh\necho \"$*\" >> {log}\n")
    (bin_ / "id").write_text("#!/bin/sh\necho 0\n")
    for f in bin_.iterdir():
        f.chmod(0o755)
    result = subprocess.run(["bash", str(ROOT / "packaging" / "sysdeps.sh"), "libglib2.0-0"],
                            env={**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}"},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    calls = log.read_text() if log.exists() else ""
    assert (installs in calls) if installs else calls == ""
    assert ("installing system libraries" in result.stderr) == bool(installs)
