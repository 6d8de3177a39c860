"""Bad input gets a typed error naming the file and the cause, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

from ctaviewer import open_source
from ctaviewer.errors import (
    CorruptFileError,
    EmptyFileError,
    HeaderOnlyFileError,
    InputFileError,
    MissingFileError,
    TruncatedFileWarning,
    UnknownCameraWarning,
    UnsupportedFileError,
)

from .conftest import simtel


def test_missing_file(tmp_path):
    path = tmp_path / "nope.simtel.zst"
    with pytest.raises(MissingFileError) as info:
        open_source(path)
    assert str(path) in str(info.value) and "no such file" in str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.simtel"
    path.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty"):
        open_source(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.simtel.gz"
    path.write_text("this is not a simulation file\n" * 20)
    with pytest.raises(UnsupportedFileError) as info:
        open_source(path)
    assert str(path) in str(info.value)
    assert "EventIO sync marker" in info.value.cause


def test_folder(tmp_path):
    with pytest.raises(InputFileError, match="folder"):
        open_source(tmp_path)


def test_header_only_file():
    path = simtel("bad_header_only.simtel.gz")
    with pytest.raises(HeaderOnlyFileError) as info:
        open_source(path)
    assert info.value.path == str(path)
    assert "no events" in info.value.cause


def test_truncated_file_delivers_complete_events_then_warns_once():
    path = simtel("gamma_prod2_126tel_truncated.simtel.gz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_source(path) as source:
            events = [event for event in source]  # list() calls len(): indexing
    truncation = [w for w in caught if issubclass(w.category, TruncatedFileWarning)]
    assert len(events) == 9
    assert len(truncation) == 1
    assert str(path) in str(truncation[0].message)


def test_truncated_file_index_and_random_access():
    path = simtel("gamma_prod2_126tel_truncated.simtel.gz")
    with pytest.warns(TruncatedFileWarning):
        with open_source(path) as source:
            assert len(source) == 9
            assert source.index.truncated
            assert source[8].n_tels >= 2


def test_unknown_camera_warns_and_works():
    path = simtel("stress_40k_pixels.simtel.zst")
    with pytest.warns(UnknownCameraWarning, match="Unknown-40000px"):
        source = open_source(path)
    with source:
        (camera,) = source.subarray.camera_types
        assert camera.name == "Unknown-40000px" and camera.geometry.n_pixels == 40000
        assert source[1].tel[1].sums.shape == (1, 40000)


@pytest.fixture(scope="module")
def corrupted_file(tmp_path_factory):
    """The benchmark file, decompressed, with 2000 bytes of noise written at half its length."""
    import zstandard

    src = simtel("gamma_70sst1m.simtel.zst")
    with open(src, "rb") as f:
        raw = bytearray(zstandard.ZstdDecompressor().stream_reader(f).read())
    rng = __import__("numpy").random.default_rng(5)
    offset = len(raw) // 2
    raw[offset : offset + 2000] = rng.integers(0, 256, 2000, dtype="uint8").tobytes()
    path = tmp_path_factory.mktemp("bad") / "corrupted.simtel"
    path.write_bytes(bytes(raw))
    return path


def test_corrupted_byte_range_sequential(corrupted_file):
    delivered = 0
    with pytest.raises(CorruptFileError) as info:
        with open_source(corrupted_file) as source:
            for _ in source:
                delivered += 1
    err = info.value
    assert err.path == str(corrupted_file)
    assert 0 < delivered < 31 and err.n_good_events == delivered
    assert "corrupted data" in str(err)


def test_corrupted_byte_range_random_access(corrupted_file):
    with open_source(corrupted_file) as source:
        n = len(source)
        good, bad = 0, []
        for i in range(n):
            try:
                source[i]
                good += 1
            except CorruptFileError as exc:
                assert exc.offset is not None and str(corrupted_file) in str(exc)
                bad.append(i)
        # the damage is local: every other event stays readable
        assert bad and good == n - len(bad)


@pytest.mark.parametrize(
    "make, expect",
    [
        (lambda d: d / "missing.simtel", "no such file"),
        (lambda d: (d / "e.simtel").write_bytes(b"") and d / "e.simtel" or d / "e.simtel", "empty"),
    ],
)
def test_cli_reports_one_line_and_nonzero_exit(tmp_path, make, expect):
    path = make(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "info", str(path)], capture_output=True, text=True
    )
    assert out.returncode != 0
    assert expect in out.stderr and str(path) in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_header_only_file():
    path = simtel("bad_header_only.simtel.gz")
    out = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "info", str(path)], capture_output=True, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and str(path) in out.stderr


def test_truncated_compressed_stream_indexes_its_complete_events(tmp_path):
    """A .zst cut mid-stream: random access keeps the complete events and warns once."""
    data = simtel("gamma_70sst1m.simtel.zst").read_bytes()
    cut = tmp_path / "cut.simtel.zst"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.warns(TruncatedFileWarning, match="cut.simtel.zst"):
        with open_source(cut) as source:
            n = len(source)
            assert source.index.truncated
            assert 0 < n < 31
            assert source[n - 1].n_tels >= 2
