"""Decompression ahead of the reader: in a process of its own (``ChildStream``), or in a
thread (``ReadAhead``) where no process can be started.

A process decompresses on another core without ever waiting for the reader's GIL. A thread
does not: python-zstandard takes the GIL back after each piece it decompresses, and a reader
busy parsing hands it over only at its next switch (every 5 ms), so decompression in a thread
mostly runs when the reader waits for it.

zstd releases the GIL while it decompresses: a thread that decompresses the next blocks
while the reader parses the current one hides most of the decompression time on a machine
with a free core. ``ReadAhead`` is a forward-only stream (read, forward seek, tell) over
blocks a thread decompresses into a queue of ``depth`` blocks (bounded memory); an error of
the stream reaches the reader at the position where it occurred, with the stream's own
exception. The thread opens, reads and closes its own stream: nothing is shared with it but
the queue and the stop flag, and it stops when the ``ReadAhead`` is closed or collected.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import weakref

from . import decompress_child
from .decompression import end_child, last_words

try:
    import fcntl
except ImportError:  # not a POSIX system
    fcntl = None

_BACKWARDS = "cannot seek zstd decompression stream backwards"  # zstandard's own words


def _put(blocks: queue.Queue, stop: threading.Event, item) -> bool:
    while not stop.is_set():
        try:
            blocks.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _decompress(open_stream, block_size: int, blocks: queue.Queue, stop: threading.Event):
    """The thread: blocks of the stream into the queue, b"" at its end, or its exception."""
    try:
        stream = open_stream()
    except BaseException as exc:
        _put(blocks, stop, exc)
        return
    try:
        while not stop.is_set():
            try:
                block = stream.read(block_size)
            except BaseException as exc:
                _put(blocks, stop, exc)
                return
            if not _put(blocks, stop, block) or not block:
                return
    finally:
        try:
            stream.close()
        except Exception:
            pass


class _ForwardOnly:
    """``seek`` (forward only, by reading) and ``tell`` of a stream whose class reads
    (``read``) and counts what it gave (``_pos``)."""

    _pos = 0

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence != 0:
            raise OSError("cannot seek from the end of a stream")
        if offset < self._pos:
            raise OSError(_BACKWARDS)
        while self._pos < offset:
            if not self.read(min(offset - self._pos, 1 << 24)):
                break
        return self._pos

    def tell(self) -> int:
        return self._pos


class ReadAhead(_ForwardOnly):
    """A forward-only stream whose blocks a thread decompresses ahead (``open_stream()``
    makes the thread's stream)."""

    def __init__(self, open_stream, block_size: int, depth: int = 2):
        self._blocks: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._block = b""
        self._offset = 0  # in _block
        self._pos = 0
        self._done = False
        self._thread = threading.Thread(
            target=_decompress, args=(open_stream, int(block_size), self._blocks, self._stop),
            name="ctaviewer-read-ahead", daemon=True)
        self._thread.start()
        self._finalizer = weakref.finalize(self, self._stop.set)

    def _next_block(self) -> bytes:
        if self._done:
            return b""
        item = self._blocks.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        if not item:
            self._done = True
        return item

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._block[self._offset:]]
            self._block, self._offset = b"", 0
            while block := self._next_block():
                parts.append(block)
            out = b"".join(parts)
            self._pos += len(out)
            return out
        if self._offset >= len(self._block):
            self._block, self._offset = self._next_block(), 0
        out = self._block[self._offset:self._offset + size]
        self._offset += len(out)
        self._pos += len(out)
        return out

    def close(self) -> None:
        """Stop the thread (it closes its stream) and wait for it."""
        self._stop.set()
        try:
            while True:
                self._blocks.get_nowait()
        except queue.Empty:
            pass
        self._thread.join(timeout=5.0)
        self._block = b""


_PIPE_BYTES = 1024 * 1024  # the pipe's buffer (Linux): fewer switches between the two


class ChildStream(_ForwardOnly):
    """A forward-only stream (read, forward seek, tell) of ``decompress_child.zstd_stream``
    (path), decompressed by ``decompress_child.py --stream`` and read from its pipe.

    Where the child's stream fails, the read that reaches the failure raises OSError with
    its words, without the data of that read: a ``BlockReader`` then reads the file again in
    this process, in eventio's small reads, and the error comes at the place it comes there.
    """

    def __init__(self, proc: subprocess.Popen):
        self._proc = proc
        self._out = proc.stdout
        self._pos = 0
        self._done = False
        self._finalizer = weakref.finalize(self, end_child, proc)

    @classmethod
    def start(cls, path, block_size: int) -> ChildStream | None:
        """The stream, or None for a small file and where no process can be started
        (``decompress_child.worth_a_process``)."""
        if not decompress_child.worth_a_process(path):
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, decompress_child.SCRIPT, "--stream", os.fspath(path),
                 str(int(block_size))],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                close_fds=True)
        except (OSError, ValueError):
            return None
        if hasattr(fcntl, "F_SETPIPE_SZ"):
            try:
                fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
            except OSError:
                pass
        return cls(proc)

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        data = self._out.read(size if size is not None and size >= 0 else -1)
        if size is None or size < 0 or len(data) < size:  # the end of the child's output
            self._end()
        self._pos += len(data)
        return data

    def _end(self) -> None:
        self._done = True
        code = self._proc.wait()
        why = last_words(self._proc) if code != 0 else ""
        self.close()
        if code != 0:
            raise OSError(why or f"the process decompressing the file ended with code {code}")

    def close(self) -> None:
        """End the child (if it still runs) and close its pipes."""
        self._finalizer()

