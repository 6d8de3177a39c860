"""Decompress a gzip or zstd file in a process of its own: into a copy on disk, or as a
stream on standard output.

Run as a script (``python decompress_child.py SOURCE COPY``) by
``decompression.ChildCopy``: it imports nothing but the standard library and zstandard, so
it starts in tens of milliseconds, and its decompression never waits for the GIL of the
process that scans the copy (a thread there would: python-zstandard takes the GIL back for
each 128 kB it writes, and gets it only at the scanning thread's next switch, 5 ms later).
It says on standard output how far it is, a line per block (``P <compressed bytes read>
<bytes written>``), and ends with one line ``E <json>``: ``{"written", "truncated",
"damage"}``, or ``{"storage": <cause>, "written"}`` when the copy cannot be written, or
``{"input": <cause>}`` when the source cannot be read. Every byte that decompresses is
written, also of a stream cut short or damaged part-way (``Frames``). When whoever reads
its output goes away, it stops at its next line (a broken pipe).

``Frames`` is also what the in-process copy (``decompression.RawCopy``) decompresses with.

``python decompress_child.py --stream SOURCE BLOCK`` writes to standard output what
``zstd_stream(SOURCE)`` (the stream eventio reads a .zst file with) gives, read in blocks of
BLOCK bytes, for ``simtel_fast_readahead.ChildStream``: it exits 0 at the stream's end, and
non-zero with the stream's error on standard error where a read of it fails (the block that
failed is not written).
"""

from __future__ import annotations

import json
import os
import sys
import zlib

#: compressed bytes per step (a progress line each)
IN_CHUNK = 512 * 1024
#: compressed files smaller than this are decompressed by the reading process itself: a
#: process takes ~50 ms to start, about what decompressing 20 MB of output takes
MIN_BYTES = 8 * 1024 * 1024
#: this script, as the reading process runs it
SCRIPT = os.path.abspath(__file__)
#: most decompressed bytes per zlib call, and per zstd output buffer
OUT_CHUNK = 4 * 1024 * 1024
#: decompressed bytes per read where a damaged zstd frame is decompressed again (what a
#: read that meets the damage gives is lost with it)
SALVAGE_STEP = 4 * 1024


def decompressor_errors(kind: str | None = None) -> tuple[type[Exception], ...]:
    """What a decompressor raises on damaged compressed data: zstd's ("zstd"), zlib's
    ("gzip"), or either (None; zstd's where zstandard is installed)."""
    errors: tuple[type[Exception], ...] = () if kind == "zstd" else (zlib.error,)
    if kind != "gzip":
        try:
            import zstandard
        except ImportError:
            if kind == "zstd":
                raise
        else:
            errors += (zstandard.ZstdError,)
    return errors


class Frames:
    """Decompress a stream of gzip members or zstd frames, one after the other.

    ``path``: the compressed file the stream is read from. Where a zstd frame turns out to
    be damaged, python-zstandard drops what the failing call had decompressed (up to a
    whole input chunk's worth, ~1 MB): the frame is then decompressed again from that file,
    from its start, to the damage (``_salvage_zstd``), so that the copy holds every byte
    the stream gives before it, as reading the stream directly does. Without ``path``,
    those bytes are lost.
    """

    def __init__(self, kind: str, path: str | None = None):
        self.kind = kind
        self.path = path
        self.errors = decompressor_errors(kind)
        if kind == "zstd":
            import zstandard

            self._zstd = zstandard.ZstdDecompressor()
        self.d = self._new()
        self.started = False  # the current member/frame has received input
        self._offset = 0  # compressed bytes fed before the current piece
        self._frame_start = 0  # where the current frame starts in the compressed file
        self._frame_out = 0  # bytes the current frame has given

    def _new(self):
        if self.kind == "zstd":
            return self._zstd.decompressobj(write_size=OUT_CHUNK)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes):
        """Yield the decompressed bytes of ``data``; at the end of a member/frame, go on with
        the next one. Trailing bytes that start no new member are ignored (as gzip does).
        On damaged gzip data, the bytes before the damage are yielded before the error."""
        while data:
            self.started = True
            fed = len(data)
            if self.kind == "zstd":
                try:
                    out = self.d.decompress(data)
                except self.errors:
                    yield from self._salvage_zstd()
                    raise
                data = b""
                if out:
                    self._frame_out += len(out)
                    yield out
            else:
                before = self.d.copy()
                try:
                    out = self.d.decompress(data, OUT_CHUNK)
                except zlib.error:
                    self.d = before
                    yield from self._salvage(data)
                    raise
                if out:
                    yield out
                data = self.d.unconsumed_tail
                if data:
                    continue
            if self.d.eof:
                rest = self.d.unused_data
                if not rest or (self.kind == "gzip" and rest[:2] != b"\x1f\x8b") or (
                        self.kind == "zstd" and rest[:4] != b"\x28\xb5\x2f\xfd"):
                    self.done = True
                    return
                self.d = self._new()
                self.started = False
                self._offset += fed - len(rest)
                self._frame_start, self._frame_out = self._offset, 0
                data = rest
            elif self.kind == "zstd":
                self._offset += fed

    def _salvage_zstd(self):
        """What the current zstd frame gives after the bytes it already gave, up to its
        damage: decompressed again from ``path``, from the frame's start (the failing call
        of the decompressor kept none of its output)."""
        if self.path is None:
            return
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError:  # (the damage is what is said, not this)
            return
        with f:
            try:
                f.seek(self._frame_start)
                reader = self._zstd.stream_reader(f, read_size=IN_CHUNK)
                skip = self._frame_out
                while skip:  # given before: decompressed again, and dropped
                    n = len(reader.read(min(skip, OUT_CHUNK)))
                    if not n:
                        return
                    skip -= n
                while out := reader.read(SALVAGE_STEP):
                    self._frame_out += len(out)
                    yield out
            except (OSError, *self.errors):
                return

    def _salvage(self, data: bytes):
        """What ``data`` gives, a byte at a time, up to the byte where it is damaged."""
        for k in range(len(data)):
            try:
                out = self.d.decompress(data[k:k + 1])
            except zlib.error:
                return
            if out:
                yield out
            if self.d.eof:
                return

    done = False

    @property
    def complete(self) -> bool:
        """The stream ended at the end of a member/frame (not inside one)."""
        return self.done or self.d.eof or not self.started


