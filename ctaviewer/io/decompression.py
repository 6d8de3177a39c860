"""The decompressed copy of a gzip or zstd sim_telarray file, written while it is read.

Compressed streams cannot seek backwards, so a compressed file is decompressed once,
streaming, into a file in a temporary folder, and read from there at random. The copy is
written ahead of whoever reads it (the index scan), which asks for the bytes it needs
(``ensure``) and may start on the first objects while the rest is still compressed:

- ``ChildCopy``: decompressed by a process of its own (``decompress_child.py``), on another
  core and without the GIL of the reading process (the usual way);
- ``AheadThread(RawCopy(...))``: by a thread of the reading process, where no process can be
  started;
- ``PlainFile``: an uncompressed file, read where it is.

``open_copy`` picks one. Every byte that decompresses is kept: a stream cut short or damaged
part-way gives the data before the cut (``truncated``, ``damage`` once ``done``). A full or
unwritable folder is a TemporaryStorageError; ``should_stop()`` turning True raises
Cancelled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import NamedTuple

from ..errors import Cancelled, InputFileError, TemporaryStorageError
from . import decompress_child
from .decompress_child import IN_CHUNK, Frames, compression_of, decompress_into

#: name of the decompressed copy inside its folder (short: the input's name may be long)
RAW_NAME = "decompressed.simtel"

Progress = Callable[[float], None]


class Decompressed(NamedTuple):
    raw: str  # the decompressed copy
    tmpdir: str  # its folder
    truncated: bool  # the compressed stream ends early
    damage: str | None  # why decompression stopped early on damaged data (None: it did not)


class RawCopy:
    """The decompressed copy of a compressed file, written as far as it is asked for
    (``ensure``): a scan can start on the first objects while the rest is still compressed.

    Every byte that decompresses is kept: a stream cut short or damaged part-way gives the
    data before the cut (``truncated``, ``damage`` once ``done``). A full or unwritable
    folder is a TemporaryStorageError; ``should_stop()`` turning True raises Cancelled.
    """

    def __init__(self, path: str, tmpdir: str, should_stop: Callable[[], bool] | None = None):
        self.path, self.tmpdir = path, tmpdir
        self.raw = os.path.join(tmpdir, RAW_NAME)
        self.should_stop = should_stop
        self.total = max(os.path.getsize(path), 1)
        self.frames = Frames(compression_of(path), path)
        self.written = 0
        self.done = False
        self.truncated = False  # the compressed stream ends inside a member/frame
        self.damage: str | None = None  # why decompression stopped early on damaged data
        try:
            self._dst = open(self.raw, "wb")  # noqa: SIM115 - closed in _finish/close
        except OSError as exc:
            raise _storage_error(path, tmpdir, exc, 0) from None
        try:
            self._src = open(path, "rb")  # noqa: SIM115 - closed in _finish/close
        except OSError as exc:
            self._dst.close()
            raise InputFileError(path, f"cannot read the file ({exc})") from None

    @property
    def fraction(self) -> float:
        """How much of the compressed file is decompressed."""
        try:
            return 1.0 if self.done else min(self._src.tell() / self.total, 1.0)
        except ValueError:  # closed meanwhile (by the thread that decompresses)
            return 1.0

    def ensure(self, end: float) -> int:
        """Decompress until at least ``end`` bytes are written or the stream ends; the
        number of bytes written (readable in the copy)."""
        while not self.done and self.written < end:
            self.step()
        return self.written

    def step(self) -> None:
        """Decompress the next piece of the compressed file."""
        if self.should_stop is not None and self.should_stop():
            raise Cancelled(f"opening {self.path} was cancelled")
        try:
            data = self._src.read(IN_CHUNK)
        except OSError as exc:
            raise InputFileError(self.path, f"cannot read the file ({exc})") from None
        if not data:
            self._finish()
            return
        try:
            self.damage = decompress_into(self.frames, data, self._src.tell() - len(data),
                                          self._write)
        except OSError as exc:
            raise _storage_error(self.path, self.tmpdir, exc, self.written) from None
        if self.damage is not None or self.frames.done:  # (damaged: what came before kept)
            self._finish()
            return
        self._flush()

    def _write(self, out: bytes) -> None:
        self._dst.write(out)
        self.written += len(out)

    def _flush(self) -> None:
        try:
            self._dst.flush()  # readable by the scan's own file handle
        except OSError as exc:
            raise _storage_error(self.path, self.tmpdir, exc, self.written) from None

    def _finish(self) -> None:
        self._flush()
        self.done = True
        self.truncated = self.damage is None and not self.frames.complete
        self.close()

    def close(self) -> None:
        for f in (self._src, self._dst):
            try:
                f.close()
            except OSError:
                pass


class AheadThread:
    """A ``RawCopy`` written by a thread of its own, ahead of the scan that reads it:
    decompression (which releases the GIL) runs beside the scan's Python loop. ``ensure``
    waits for the bytes asked for; an error of the decompression is raised there."""

    def __init__(self, copy: RawCopy):
        self.copy = copy
        self.raw = copy.raw
        self._cond = threading.Condition()
        self._readable = 0
        self._error: BaseException | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="ctaviewer-decompress",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self.copy.done and not self._closing:
                self.copy.step()
                with self._cond:
                    self._readable = self.copy.written  # flushed by step()
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - raised in the scan's thread
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    @property
    def should_stop(self):
        return self.copy.should_stop

    @should_stop.setter
    def should_stop(self, value) -> None:
        self.copy.should_stop = value

    # what RawCopy says once it is done
    truncated = property(lambda self: self.copy.truncated)
    damage = property(lambda self: self.copy.damage)
    written = property(lambda self: self.copy.written)
    fraction = property(lambda self: self.copy.fraction)

    @property
    def done(self) -> bool:
        return self.copy.done

    def ensure(self, end: float) -> int:
        readable = self._readable  # no lock while the bytes asked for are there already
        if readable >= end and self._error is None and not self.copy.done:
            return readable
        with self._cond:
            self._cond.wait_for(lambda: self._readable >= end or self.copy.done
                                or self._error is not None)
            if self._error is not None:
                raise self._error
            return self.copy.written if self.copy.done else self._readable

    def close(self) -> None:
        self._closing = True
        self._thread.join()
        self.copy.close()


class PlainFile:
    """An uncompressed file, as ``RawCopy`` presents the data it has written."""

    truncated = False
    damage = None
    done = True
    fraction = 1.0

    def __init__(self, path: str):
        self.raw = path
        self.written = os.path.getsize(path)

    def ensure(self, end: float) -> int:
        return self.written

    def close(self) -> None:
        pass


def decompress_to_temp(
    path: str,
    progress: Progress | None = None,
    tmpdir: str | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Decompressed:
    """Stream-decompress ``path`` into ``tmpdir`` (default: a new folder, ``make_temp_dir``).

    Every byte that decompresses is kept: a stream cut short or damaged part-way gives the
    data before the cut. A full or unwritable temporary folder is a TemporaryStorageError;
    the folder is removed if decompression fails or is cancelled (``errors.Cancelled``).
    """
    if tmpdir is None:
        from .simtel_index import make_temp_dir

        tmpdir = make_temp_dir(path)
    try:
        copy = RawCopy(path, tmpdir, should_stop)
        try:
            while not copy.done:
                copy.step()
                if progress is not None:
                    progress(copy.fraction)
        finally:
            copy.close()
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    return Decompressed(copy.raw, tmpdir, copy.truncated, copy.damage)


def _storage_error(path, tmpdir, exc: OSError | str, written: int) -> TemporaryStorageError:
    cause = exc if isinstance(exc, str) else (exc.strerror or exc)
    return TemporaryStorageError(
        path,
        f"cannot write its decompressed copy in {os.path.dirname(tmpdir) or tmpdir} "
        f"({cause}, after {written / 1e6:.0f} MB); free space there or set "
        "TMPDIR to a folder with more room",
    )


def end_child(proc: subprocess.Popen) -> None:
    """End a decompressing child: killed if it still runs (one that has said its last has
    written everything), waited for, its pipes closed."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for f in (proc.stdout, proc.stderr):
        try:
            f.close()
        except OSError:
            pass


