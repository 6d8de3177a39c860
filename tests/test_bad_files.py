"""Bad input gets a typed error naming the file and the cause, never a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import warnings

import pytest

from ctaviewer import open_source
from ctaviewer.errors import (
    CorruptFileError,
    DamagedFileWarning,
    EmptyFileError,
    HeaderOnlyFileError,
    InputFileError,
    MissingFileError,
    TrailingDataWarning,
    TruncatedFileWarning,
    UnknownCameraWarning,
    UnsupportedFileError,
)

from .conftest import decompressed, simtel


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


def test_not_a_regular_file_is_said_as_such(tmp_path):
    """A named pipe, a loop of links, a link to nothing: each said for what it is (before:
    "empty (0 bytes)" and "no such file")."""
    pipe = tmp_path / "pipe.simtel.zst"
    os.mkfifo(pipe)
    loop = tmp_path / "loop.simtel.zst"
    loop.symlink_to(loop)
    dangling = tmp_path / "gone.simtel.zst"
    dangling.symlink_to(tmp_path / "nowhere.simtel.zst")
    for path, words, kind in ((pipe, "named pipe, not a regular file", InputFileError),
                              (loop, "symbolic links", InputFileError),
                              (dangling, "symbolic link to a file that does not exist",
                               MissingFileError)):
        with pytest.raises(kind) as info:
            open_source(path)
        assert str(path) in str(info.value) and words in str(info.value)


def test_a_compressed_stream_cut_before_any_data(tmp_path):
    """The first kilobyte of a zstd file gives no data: said as a cut stream (before: "does
    not start with the EventIO sync marker", as if it were some other data)."""
    path = tmp_path / "cut.simtel.zst"
    path.write_bytes(simtel("gamma_4lst.simtel.zst").read_bytes()[:1000])
    with pytest.raises(UnsupportedFileError) as info:
        open_source(path)
    assert str(path) in str(info.value)
    assert "ends before any data comes out of it" in str(info.value)


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
    with pytest.warns(UnknownCameraWarning, match="UNKNOWN-40000PX"):
        source = open_source(path)
    with source:
        (camera,) = source.subarray.camera_types
        assert camera.name == "UNKNOWN-40000PX" and camera.geometry.n_pixels == 40000
        assert source[1].tel[1].sums.shape == (1, 40000)


@pytest.fixture(scope="module")
def corrupted_file(tmp_path_factory):
    """The benchmark file, decompressed, with 2000 bytes of noise written at half its length."""
    raw = bytearray(decompressed("gamma_70sst1m.simtel.zst"))
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


# ------------------------------------------------------------------ damaged and unusual files
def _raw(name: str) -> bytes:
    from .test_fuzz_files import _decompress

    return _decompress(simtel(name))


def _layout(tmp_path, raw: bytes) -> list[tuple[int, int, int]]:
    """(offset, size, type) of the top-level objects of ``raw``."""
    from .test_fuzz_files import _objects

    path = tmp_path / "layout.simtel"
    path.write_bytes(raw)
    try:
        return _objects(path)
    finally:
        path.unlink()


def _count(path) -> tuple[int, list]:
    """Events delivered by plain iteration, and the warnings given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_source(path) as source:
            n = sum(1 for _ in source)
    return n, [w for w in caught if issubclass(w.category, UserWarning)]


def _indexed(path) -> tuple[int, list, object]:
    """Events of the index (``info``, the window), and the warnings given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = open_source(path)
        index = source.build_index()
        n = len(source)
        source.close()
    return n, [w for w in caught if issubclass(w.category, UserWarning)], index


def test_small_truncated_gzip_keeps_every_decompressed_byte(tmp_path):
    """Cut at 70 %: less than 4 MiB decompress; all of it is kept, and random access, info
    and iteration give the same complete events with the same warning."""
    import gzip
    import zlib

    from ctaviewer.io.decompression import decompress_to_temp

    raw = _raw("gamma_4lst.simtel.zst")
    packed = gzip.compress(raw, compresslevel=6)
    cut = tmp_path / "cut.simtel.gz"
    cut.write_bytes(packed[: int(len(packed) * 0.7)])
    expected = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut.read_bytes())
    copy = decompress_to_temp(str(cut))
    try:
        assert copy.truncated and copy.damage is None
        with open(copy.raw, "rb") as f:
            assert f.read() == expected  # every byte, not the chunks before the failing one
    finally:
        import shutil

        shutil.rmtree(copy.tmpdir)
    n_iter, iter_warnings = _count(cut)
    n_index, index_warnings, index = _indexed(cut)
    assert 0 < n_iter == n_index < 4 and index.truncated
    messages = {str(w.message) for w in iter_warnings} | {str(w.message) for w in index_warnings}
    assert len(messages) == 1 and f"{n_iter} complete events" in messages.pop()
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", "--json", str(cut)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    info = json.loads(out.stdout)
    assert info["n_events"] == n_iter and info["truncated"]


