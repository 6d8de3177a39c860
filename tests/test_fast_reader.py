"""The fast sim_telarray path (block reader, numba decoding of the hot objects) gives exactly
what eventio gives: every event dict of every shared file, bit for bit, in iteration and in
random access, and the same ArrayEvent records; unknown object versions go to eventio."""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
import zstandard

from ctaviewer.io import simtel_fast_objects as fo
from ctaviewer.io.simtel import EVENTIO_ONLY_VARIABLE, SimTelSource, _reader_classes
from ctaviewer.io.simtel_fast_stream import BlockReader, MemoryObject
from tests.conftest import data_dir, simtel
from tests.records import assert_records_equal

FILES = sorted(p.name for p in (data_dir() / "simtel").glob("*.simtel*")) or ["(none)"]


def _differences(a, b, path="event", out=None) -> list[str]:
    """Where two eventio results differ: types, keys, dtypes, shapes and bytes."""
    out = [] if out is None else out
    if type(a) is not type(b):
        out.append(f"{path}: {type(a).__name__} vs {type(b).__name__}")
    elif isinstance(a, dict):
        if set(a) != set(b):
            out.append(f"{path}: keys {sorted(map(str, set(a) ^ set(b)))}")
        for key in set(a) & set(b):
            _differences(a[key], b[key], f"{path}/{key}", out)
    elif isinstance(a, list | tuple):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _differences(x, y, f"{path}[{i}]", out)
    elif isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            out.append(f"{path}: {a.dtype}{a.shape} vs {b.dtype}{b.shape} or values")
    elif isinstance(a, float | np.floating):
        if np.asarray(a).tobytes() != np.asarray(b).tobytes():
            out.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}")
    return out


def _assert_same(a, b, what: str) -> None:
    diff = _differences(a, b)
    assert not diff, f"{what}: " + "; ".join(diff[:10])


def _read_all(path, monkeypatch, eventio_only: bool):
    """Every event dict of a file (skip_non_triggered=False), or the exception raised."""
    monkeypatch.setenv(EVENTIO_ONLY_VARIABLE, "1" if eventio_only else "0")
    reader_cls, _ = _reader_classes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            f = reader_cls(str(path), skip_non_triggered=False)
        except BaseException as exc:  # header-only files
            return (("error", type(exc).__name__, str(exc)), None), []
        events = []
        try:
            events.extend(f)
            result = events, f.histograms
        except Exception as exc:  # the events before the error, then the error
            result = [*events, ("error", type(exc).__name__, str(exc))], None
        finally:
            f.close()
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("name", FILES)
def test_iteration_dicts_equal(name, monkeypatch):
    path = simtel(name)
    (ref, ref_hist), ref_warn = _read_all(path, monkeypatch, eventio_only=True)
    (new, new_hist), new_warn = _read_all(path, monkeypatch, eventio_only=False)
    assert ref_warn == new_warn
    if isinstance(ref, tuple):
        assert ref == new
        return
    assert len(ref) == len(new)
    for i, (a, b) in enumerate(zip(ref, new, strict=True)):
        _assert_same(a, b, f"{name} event {i}")
    _assert_same(ref_hist, new_hist, f"{name} histograms")


def _source(path, monkeypatch, eventio_only: bool) -> SimTelSource:
    """A source whose reader (iteration and random access) is fixed to one path."""
    monkeypatch.setenv(EVENTIO_ONLY_VARIABLE, "1" if eventio_only else "0")
    source = SimTelSource(path)
    source.build_index()
    if len(source):
        source._read_at(source.index, 0)  # the indexed reader decides on its first event
    return source


