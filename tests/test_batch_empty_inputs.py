"""A file that yields no event because it is cut or damaged is an input error: the job
fails naming the file and the cause, and writes nothing (before: an output without events
and a warning, exit 0). A run whose data holds no event (an intact file) is written, with
its simulation headers, as before."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner

from .conftest import load_script, simtel, truncated_copy

ROOT = Path(__file__).resolve().parent.parent


def _run(path, out: Path, split: bool):
    out.mkdir()
    spec = JobSpec(str(path), str(out / "o.h5"))
    if split:  # split across two workers however small (as -j 2 does a large file)
        runner = BatchRunner([spec], n_workers=2, split_min_bytes=0)
    else:
        runner = BatchRunner([spec], in_process=True)
    (result,) = runner.run()
    return result


@pytest.mark.parametrize("split", [False, True], ids=["whole", "split"])
def test_a_file_cut_inside_its_first_event_fails_and_writes_nothing(tmp_path, split):
    cut = truncated_copy(tmp_path / "in", keep=0.2)  # run headers whole, first event cut
    out = tmp_path / "out"
    r = _run(cut, out, split)
    assert not r.ok
    assert str(cut) in r.error and "no complete event" in r.error
    assert "truncated" in r.error and "nothing written" in r.error
    assert list(out.iterdir()) == []


def test_an_intact_run_without_events_is_written(tmp_path):
    make = load_script(ROOT / "benchmarks" / "make_production.py")
    empty = tmp_path / "empty_run.simtel"
    make.make_production(str(simtel("gamma_4lst.simtel.zst")), str(empty), 0)
    r = _run(empty, tmp_path / "out", split=False)
    assert r.ok and r.n_events == 0, r.error
    with h5py.File(r.output) as f:
        assert "/configuration/simulation/run" in f
