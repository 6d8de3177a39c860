"""Build a production-size sim_telarray file from a small real one.

    python benchmarks/make_production.py [INPUT] [--repeat 40] [--output FILE]

The run headers of INPUT (everything before its first shower) are written once, then its
event objects (showers, events, true p.e. images, array events) ``--repeat`` times, then its
run-end histograms; the result is zstd-compressed (``.zst`` output) or written raw. Copy k
(k = 0, 1, ...) gets new shower numbers (``shower + k × (largest shower + 1)``) and event ids
(``new shower × 100 + reuse``), so ids stay unique, as in a real run; camera monitoring and
laser calibration objects are kept in the first copy only (sim_telarray writes them once, with
the first event of each telescope). Default input: gamma_70sst1m of the shared data (31 events
per copy), default 40 copies: 1240 events, ~480 MB raw.

The file is made once per (input, repeat) and reused: ``production_file()`` returns the
cached path (``$CTAVIEWER_BENCH_CACHE``, default ``~/.cache/ctaviewer/bench``).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys

_SYNC = 0xD41F8A37
_T_HISTOGRAMS = 100
_T_MC_SHOWER = 2020
_T_MC_EVENT = 2021
_T_ARRAY_EVENT = 2010
_T_TRIGGER = 2009
_T_CALIB_EVENT = 2028
#: objects whose header id is the event id
_EVENT_ID_TYPES = (_T_MC_EVENT, _T_ARRAY_EVENT, 1204, 2026)
#: written once, with the first events
_ONCE_TYPES = (2022, 2023)


def data_dir() -> str:
    return os.environ.get("CTAVIEWER_TEST_DATA",
                          os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def cache_dir() -> str:
    return os.environ.get("CTAVIEWER_BENCH_CACHE",
                          os.path.join(os.path.expanduser("~"), ".cache", "ctaviewer", "bench"))


def read_raw(path: str) -> bytes:
    with open(path, "rb") as f:
        magic = f.read(4)
        f.seek(0)
        if magic == b"\x28\xb5\x2f\xfd":
            import zstandard

            return zstandard.ZstdDecompressor().stream_reader(f).read()
        if magic[:2] == b"\x1f\x8b":
            import gzip

            return gzip.GzipFile(fileobj=f).read()
        return f.read()


def header(buf, pos: int, top: bool):
    """(type, id, header length, payload length, only sub-objects) of the object at pos."""
    if top:
        (sync,) = struct.unpack_from("<I", buf, pos)
        if sync != _SYNC:
            raise ValueError(f"no EventIO sync marker at byte {pos} (byte-swapped files are "
                             "not supported here)")
        pos += 4
    type_word, obj_id, length_word = struct.unpack_from("<IiI", buf, pos)
    length = length_word & 0x3FFFFFFF
    size = 12
    if type_word & (1 << 17):  # extended length
        (ext,) = struct.unpack_from("<I", buf, pos + 12)
        length |= (ext & 0xFFF) << 30
        size = 16
    return type_word & 0xFFFF, obj_id, size + (4 if top else 0), length, bool(length_word >> 30 & 1)


def top_objects(raw: bytes):
    pos = 0
    while pos + 16 <= len(raw):
        t, i, hl, n, _ = header(raw, pos, True)
        if pos + hl + n > len(raw):
            raise ValueError(f"the input ends inside an object at byte {pos}")
        yield t, i, pos, hl + n
        pos += hl + n


def _set_id(buf: bytearray, pos: int, top: bool, new_id: int) -> None:
    struct.pack_into("<i", buf, pos + (8 if top else 4), new_id)


def _renumber(obj: bytearray, t: int, old_id: int, shower_shift: int) -> None:
    def new_event(e):
        return (e // 100 + shower_shift) * 100 + e % 100

    if t == _T_MC_SHOWER:
        _set_id(obj, 0, True, old_id + shower_shift)
        return
    if t in _EVENT_ID_TYPES:
        _set_id(obj, 0, True, new_event(old_id))
    if t == _T_MC_EVENT:  # its payload starts with the shower number
        hl = header(obj, 0, True)[2]
        (shower,) = struct.unpack_from("<i", obj, hl)
        struct.pack_into("<i", obj, hl, shower + shower_shift)
    if t == _T_ARRAY_EVENT:  # the trigger information inside carries the id too
        hl = header(obj, 0, True)[2]
        st, sid, shl, _, _ = header(obj, hl, False)
        if st == _T_TRIGGER:
            _set_id(obj, hl, False, new_event(sid))


def make_production(source: str, output: str, repeat: int, level: int = 3) -> dict:
    raw = read_raw(source)
    objects = list(top_objects(raw))
    first = next((k for k, o in enumerate(objects) if o[0] in (_T_MC_SHOWER, _T_CALIB_EVENT)),
                 len(objects))
    end = next((k for k, o in enumerate(objects) if o[0] == _T_HISTOGRAMS), len(objects))
    head = raw[:objects[first][2]] if first < len(objects) else raw
    body = objects[first:end]
    tail = b"".join(raw[p:p + n] for _, _, p, n in objects[end:])
    largest = max((i for t, i, _, _ in body if t == _T_MC_SHOWER), default=0)
    step = largest + 1
    tmp = output + ".part"
    if output.endswith(".zst"):
        import zstandard

        sink = open(tmp, "wb")  # noqa: SIM115 - closed below
        out = zstandard.ZstdCompressor(level=level, threads=-1).stream_writer(sink)
    else:
        sink = out = open(tmp, "wb")  # noqa: SIM115
    n_raw = 0
    try:
        out.write(head)
        n_raw += len(head)
        for k in range(repeat):
            for t, i, p, n in body:
                if k and t in _ONCE_TYPES:
                    continue
                obj = bytearray(raw[p:p + n])
                if k:
                    _renumber(obj, t, i, k * step)
                out.write(obj)
                n_raw += n
        out.write(tail)
        n_raw += len(tail)
        out.close()
    except BaseException:
        sink.close()
        os.unlink(tmp)
        raise
    sink.close() if not sink.closed else None
    os.replace(tmp, output)
    n_events = sum(1 for t, _, _, _ in body if t == _T_ARRAY_EVENT) * repeat
    return {"output": output, "raw_bytes": n_raw, "file_bytes": os.path.getsize(output),
            "array_events": n_events}


def production_file(repeat: int = 40, source: str | None = None) -> str:
    """The production-size file for (source, repeat), made on first use."""
    source = source or os.path.join(data_dir(), "simtel", "gamma_70sst1m.simtel.zst")
    stem = os.path.basename(source).split(".")[0]
    out = os.path.join(cache_dir(), f"{stem}_x{repeat}.simtel.zst")
    if not (os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(source)):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        make_production(source, out, repeat)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="?", default=None)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--output", default=None, help="default: the cached production file")
    args = ap.parse_args(argv)
    if args.output is None:
        path = production_file(args.repeat, args.input)
        print(path)
        return 0
    info = make_production(args.input or os.path.join(
        data_dir(), "simtel", "gamma_70sst1m.simtel.zst"), args.output, args.repeat)
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