@pytest.mark.parametrize("kind", ["plain", "zst"])
@pytest.mark.parametrize("event", [0, 1])
def test_an_event_whose_length_runs_past_the_end_is_not_an_event(tmp_path, event, kind):
    """The length field of array event ``event`` made ~1 GB: its object ends beyond the end
    of the file. The index (info, the window) and iteration (process) both end there, with
    the events before it; iteration used to make an event of what there is of the object
    and count it as complete (process 1 event, info 0)."""
    import struct

    raw = bytearray(_raw("gamma_4lst.simtel.zst"))
    offset = [o for o, _, t in _layout(tmp_path, bytes(raw)) if t == 2010][event]
    (length,) = struct.unpack_from("<I", raw, offset + 12)
    struct.pack_into("<I", raw, offset + 12, (length & ~0x3FFFFFFF) | 0x3FFFFFF0)
    path = tmp_path / "long.simtel"
    if kind == "zst":
        zstandard = pytest.importorskip("zstandard")
        path = tmp_path / "long.simtel.zst"
        raw = zstandard.ZstdCompressor(level=1).compress(bytes(raw))
    path.write_bytes(bytes(raw))
    n_index, index_warnings, _ = _indexed(path)
    assert n_index == event
    assert any(issubclass(w.category, TruncatedFileWarning) for w in index_warnings)
    n_iter, iter_warnings = _count(path)
    assert n_iter == event
    assert [w.category for w in iter_warnings] == [TruncatedFileWarning]
    assert f"{event} complete events" in str(iter_warnings[0].message)


def _with_zeroed_header(tmp_path, n_before: int):
    """gamma_4lst with the header of the MCShower after event ``n_before`` zeroed."""
    raw = bytearray(_raw("gamma_4lst.simtel.zst"))
    objects = _layout(tmp_path, bytes(raw))
    arrays = [i for i, (_, _, t) in enumerate(objects) if t == 2010]
    target = next(i for i in range(arrays[n_before - 1], len(objects)) if objects[i][2] == 2020)
    offset = objects[target][0]
    raw[offset:offset + 16] = bytes(16)
    path = tmp_path / "zeroed.simtel"
    path.write_bytes(bytes(raw))
    return path, offset


def test_zeroed_block_is_reported_alike_by_index_info_and_iteration(tmp_path):
    path, offset = _with_zeroed_header(tmp_path, 2)
    n_index, index_warnings, index = _indexed(path)
    assert n_index == 2 and index.error is not None and index.error.offset == offset
    (damage,) = [w for w in index_warnings if issubclass(w.category, DamagedFileWarning)]
    assert str(path) in str(damage.message) and f"byte {offset}" in str(damage.message)
    assert "2 complete events" in str(damage.message)
    delivered = 0
    with pytest.raises(CorruptFileError) as err:
        with open_source(path) as source:
            for _ in source:
                delivered += 1
    assert delivered == 2 and err.value.n_good_events == 2 and err.value.offset == offset
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert f"events: 2 (file damaged at byte {offset}" in out.stdout
    assert f"warning: {path}: damaged at byte {offset}" in out.stderr


@pytest.mark.parametrize("where", ["header", "event"])
def test_big_endian_marker_is_a_typed_error(tmp_path, where):
    raw = bytearray(_raw("gamma_4lst.simtel.zst"))
    objects = _layout(tmp_path, bytes(raw))
    i = 2 if where == "header" else [k for k, o in enumerate(objects) if o[2] == 2021][3]
    raw[objects[i][0]:objects[i][0] + 4] = b"\xd4\x1f\x8a\x37"
    path = tmp_path / f"big_endian_{where}.simtel"
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="big-endian") as err:
        with open_source(path) as source:
            for _ in source:
                pass
    assert err.value.path == str(path)
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", str(path)],
                         capture_output=True, text=True)
    assert "Traceback" not in out.stderr, out.stderr
    if where == "header":
        assert out.returncode == 2
        (line,) = out.stderr.strip().splitlines()
        assert str(path) in line and "big-endian" in line


