"""Warnings about an input reach the batch log as one line naming the file, from worker
processes too (they printed Python's warning format, with source lines, on stderr)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import simtel, truncated_copy


@pytest.fixture
def truncated(tmp_path):
    return truncated_copy(tmp_path / "in")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_process_reports_warnings_as_one_line(truncated, tmp_path, workers):
    good = simtel("gamma_4lst.simtel.zst")
    proc = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "process", str(truncated), str(good),
         "-o", str(tmp_path / "out"), "-j", workers],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    warned = [line for line in lines if "truncated" in line]
    assert len(warned) == 1, proc.stderr
    assert warned[0].startswith(f"warning: {truncated}: ") and "3 complete events" in warned[0]
    assert "TruncatedFileWarning" not in proc.stderr and "warnings.warn" not in proc.stderr


def test_job_result_carries_the_warnings(truncated, tmp_path):
    from ctaviewer.batch.job import make_specs, run_job

    (spec,) = make_specs([str(truncated)], str(tmp_path))
    result = run_job(spec)
    assert result.ok and result.n_events == 3
    assert len(result.warnings) == 1 and "truncated" in result.warnings[0]
