"""Byte streams for the fast sim_telarray reader: a compressed stream read in large blocks,
and an in-memory view of one object with the absolute addresses eventio's objects use.

eventio reads a file with many small ``read``/``seek`` calls (a header, then each field of
each object); on a zstd or ``gzip -cd`` stream each call costs a few microseconds.
``BlockReader`` serves them from a buffer filled in large blocks, with the forward-only
semantics of the stream it wraps (a backward seek is passed on to it and fails as before), and
lets the fast reader look at a whole object's bytes (``peek``) without consuming them, so
that eventio can still parse that object from the stream when the fast path declines it.
Memory stays bounded: the buffer holds one block plus the largest object looked at. A
damaged zstd block fails a whole large read, where eventio's small reads delivered the data
before it: the stream is then read again from its start, in eventio's small reads.
"""

from __future__ import annotations

import io
import weakref
from functools import partial

from eventio.base import EventIOFile, PipeWrapper

from .decompress_child import zstd_stream
from .simtel_fast_readahead import ChildStream, ReadAhead

BLOCK_SIZE = 1024 * 1024


class BlockReader:
    """A forward-only byte stream (zstd reader, pipe) read in blocks of ``block_size``.

    The current block (``_buf``) and the one after it (``_next``) are kept as read, without
    copies; only what straddles their boundary (an object looked at with ``peek``, a header)
    is copied into a new current block.
    """

    def __init__(self, raw, block_size: int = BLOCK_SIZE, reopen=None):
        self.raw = raw
        self.block_size = int(block_size)
        self._reopen = reopen
        self._buf = b""  # bytes or a memoryview of a block
        self._next = None  # the data after _buf, if read already
        self._start = int(raw.tell())  # stream position of _buf[0]
        self._pos = self._start  # position seen by the reader
        self.degraded = False  # reading as the reader asks, since a damaged block

    def _degrade(self, position: int) -> None:
        """After a read of the stream failed (a damaged block): read it again from its
        start with a fresh stream (``reopen``), up to ``position`` (what was read before),
        and from then on read only what is asked, as eventio did: the data before the
        damage is delivered and the error comes at the same place."""
        fresh = self._reopen()
        weakref.finalize(self, _close_quietly, fresh)
        self.raw = fresh
        self._reopen = None
        self.degraded = True
        if position:
            fresh.seek(position)

    def _read_block(self, want: int):
        """The next data of the stream (``want`` bytes at least, a block unless degraded);
        b"" at its end. A damaged block: the stream is read again (``_degrade``)."""
        position = self._start + len(self._buf)
        while True:
            degraded = self.degraded
            try:
                return self.raw.read(want if degraded else max(want, self.block_size))
            except Exception:
                if self._reopen is None or degraded:
                    raise
                self._degrade(position)

    def _fill(self, need: int) -> None:
        """Make the current block hold ``need`` bytes from the current position (fewer at
        the end of the stream)."""
        while True:
            off = self._pos - self._start
            have = len(self._buf) - off
            if have >= need:
                return
            nxt = self._next
            if have <= 0 and nxt is not None:  # on to the next block, as it is
                self._start += len(self._buf)
                self._buf, self._next = nxt, None
                continue
            if nxt is None:
                chunk = self._read_block(need - max(have, 0))
                if not chunk:
                    return  # the end of the stream
                if have <= 0:
                    self._start += len(self._buf)
                    self._buf = chunk
                else:
                    self._next = chunk
                continue
            # straddling: the rest of this block and what is needed of the next one
            take = need - have
            self._buf = b"".join((self._buf[off:], nxt[:take]))
            self._start = self._pos
            self._next = memoryview(nxt)[take:] if len(nxt) > take else None

    def read(self, size: int = -1) -> bytes:
        off = self._pos - self._start
        if size is None or size < 0:
            parts = [bytes(self._buf[off:]), bytes(self._next or b""), self.raw.read()]
            rest = b"".join(parts)
            self._buf, self._next = b"", None
            self._start = self._pos = self._pos + len(rest)
            return rest
        if off + size > len(self._buf):
            self._fill(size)
            off = self._pos - self._start
        out = bytes(self._buf[off:off + size])
        self._pos += len(out)
        return out

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end of the stream), not consumed: a copy,
        so that what is decoded from them does not hold a whole block."""
        self._fill(size)
        off = self._pos - self._start
        return bytes(self._buf[off:off + size])

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence != 0:
            return self.raw.seek(offset, whence)  # fails as the stream fails
        end = self._start + len(self._buf)
        if self._pos <= offset <= end:
            self._pos = offset
            return offset
        nxt = self._next
        if nxt is not None and end < offset <= end + len(nxt):
            self._start, self._buf, self._next = end, nxt, None
            self._pos = offset
            return offset
        # backwards (the stream raises, as it did for eventio) or beyond what was read
        position = self.raw.seek(offset)
        self._buf, self._next = b"", None
        self._start = self._pos = int(self.raw.tell()) if position is None else int(position)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf, self._next = b"", None
        _close_quietly(self.raw)


class MemoryObject:
    """Read-only file over ``data``, the bytes found at stream address ``base``: eventio's
    objects built over it parse exactly as from the stream."""

    def __init__(self, data, base: int):
        self.data = data
        self.base = int(base)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        pos = self._pos
        if size is None or size < 0:
            size = len(self.data) - pos
        out = bytes(self.data[pos:pos + size]) if pos >= 0 else b""
        self._pos = pos + len(out)
        return out

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            self._pos += offset
        elif whence == 2:
            self._pos = len(self.data) + offset
        else:
            self._pos = offset - self.base
        return self._pos + self.base

    def tell(self) -> int:
        return self._pos + self.base


class BlockEventIOFile(EventIOFile):
    """eventio's ``EventIOFile`` reading a zstd stream or a ``gzip -cd`` pipe through a
    ``BlockReader`` (plain files keep their buffered reader)."""

    def __init__(self, path, zcat: bool = True, read_ahead: bool = True):
        super().__init__(path, zcat=zcat)
        if self.zstd:
            stream = partial(zstd_stream, path)
            if read_ahead:  # decompressed ahead: eventio's stream is not needed
                self._filehandle.close()
                ahead = ChildStream.start(path, BLOCK_SIZE) or ReadAhead(stream, BLOCK_SIZE)
                self._filehandle = BlockReader(ahead, reopen=stream)
            else:
                self._filehandle = BlockReader(self._filehandle, reopen=stream)
        elif isinstance(self._filehandle, PipeWrapper):  # gzip -cd writes what it can
            self._filehandle = BlockReader(self._filehandle)

    def close(self):
        """Stop the read-ahead thread, then close as eventio closes."""
        handle = self._filehandle
        if isinstance(handle, BlockReader):
            handle.close()
        super().close()


def _close_quietly(stream) -> None:
    try:
        stream.close()
    except Exception:
        pass


def peek_content(eventio_file, obj) -> bytes | None:
    """The payload of the top-level object ``obj`` just read from ``eventio_file``, leaving
    the stream where it was (at the payload); None where that cannot be done cheaply."""
    handle = eventio_file._filehandle
    address = int(obj.header.content_address)
    size = int(obj.header.content_size)
    if isinstance(handle, BlockReader):
        if handle.degraded or handle.tell() != address:
            return None  # after damage, eventio reads as it reads
        return handle.peek(size)
    if type(handle) is io.BufferedReader:
        if handle.tell() != address:
            return None
        data = handle.read(size)
        handle.seek(address)
        return data
    return None