def last_words(proc: subprocess.Popen) -> str:
    """The last line an ended child wrote on standard error ("" if none)."""
    why = proc.stderr.read().decode("utf-8", "replace").strip()
    return why.splitlines()[-1] if why else ""


class ChildCopy:
    """A copy written by a process of its own (``decompress_child.py``), as ``RawCopy``
    presents it: ``ensure(end)`` waits (reading the child's progress lines) until ``end``
    bytes are written or the stream has ended, and raises its errors as RawCopy does.

    ``ChildCopy.start`` does not wait for the process (it decompresses while its caller
    does other things); it returns None for a small file and where no process can be
    started (``decompress_child.worth_a_process``): decompress in this process then. The
    child runs this interpreter with this environment, so what this process imports, it
    imports too.
    """

    def __init__(self, path: str, tmpdir: str, proc: subprocess.Popen,
                 should_stop: Callable[[], bool] | None):
        self.path, self.tmpdir = path, tmpdir
        self.raw = os.path.join(tmpdir, RAW_NAME)
        self.should_stop = should_stop
        self.total = max(os.path.getsize(path), 1)
        self._proc = proc
        self._read = 0  # compressed bytes the child has read
        self.written = 0
        self.done = False
        self.truncated = False
        self.damage: str | None = None
        self._lock = threading.Lock()  # one reader of the child's lines at a time

    @classmethod
    def start(cls, path: str, tmpdir: str, should_stop: Callable[[], bool] | None = None,
              niceness: int = 0) -> ChildCopy | None:
        if not decompress_child.worth_a_process(path):
            return None
        raw = os.path.join(tmpdir, RAW_NAME)
        try:
            proc = subprocess.Popen(
                [sys.executable, decompress_child.SCRIPT, path, raw], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True)
        except (OSError, ValueError):
            return None
        if niceness and hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, proc.pid, niceness)
            except OSError:
                pass
        return cls(path, tmpdir, proc, should_stop)

    @property
    def fraction(self) -> float:
        """How much of the compressed file is decompressed."""
        return 1.0 if self.done else min(self._read / self.total, 1.0)

    def _line(self) -> str | None:
        """The child's next line; None if it ended without one."""
        while True:
            if self.should_stop is not None and self.should_stop():
                raise Cancelled(f"opening {self.path} was cancelled")
            line = self._proc.stdout.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\n")
            if text[:2] in ("P ", "E "):
                return text

    def _take(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "P":
            read, written = rest.split()
            self._read, self.written = int(read), int(written)
            return
        end = json.loads(rest)
        self.written = int(end.get("written", self.written))
        self.close()  # it has said its last
        if "input" in end:
            raise InputFileError(self.path, end["input"])
        if "storage" in end:
            raise _storage_error(self.path, self.tmpdir, end["storage"], self.written)
        self.truncated = bool(end["truncated"])
        self.damage = end["damage"]
        self.done = True

    def ensure(self, end: float) -> int:
        """Wait until at least ``end`` bytes are written or the stream has ended; the
        number of bytes written (readable in the copy)."""
        if self.written >= end or self.done:
            return self.written
        with self._lock:
            while not self.done and self.written < end:
                line = self._line()
                if line is None:
                    code = self._proc.wait()
                    why = last_words(self._proc)
                    self.close()
                    raise InputFileError(
                        self.path, "the process decompressing it ended unexpectedly (exit "
                        f"code {code}{': ' + why if why else ''})")
                self._take(line)
        return self.written

    def close(self) -> None:
        """Stop the child if it still runs (its copy stays, for whoever owns the folder)."""
        end_child(self._proc)


def open_copy(path: str, tmpdir: str, should_stop: Callable[[], bool] | None = None,
              niceness: int = 0):
    """The copy of compressed ``path`` in ``tmpdir``, written ahead of its reader: by a
    process of its own (at ``niceness``), or (where none can start) by a thread of this
    one."""
    child = ChildCopy.start(path, tmpdir, should_stop, niceness)
    if child is not None:
        return child
    return AheadThread(RawCopy(path, tmpdir, should_stop))


__all__ = ["RAW_NAME", "AheadThread", "ChildCopy", "Decompressed", "PlainFile", "RawCopy",
           "compression_of", "decompress_to_temp", "open_copy"]