def compression_of(path) -> str | None:
    """"gzip", "zstd" or None (not compressed), from the file's first bytes."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return None


#: how damage the decompressor finds is said (``simtel_index.damage_warning`` knows it)
STREAM_DAMAGE = "the compressed stream is damaged"


def decompress_into(frames: Frames, data: bytes, start: int, write) -> str | None:
    """Pass what compressed ``data`` (from byte ``start`` of the file) decompresses to
    ``write``; where the stream is damaged, the bytes before the damage are written and the
    damage is returned in words (None: no damage). ``write``'s OSError propagates."""
    try:
        for out in frames.feed(data):
            write(out)
    except frames.errors as exc:
        return f"{STREAM_DAMAGE} near byte {start} ({exc})"
    return None


def worth_a_process(path) -> bool:
    """Whether compressed ``path`` is decompressed by a process running this script: it is
    large enough (``MIN_BYTES``), and a Python can run this file (not a frozen bundle, not
    a package installed inside an archive)."""
    if getattr(sys, "frozen", False) or not sys.executable or not os.path.isfile(SCRIPT):
        return False
    try:
        return os.path.getsize(path) >= MIN_BYTES
    except OSError:
        return False


def _say(kind: str, text: str) -> None:
    sys.stdout.write(f"{kind} {text}\n")
    sys.stdout.flush()


def run(source: str, copy: str) -> int:
    """Decompress ``source`` into ``copy``; what happened is said on standard output."""
    try:
        frames = Frames(compression_of(source), source)
        src = open(source, "rb")  # noqa: SIM115 - the process ends with it
    except OSError as exc:
        _say("E", json.dumps({"input": f"cannot read the file ({exc})"}))
        return 1
    try:
        dst = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        _say("E", json.dumps({"storage": exc.strerror or str(exc), "written": 0}))
        return 1
    written, damage = 0, None

    def write(out: bytes) -> None:
        nonlocal written
        view = memoryview(out)
        while view:
            n = os.write(dst, view)
            view = view[n:]
            written += n

    while True:
        try:
            data = src.read(IN_CHUNK)
        except OSError as exc:
            _say("E", json.dumps({"input": f"cannot read the file ({exc})"}))
            return 1
        if not data:
            break
        try:
            damage = decompress_into(frames, data, src.tell() - len(data), write)
        except OSError as exc:
            _say("E", json.dumps({"storage": exc.strerror or str(exc), "written": written}))
            return 1
        if damage is not None:  # the bytes before it are kept
            break
        _say("P", f"{src.tell()} {written}")
        if frames.done:
            break
    truncated = damage is None and not frames.complete
    _say("E", json.dumps({"written": written, "truncated": truncated, "damage": damage}))
    return 0


def zstd_stream(path: str):
    """A zstd stream of ``path`` as eventio opens it (the first frame only)."""
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_size=1024**2)


def stream(source: str, block_size: int) -> int:
    """Write ``zstd_stream(source)`` to standard output in blocks of ``block_size``."""
    out = sys.stdout.buffer
    try:
        reader = zstd_stream(source)
    except Exception as exc:  # noqa: BLE001 - said to the reader, which reads it itself
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 3
    while True:
        try:
            block = reader.read(block_size)
        except Exception as exc:  # noqa: BLE001 - as above
            sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
            return 3
        if not block:
            out.flush()
            return 0
        out.write(block)


if __name__ == "__main__":
    try:
        if sys.argv[1] == "--stream":
            sys.exit(stream(sys.argv[2], int(sys.argv[3])))
        sys.exit(run(sys.argv[1], sys.argv[2]))
    except (BrokenPipeError, KeyboardInterrupt):  # the reader went away: nothing to say
        os._exit(1)