def test_object_before_its_event_is_a_typed_error_not_an_attribute_error(tmp_path):
    """Reordered objects: true p.e. images (1204) before the first MC event (eventio: an
    AttributeError on None)."""
    raw = _raw("muons_lst.simtel.zst")
    objects = _layout(tmp_path, raw)
    i = next(k for k, o in enumerate(objects) if o[2] == 2021)
    assert objects[i + 1][2] == 1204
    (o1, s1, _), (o2, s2, _) = objects[i], objects[i + 1]
    path = tmp_path / "swapped.simtel"
    path.write_bytes(raw[:o1] + raw[o2:o2 + s2] + raw[o1:o1 + s1] + raw[o2 + s2:])
    with pytest.raises(CorruptFileError) as err:
        _count(path)
    assert err.value.path == str(path) and err.value.n_good_events == 0
    n_index, index_warnings, _ = _indexed(path)
    assert n_index == 0
    assert any(issubclass(w.category, DamagedFileWarning) for w in index_warnings)


def test_concatenated_files_index_and_iteration_agree(tmp_path):
    raw = _raw("gamma_4lst.simtel.zst")
    path = tmp_path / "twice.simtel"
    path.write_bytes(raw + raw)
    n_iter, iter_warnings = _count(path)
    n_index, index_warnings, index = _indexed(path)
    assert n_iter == n_index == 4
    assert index.run_end == len(raw) and index.trailing_bytes == len(raw)
    for caught in (iter_warnings, index_warnings):
        (w,) = [w for w in caught if issubclass(w.category, TrailingDataWarning)]
        assert str(path) in str(w.message) and f"byte {len(raw)}" in str(w.message)


def test_duplicated_array_event_index_and_iteration_agree(tmp_path):
    """eventio merges a repeated ArrayEvent into its event: the index does the same."""
    raw = _raw("gamma_4lst.simtel.zst")
    objects = _layout(tmp_path, raw)
    off, size, _ = next(o for o in objects if o[2] == 2010)
    path = tmp_path / "dup.simtel"
    path.write_bytes(raw[:off + size] + raw[off:])
    n_iter, _ = _count(path)
    n_index, _, _ = _indexed(path)
    assert n_iter == n_index == 4