def _openable(path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            SimTelSource(path).close()
        return True
    except Exception:
        return False


@pytest.mark.parametrize("name", FILES)
def test_random_access_dicts_equal(name, monkeypatch):
    path = simtel(name)
    if not _openable(path):
        pytest.skip("not a readable source")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _source(path, monkeypatch, eventio_only=True)
        new = _source(path, monkeypatch, eventio_only=False)
        try:
            assert ref._reader._fast is False and new._reader._fast
            n = len(ref)
            assert n == len(new)
            for i in list(range(n))[::-1]:  # backwards: each read is a real jump
                _assert_same(ref._read_at(ref.index, i), new._read_at(new.index, i),
                             f"{name} event {i}")
        finally:
            ref.close()
            new.close()


@pytest.mark.parametrize("name", FILES)
def test_records_equal(name, monkeypatch):
    path = simtel(name)
    if not _openable(path):
        pytest.skip("not a readable source")

    def records(eventio_only):
        monkeypatch.setenv(EVENTIO_ONLY_VARIABLE, "1" if eventio_only else "0")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with SimTelSource(path) as source:
                out = []
                try:
                    for event in source:
                        out.append(event)
                except Exception as exc:
                    out.append((type(exc).__name__, str(exc)))
                return out, source.shower_distribution, [str(w.message) for w in caught]

    ref, ref_hist, ref_warn = records(True)
    new, new_hist, new_warn = records(False)
    assert ref_warn == new_warn
    assert len(ref) == len(new)
    for a, b in zip(ref, new, strict=True):
        assert_records_equal(a, b)
    assert_records_equal(ref_hist, new_hist)


def test_unknown_version_goes_to_eventio(monkeypatch):
    """With ADC samples, pixel timing and tracking positions 'unknown', eventio parses them
    (per object) and the events are the same."""
    from eventio.simtel import objects as so

    calls = {"samples": 0, "timing": 0}
    for cls, key in ((so.ADCSamples, "samples"), (so.PixelTiming, "timing")):
        original = cls.parse

        def counting(self, _original=original, _key=key):
            calls[_key] += 1
            return _original(self)

        monkeypatch.setattr(cls, "parse", counting)
    path = simtel("gamma_4lst_15nectarcam.simtel.zst")
    (ref, _), _ = _read_all(path, monkeypatch, eventio_only=True)
    n_ref = dict(calls)
    assert n_ref["samples"] > 0 and n_ref["timing"] > 0
    known = dict(fo.KNOWN_VERSIONS)
    known[fo.TYPE_ADC_SAMPLES] = frozenset()
    known[fo.TYPE_PIXEL_TIMING] = frozenset({99})
    known[fo.TYPE_TRACKING] = frozenset()
    monkeypatch.setattr(fo, "KNOWN_VERSIONS", known)
    (new, _), _ = _read_all(path, monkeypatch, eventio_only=False)
    assert calls["samples"] == 2 * n_ref["samples"]
    assert calls["timing"] == 2 * n_ref["timing"]
    for i, (a, b) in enumerate(zip(ref, new, strict=True)):
        _assert_same(a, b, f"event {i}")


def test_known_versions_skip_eventio(monkeypatch):
    """With the default tables the hot objects never reach eventio's parsers."""
    from eventio.simtel import objects as so

    def fail(self):
        raise AssertionError(f"eventio parsed {self}")

    monkeypatch.setattr(so.ADCSamples, "parse", fail)
    monkeypatch.setattr(so.PixelList, "parse", fail)
    monkeypatch.setattr(so.TrackingPosition, "parse", fail)
    (events, _), _ = _read_all(simtel("gamma_4lst.simtel.zst"), monkeypatch,
                               eventio_only=False)
    assert any(e.get("telescope_events") for e in events)


# ---------------------------------------------------------------- synthetic objects
def _uvarint(u: int) -> bytes:
    if u < 0x80:
        return bytes([u])
    if u < 0x4000:
        return bytes([0x80 | (u >> 8), u & 0xFF])
    assert u < 0x200000
    return bytes([0xC0 | (u >> 16), (u >> 8) & 0xFF, u & 0xFF])


def _svarint(v: int) -> bytes:
    return _uvarint(2 * v if v >= 0 else -2 * v - 1)


def _diff(values) -> bytes:
    out, last = b"", 0
    for v in values:
        out += _svarint(int(v) - last)
        last = int(v)
    return out


def _eventio_parse(cls_type: int, version: int, ident: int, payload: bytes):
    """eventio's parse of an object made of ``payload`` (as a sub-object at address 100)."""
    from eventio.base import KNOWN_OBJECTS, read_header

    head = struct.pack("<IiI", cls_type | (version << 20), ident, len(payload))
    memory = MemoryObject(head + payload, 100)
    memory.seek(100)
    header = read_header(memory, offset=100, toplevel=False)
    return KNOWN_OBJECTS[cls_type](header, filehandle=memory).parse()


def _fast_parse(kind, version, ident, payload):
    data = b"\0" * 12 + payload
    buf = np.frombuffer(data, np.uint8)
    return fo.DECODERS[kind](data, buf, 12, len(data), version, ident)


@pytest.mark.parametrize("zero_sup", [0, 1])
@pytest.mark.parametrize("n_samples", [1, 7])
def test_adc_samples_modes(zero_sup, n_samples):
    rng = np.random.default_rng(3)
    n_pixels, n_gains = 9, 2
    values = rng.integers(0, 4000, (n_gains, n_pixels, n_samples))
    payload = struct.pack("<ihh", n_pixels, n_gains, n_samples)
    if zero_sup:
        ranges = [(1, 3), (5, 5), (7, 8)]
        payload += _svarint(len(ranges))
        for first, last in ranges:
            payload += _svarint(-first - 1) if first == last else _svarint(first) + _svarint(last)
        pixels = [p for a, b in ranges for p in range(a, b + 1)]
    else:
        pixels = list(range(n_pixels))
    for g in range(n_gains):
        for p in pixels:
            payload += _diff(values[g, p])
    ident = zero_sup | (1 << 12)
    ref = _eventio_parse(2013, 3, ident, payload)
    new = _fast_parse(fo.TYPE_ADC_SAMPLES, 3, ident, payload)
    _assert_same(ref, new, "adc samples")
    # a cut payload: the fast decoder declines, eventio decides
    assert _fast_parse(fo.TYPE_ADC_SAMPLES, 3, ident, payload[:-3]) is fo.DECLINE


def test_pixel_timing_ranges():
    n_pixels, n_gains, n_types = 6, 2, 2
    payload = struct.pack("<hhhhh", n_pixels, n_gains, 1, 2, 2)  # v1, list type 2
    payload += struct.pack("<h", 2) + struct.pack("<hhhh", 0, 1, 4, 4)
    payload += struct.pack("<hh", -5, n_types) + struct.pack("<hh", 1, 2)
    payload += struct.pack("<ff", 0.5, 0.8) + struct.pack("<ff", 0.25, 7.0)
    for p in (0, 1, 4):
        payload += struct.pack("<hh", 3 * p + 1, -p)
        payload += _svarint(10 * p) + _svarint(-p)  # local sums
        payload += _svarint(20 * p) + _svarint(p)  # global sums (only selected)
    ref = _eventio_parse(2016, 1, 1, payload)
    new = _fast_parse(fo.TYPE_PIXEL_TIMING, 1, 1, payload)
    _assert_same(ref, new, "pixel timing")


# ---------------------------------------------------------------- block reader
def test_block_reader_semantics(tmp_path):
    raw = bytes(range(256)) * 2000
    path = tmp_path / "x.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(raw))
    with open(path, "rb") as f:
        stream = zstandard.ZstdDecompressor().stream_reader(f)
        reader = BlockReader(stream, block_size=1000)
        assert reader.read(10) == raw[:10]
        assert reader.peek(5000) == raw[10:5010]
        assert reader.tell() == 10
        assert reader.read(3) == raw[10:13]
        reader.seek(4000)
        assert reader.read(4) == raw[4000:4004]
        reader.seek(300_000)
        assert reader.read(2) == raw[300_000:300_002]
        with pytest.raises(OSError):
            reader.seek(100)  # a zstd stream cannot go back, wrapped or not
        reader.seek(len(raw) + 50)
        assert reader.tell() == len(raw)
        assert reader.read(4) == b""


def _zstd_block_starts(frame) -> list[int]:
    """Where the blocks of a one-frame zstd stream start (their 3-byte headers)."""
    descriptor = frame[4]
    single = (descriptor >> 5) & 1
    pos = 5 + (0 if single else 1) + [0, 1, 2, 4][descriptor & 3]
    pos += [1 if single else 0, 2, 4, 8][descriptor >> 6]
    starts = []
    while True:
        word = frame[pos] | frame[pos + 1] << 8 | frame[pos + 2] << 16
        starts.append(pos)
        pos += 3 + (1 if (word >> 1) & 3 == 1 else word >> 3)
        if word & 1:
            return starts


def test_damaged_zstd_block_same_as_eventio(tmp_path, monkeypatch):
    """A damaged block in the middle of a zstd stream: the events before it, the error and
    the warnings are eventio's (the block reader reads the stream again in small reads)."""
    source = simtel("gamma_4lst.simtel.zst")
    with open(source, "rb") as f:
        raw = zstandard.ZstdDecompressor().stream_reader(f).read()
    packed = bytearray(zstandard.ZstdCompressor(level=1).compress(raw))
    block = _zstd_block_starts(packed)[6 * len(_zstd_block_starts(packed)) // 10]
    packed[block] |= 0b110  # a reserved block type: "Data corruption detected"
    path = tmp_path / "damaged.simtel.zst"
    path.write_bytes(bytes(packed))
    (ref, _), ref_warn = _read_all(path, monkeypatch, eventio_only=True)
    (new, _), new_warn = _read_all(path, monkeypatch, eventio_only=False)
    assert ref_warn == new_warn
    assert not isinstance(ref, tuple) and len(ref) > 1  # the events before the damage
    assert len(ref) == len(new)
    for i, (a, b) in enumerate(zip(ref, new, strict=True)):
        _assert_same(a, b, f"event {i}")


class _FailingStream:
    """Three blocks of data, then an error (a damaged block)."""

    def __init__(self):
        self.reads = 0
        self.closed = False

    def read(self, size):
        self.reads += 1
        if self.reads > 3:
            raise ValueError("damaged")
        return bytes([self.reads]) * size

    def close(self):
        self.closed = True


def test_read_ahead_delivers_then_fails_at_the_damage():
    from ctaviewer.io.simtel_fast_readahead import ReadAhead

    streams = []

    def open_stream():
        streams.append(_FailingStream())
        return streams[-1]

    ahead = ReadAhead(open_stream, block_size=10)
    assert ahead.read(4) == b"\x01" * 4
    assert ahead.seek(12) == 12
    with pytest.raises(OSError):
        ahead.seek(5)
    assert ahead.read(100) == b"\x02" * 8  # the rest of the second block
    assert ahead.read(100) == b"\x03" * 10
    with pytest.raises(ValueError, match="damaged"):
        ahead.read(1)
    ahead.close()
    assert streams[0].closed and not ahead._thread.is_alive()


@pytest.mark.parametrize("block_size", [7, 100, 4096])
def test_block_reader_random_walk(block_size):
    """Reads, peeks and forward seeks of any size across block boundaries give the bytes
    of the stream."""
    import io

    rng = np.random.default_rng(block_size)
    raw = rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    reader = BlockReader(io.BufferedReader(io.BytesIO(raw)), block_size=block_size)
    pos = 0
    while pos < len(raw):
        op, size = rng.integers(0, 3), int(rng.integers(0, 3 * block_size))
        if op == 0:
            assert reader.read(size) == raw[pos:pos + size]
            pos = min(pos + size, len(raw))
        elif op == 1:
            assert bytes(reader.peek(size)) == raw[pos:pos + size]
        else:
            pos = reader.seek(pos + size)
        assert reader.tell() == pos


def _headers(path, monkeypatch, eventio_only: bool):
    """The run headers a source makes of a file (subarray, simulation configuration...),
    and eventio's reader's descriptions of the telescopes."""
    import pickle

    monkeypatch.setenv(EVENTIO_ONLY_VARIABLE, "1" if eventio_only else "0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SimTelSource(path) as source:
            headers = pickle.dumps(source.headers)
        reader = _reader_classes()[0](str(path))
    try:
        return headers, dict(reader.telescope_descriptions)
    finally:
        reader.close()


@pytest.mark.parametrize("name", FILES)
def test_headers_equal(name, monkeypatch):
    """The run headers the fast path makes (History skipped, CameraOrganization's counts
    only) are those eventio's full parse makes; the counts kept are eventio's."""
    path = simtel(name)
    if not _openable(path):
        pytest.skip("not a readable source")
    ref, ref_tels = _headers(path, monkeypatch, eventio_only=True)
    new, new_tels = _headers(path, monkeypatch, eventio_only=False)
    assert ref == new
    assert set(ref_tels) == set(new_tels)
    for tel_id, descriptions in ref_tels.items():
        assert set(descriptions) == set(new_tels[tel_id])
        org = new_tels[tel_id]["camera_organization"]
        for key in ("n_pixels", "n_drawers", "n_gains", "n_sectors", "telescope_id"):
            assert org[key] == descriptions["camera_organization"][key], (tel_id, key)