def test_stream_damaged_part_way_keeps_the_data_before(tmp_path):
    import gzip

    raw = _raw("gamma_4lst.simtel.zst")
    packed = bytearray(gzip.compress(raw, compresslevel=6))
    packed[len(packed) // 2] ^= 0xFF
    path = tmp_path / "flipped.simtel.gz"
    path.write_bytes(bytes(packed))
    n_index, index_warnings, index = _indexed(path)
    assert any(issubclass(w.category, DamagedFileWarning) and str(path) in str(w.message)
               for w in index_warnings)
    assert index.error is not None and "compressed stream is damaged" in index.error.reason
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            n_iter, _ = _count(path)
        except CorruptFileError as exc:  # the damage reached an object eventio parses
            n_iter = exc.n_good_events
    assert n_index == n_iter


# ------------------------------------------------------------------ temporary copies
@pytest.fixture
def own_tmpdir(tmp_path, monkeypatch):
    """TMPDIR for this test only: what is left in it is what the code left."""
    import tempfile

    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("stop", [RuntimeError, KeyboardInterrupt])
def test_interrupted_index_scan_leaves_no_temporary_copy(own_tmpdir, stop):
    """A progress callback that raises (or Ctrl-C) during the scan of a compressed file."""
    from ctaviewer.io.simtel_index import build_index

    calls = []

    def progress(fraction):
        calls.append(fraction)
        if fraction > 0.5:  # decompression done, scanning objects
            raise stop("stop")

    with pytest.raises(stop):
        build_index(str(simtel("gamma_70sst1m.simtel.zst")), progress=progress)
    assert calls and os.listdir(own_tmpdir) == []


def test_cancelled_index_scan_leaves_no_temporary_copy(own_tmpdir):
    from concurrent.futures import CancelledError

    from ctaviewer.io import open_indexed

    with pytest.raises(CancelledError):
        open_indexed(simtel("gamma_70sst1m.simtel.zst"), should_stop=lambda: True)
    assert os.listdir(own_tmpdir) == []


def test_copies_of_killed_processes_are_swept(own_tmpdir):
    """A process killed with its decompressed copy on disk: the next one removes the copy;
    a copy of a running process stays."""
    import signal
    import time

    from ctaviewer.stale_files import sweep_stale_temp_dirs

    script = (
        "import sys, time, warnings\n"
        "from ctaviewer import open_source\n"
        "s = open_source(sys.argv[1]); s.build_index()\n"
        "print(s.index.temporary_dir, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "TMPDIR": str(own_tmpdir)}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(simtel("gamma_4lst.simtel.zst"))],
                              stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    try:
        folders = [p.stdout.readline().strip() for p in procs]
        assert all(os.path.isdir(f) and f.startswith(str(own_tmpdir)) for f in folders)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        time.sleep(0.1)
        removed = sweep_stale_temp_dirs(str(own_tmpdir))
        assert removed == [folders[0]] and not os.path.exists(folders[0])
        assert os.path.isdir(folders[1])
    finally:
        for p in procs:
            p.kill()
            p.wait()


def test_any_command_sweeps_copies_of_killed_processes(own_tmpdir, tmp_path):
    """The sweep runs at every start of the command, not only when a compressed file is
    decompressed again: `info` on an uncompressed file removes a killed process's copy."""
    import signal
    import time

    pytest.importorskip("zstandard")
    script = (
        "import sys, time\n"
        "from ctaviewer import open_source\n"
        "s = open_source(sys.argv[1]); s.build_index()\n"
        "print(s.index.temporary_dir, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "TMPDIR": str(own_tmpdir)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(simtel("gamma_4lst.simtel.zst"))],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        folder = proc.stdout.readline().strip()
        assert os.path.isdir(folder)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    raw = tmp_path / "gamma_4lst.simtel"
    raw.write_bytes(decompressed("gamma_4lst.simtel.zst"))
    time.sleep(0.1)
    done = subprocess.run([sys.executable, "-m", "ctaviewer", "info", str(raw)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert not os.path.exists(folder)


def test_full_temporary_folder_is_a_clear_error(tmp_path):
    """Writing the decompressed copy fails (here: a file size limit, as a full disk would):
    one error line naming the file, no traceback, no copy left."""
    import resource
    import signal

    folder = tmp_path / "tmpdir"
    folder.mkdir()
    path = simtel("gamma_70sst1m.simtel.zst")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", str(path)],
                         capture_output=True, text=True, preexec_fn=limit,
                         env={**os.environ, "TMPDIR": str(folder)})
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert str(path) in line and "cannot write its decompressed copy" in line
    assert os.listdir(folder) == []


def test_unusable_temporary_folder_is_a_typed_error(tmp_path, monkeypatch):
    import tempfile

    from ctaviewer.errors import TemporaryStorageError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "nowhere"))
    path = simtel("gamma_4lst.simtel.zst")
    with pytest.raises(TemporaryStorageError) as err:
        with open_source(path) as source:
            len(source)
    assert err.value.path == str(path) and "nowhere" in err.value.cause


# ------------------------------------------------------------------ names
def test_240_character_names(tmp_path):
    """info, the index and process on an input whose name is 240 characters long."""
    name = "g" * (240 - len(".simtel.zst")) + ".simtel.zst"
    path = tmp_path / name
    path.write_bytes(simtel("gamma_4lst.simtel.zst").read_bytes())
    with open_source(path) as source:
        assert len(source) == 4 and source[3].n_tels >= 2
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "process", str(path),
                          "-o", str(tmp_path / "out"), "--max-events", "2", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    (output,) = json.loads(out.stdout.splitlines()[-1])["outputs"]
    assert os.path.exists(output) and len(os.path.basename(output)) > 230


def test_names_with_glob_characters_are_usable_by_process(tmp_path):
    src = simtel("gamma_4lst.simtel.zst").read_bytes()
    odd = tmp_path / "run[1]*.simtel.zst"
    odd.write_bytes(src)
    (tmp_path / "run1x.simtel.zst").write_bytes(src)  # what the name matches as a pattern

    def process(*args):
        out = subprocess.run([sys.executable, "-m", "ctaviewer", "process", *args,
                              "-o", str(tmp_path / "out"), "--max-events", "1", "--json",
                              "--overwrite"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.splitlines()[-1])["outputs"]

    # an existing file is taken as named, not as a pattern
    (output,) = process(str(odd))
    assert os.path.basename(output).startswith("run[1]*")
    (output,) = process("--literal", str(odd))
    assert os.path.basename(output).startswith("run[1]*")
    # a pattern still expands
    outputs = process(str(tmp_path / "run*.simtel.zst"))
    assert len(outputs) == 2
    # --literal never expands: a pattern that names no file is a missing file
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "process", "--literal",
                          str(tmp_path / "run?x.simtel.zst"), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "no such file" in out.stderr
    assert "Traceback" not in out.stderr


def test_process_says_when_a_file_has_no_events(tmp_path):
    """A valid file whose run holds no event: the output is written and the run says so."""
    raw = _raw("gamma_4lst.simtel.zst")
    objects = _layout(tmp_path, raw)
    first = next(i for i, o in enumerate(objects) if o[2] in (2020, 2021))
    off, size, t = objects[-1]
    assert t == 100
    path = tmp_path / "no_events.simtel"
    path.write_bytes(raw[:objects[first][0]] + raw[off:off + size])
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "process", str(path),
                          "-o", str(tmp_path / "out"), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.splitlines()[-1])
    assert summary["events"] == 0 and summary["empty_outputs"] == summary["outputs"]
    assert f"{path}: no events" in out.stderr


# ------------------------------------------------------------------ the window's path
def test_damage_and_typed_errors_through_the_reading_helper(tmp_path):
    """The window opens files through the helper process: the damage warning (file and
    position) reaches the caller, and eventio's exceptions arrive as typed errors."""
    from ctaviewer.service import simtel_helper

    path, offset = _with_zeroed_header(tmp_path, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = simtel_helper.open_indexed(path)
    try:
        assert len(source) == 2 and source.index.error.offset == offset
        (damage,) = [w for w in caught if issubclass(w.category, DamagedFileWarning)]
        assert str(path) in str(damage.message) and f"byte {offset}" in str(damage.message)
    finally:
        source.close()
    raw = bytearray(_raw("gamma_4lst.simtel.zst"))
    off = _layout(tmp_path, bytes(raw))[2][0]
    raw[off:off + 4] = b"\xd4\x1f\x8a\x37"
    bad = tmp_path / "big_endian.simtel"
    bad.write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="big-endian") as err:
        simtel_helper.open_indexed(bad)
    assert err.value.path == str(bad)


def test_the_start_up_sweep_ends_before_the_command_returns(monkeypatch, tmp_path):
    """The sweep of stale copies runs in a thread that imports the readers; a command that
    fails at once (a bad config) must not let the interpreter shut down under that import:
    it crashed with SIGSEGV about once in 30 runs."""
    import threading

    from ctaviewer import cli

    started, joined = [], []
    real = cli._sweep_stale_copies

    def watched():
        thread = real()
        started.append(thread)
        original_join = thread.join

        def join(timeout=None):
            original_join(timeout)
            joined.append(not thread.is_alive())

        thread.join = join
        return thread

    monkeypatch.setattr(cli, "_sweep_stale_copies", watched)
    bad = tmp_path / "bad.toml"
    bad.write_text("extractor = 5\n")
    assert cli.main(["process", "--config", str(bad), "-o", str(tmp_path / "o"),
                     str(tmp_path / "missing.simtel.zst")]) == 2
    assert started and joined == [True]
    assert all(t.name != "ctaviewer-sweep" for t in threading.enumerate())


def _checksum_damaged(tmp_path, kind: str):
    """gamma_4lst recompressed (zstd with a checksum, or gzip), one bit flipped where the
    stream still decodes: the damage is found only by the checksum at the end of the frame
    (the gzip member), after all its data came out."""
    import gzip
    import io
    import zlib

    zstandard = pytest.importorskip("zstandard")
    raw = decompressed("gamma_4lst.simtel.zst")
    if kind == "zst":
        good = zstandard.ZstdCompressor(level=3, write_checksum=True).compress(raw)
        errors, words = zstandard.ZstdError, "checksum"

        def decode(data):
            return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    else:
        good = gzip.compress(raw, compresslevel=6, mtime=0)
        errors, words = (zlib.error, OSError), "CRC check failed"
        decode = gzip.decompress
    for pos in range(len(good) // 2, len(good) - 16, 97):
        bad = bytearray(good)
        bad[pos] ^= 0x01
        try:
            decode(bytes(bad))
        except errors as exc:
            if words in str(exc):
                path = tmp_path / f"checksum.simtel.{kind}"
                path.write_bytes(bytes(bad))
                return path
    pytest.skip("no bit flip found that only the checksum catches")


@pytest.mark.parametrize("kind", ["zst", "gz"])
def test_a_checksum_failure_is_damage_not_another_run(tmp_path, kind):
    """Iteration (process) and the index (info, the window) say the stream is damaged and
    that the events read may be changed; before, iteration said "another run or file
    appended?" (zstd) or "file is truncated" (gzip), and the index that the events before
    the damage were available."""
    path = _checksum_damaged(tmp_path, kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_source(path) as source:
            n = sum(1 for _ in source)
    said = [(w.category, str(w.message)) for w in caught]
    assert n > 0
    assert [c for c, _ in said] == [DamagedFileWarning], said
    text = said[0][1]
    assert str(path) in text and "compressed stream is damaged" in text
    assert ("checksum" in text or "crc error" in text) and "may have changed" in text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_source(path) as source:
            index = source.build_index()
    said = [str(w.message) for w in caught if w.category is DamagedFileWarning]
    assert len(said) == 1 and "may have changed" in said[0], said
    assert "checksum" in said[0] or "incorrect data check" in said[0]
    # the index has every event iteration read (the zstd copy lost the last ~1 MB the
    # decompressor gave before it failed: info said 121 events of a file process read 124 of)
    assert len(index) == n


def test_a_damaged_zstd_frame_gives_every_byte_before_the_damage(tmp_path):
    """The decompressed copy of a zstd file whose checksum fails holds what the stream gives
    before the failure, to a few kB (``decompress_child.SALVAGE_STEP``): not what was left
    when the decompressor dropped the output of the call that failed."""
    import zstandard

    from ctaviewer.io.decompress_child import IN_CHUNK, SALVAGE_STEP, Frames, decompress_into

    path = _checksum_damaged(tmp_path, "zst")
    streamed = []  # what the stream gives before it fails, read a byte at a time
    with open(path, "rb") as f:
        reader = zstandard.ZstdDecompressor().stream_reader(f)
        with contextlib.suppress(zstandard.ZstdError):
            while block := reader.read(1):
                streamed.append(block)
    raw = b"".join(streamed)
    assert len(raw) > 1_000_000
    kept = []
    frames = Frames("zstd", str(path))
    damage = None
    with open(path, "rb") as f:
        while damage is None and (data := f.read(IN_CHUNK)):
            damage = decompress_into(frames, data, f.tell() - len(data), kept.append)
    got = b"".join(kept)
    assert damage is not None and "checksum" in damage
    assert len(raw) - SALVAGE_STEP <= len(got) <= len(raw)
    assert got == raw[:len(got)]


def _with_focal_lengths(tmp_path, focal: float, effective: float):
    """gamma_4lst with every camera's focal lengths (camera settings, type 2002) replaced."""
    import struct

    raw = bytearray(decompressed("gamma_4lst.simtel.zst"))
    pos = 0
    while pos + 16 <= len(raw):
        _, word, _, length = struct.unpack_from("<IIII", raw, pos)
        kind, version = word & 0xFFFF, (word >> 20) & 0xFFF
        start, size = pos + 16, length & 0x3FFFFFFF
        if kind == 2002:
            struct.pack_into("<f", raw, start + 4, focal)
            if version > 4:
                struct.pack_into("<f", raw, start + 8, effective)
        elif kind == 2020:  # the first shower: the run headers are behind
            break
        pos = start + size
    path = tmp_path / "focal.simtel"
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("effective", [0.0, 28.0], ids=["no-effective", "effective"])
def test_an_impossible_focal_length_is_said(tmp_path, effective):
    from ctaviewer.errors import CameraSettingsWarning
    from ctaviewer.pipeline import Pipeline

    path = _with_focal_lengths(tmp_path, float("nan"), effective)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_source(path) as source:
            results = [Pipeline(source.subarray).process(e) for e in source]
    said = [str(w.message) for w in caught if w.category is CameraSettingsWarning]
    assert len(said) == 1 and str(path) in said[0]
    assert "impossible focal length" in said[0] and "telescope(s) 1 (nan m)" in said[0]
    valid = [r.geometry.is_valid for r in results]
    if effective:  # what the message says: the effective one is used, all works
        assert "effective focal length the file also gives is used" in said[0]
        assert any(valid)
    else:  # what it says: directions come out NaN, nothing is reconstructed
        assert "come out NaN" in said[0]
        assert not any(valid)
