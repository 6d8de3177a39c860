"""Outputs that appear complete or not at all.

Every output is written under a hidden temporary name in its final folder and renamed when
complete (atomic on one file system). A failure or a cancel removes the temporary file; an
existing output is never replaced unless ``overwrite`` is set: without it the rename itself
refuses an existing name (``renameat2(RENAME_NOREPLACE)`` where the kernel has it, else a
hard link, which fails on an existing name, then removal of the temporary name), so two
writers of one path cannot both succeed. Temporary names carry the writing process id, so a
later run removes the ones a killed run left.

HDF5 outputs are written through a ``GuardedFile`` (``AtomicOutput.open_guarded``): libhdf5
crashes the process (SIGSEGV) once a write has failed (a full disk, a quota, a file-size
limit), whatever is done with the file afterwards. The guarded file keeps the first error
and tells libhdf5 every later write succeeded, so the library stays consistent, the writer
stops at its next check (``raise_if_failed``) and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import glob
import io
import os
import sys
import uuid

from ..errors import OutputError
from ..stale_files import pid_alive

TMP_MARK = ".ctaviewer-tmp-"


def _temp_stem(folder: str, name: str) -> str:
    """"." + ``name``, cut so that a temporary name (stem, mark, pid, 8 hex digits) stays
    within the file system's limit on a name's length, however long ``name`` is."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    room = limit - len(TMP_MARK) - 20  # pid (up to 10 digits), "-", 8 hex digits, spare
    stem = "." + name
    while len(os.fsencode(stem)) > room:  # by characters, so no character is split
        stem = stem[:-1]
    return stem


def temp_name(path: str) -> str:
    folder, name = os.path.split(os.path.abspath(path))
    stem = _temp_stem(folder, name)
    return os.path.join(folder, f"{stem}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def remove_stale_temps(path: str) -> list[str]:
    """Remove temporaries of ``path`` left by processes that no longer run; return them."""
    folder, name = os.path.split(os.path.abspath(path))
    removed = []
    stem = _temp_stem(folder, name)
    for tmp in glob.glob(os.path.join(glob.escape(folder), f"{glob.escape(stem)}{TMP_MARK}*")):
        try:
            pid = int(tmp.rsplit(TMP_MARK, 1)[1].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not pid_alive(pid):
            with contextlib.suppress(OSError):
                if os.path.isdir(tmp):
                    import shutil

                    shutil.rmtree(tmp)
                else:
                    os.remove(tmp)
                removed.append(tmp)
    return removed


def check_writable(path: str, overwrite: bool) -> None:
    """Raise OutputError if ``path`` exists (and not ``overwrite``) or its folder is missing."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputError(f"{path}: output folder {folder} does not exist")
    if os.path.exists(path) and not overwrite:
        raise OutputError(f"{path}: file exists (use --overwrite to replace it)")


#: what a failed write means, by errno (the rest use the system's own words)
_WRITE_ERRORS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file size limit exceeded",
}


def write_error_text(exc: OSError) -> str:
    """The cause of a failed write in a few words, e.g. "disk full (No space left on device)"."""
    words = exc.strerror or str(exc)
    short = _WRITE_ERRORS.get(exc.errno)
    return f"{short} ({words})" if short else words


class GuardedFile(io.RawIOBase):
    """A binary file for h5py's ``fileobj`` driver that never reports a failed write to libhdf5.

    The first ``OSError`` of a write (or truncate) is kept in ``error``. That write and every
    later one are then kept in memory instead of the file and reported as done; reads see
    them (libhdf5 reads back what it wrote, B-tree nodes for instance), so the library stays
    consistent until the owner, which checks ``error`` between its own steps, closes the
    abandoned file and removes it. Memory is bounded by what libhdf5 flushes from then on.
    """

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        self._file = open(fd, "r+b", buffering=0)  # closed in close()
        self.error: OSError | None = None
        self._pos = 0
        self._kept: list[tuple[int, bytes]] = []  # (offset, data) written after the error
        self._size = 0  # the file's size as libhdf5 sees it, once an error happened

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self.error is None:
            self._pos = self._file.seek(offset, whence)
        elif whence == os.SEEK_SET:
            self._pos = offset
        elif whence == os.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._size + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        start = self._pos
        if self.error is not None:
            self._file.seek(start)
        n = self._file.readinto(view) or 0
        if self.error is not None:
            want = min(len(view), max(0, self._size - start))
            if n < want:
                view[n:want] = bytes(want - n)
                n = want
            for offset, data in self._kept:  # later writes over earlier ones, in order
                lo, hi = max(start, offset), min(start + n, offset + len(data))
                if lo < hi:
                    view[lo - start:hi - start] = data[lo - offset:hi - offset]
        self._pos = start + n
        return n

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        n = view.nbytes
        start = self._pos
        if self.error is None:
            try:
                done = 0
                while done < n:  # a short write is followed by the write that fails
                    written = self._file.write(view[done:])
                    if not written:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)
                    done += written
                self._pos = start + n
                return n
            except OSError as exc:
                self.error = exc
                self._size = max(self._file.seek(0, os.SEEK_END), start)
        self._kept.append((start, bytes(view)))
        self._size = max(self._size, start + n)
        self._pos = start + n
        return n

    def truncate(self, size: int | None = None) -> int:
        size = self._pos if size is None else size
        if self.error is None:
            try:
                return self._file.truncate(size)
            except OSError as exc:
                self.error = exc
        self._size = size
        return size

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed:
            self._kept = []
            with contextlib.suppress(OSError):
                self._file.close()
        super().close()


@functools.cache
def _renameat2():
    """libc's ``renameat2`` (Linux, glibc >= 2.28), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
#: errors that mean "this way of renaming is not available here": try the next one
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}


def _rename_noreplace(src: str, dst: str) -> bool:
    """``renameat2(src, dst, RENAME_NOREPLACE)``: True when done, False where unsupported;
    raises FileExistsError when ``dst`` exists."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.EEXIST:
        raise FileExistsError(err, os.strerror(err), dst)
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), src, None, dst)


def _link_noreplace(src: str, dst: str) -> bool:
    """Hard link ``dst`` to ``src`` then remove ``src``: True when done, False where the file
    system has no hard links; raises FileExistsError when ``dst`` exists."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno in _UNSUPPORTED or exc.errno == errno.EMLINK:  # no (more) hard links
            return False
        raise
    os.unlink(src)
    return True


def move_noreplace(src: str, dst: str) -> None:
    """Rename ``src`` to ``dst`` unless ``dst`` exists (FileExistsError), atomically where the
    system allows: renameat2 with RENAME_NOREPLACE, else a hard link; folders and file
    systems without either get a check followed by a rename."""
    if _rename_noreplace(src, dst):
        return
    if not os.path.isdir(src) and _link_noreplace(src, dst):
        return
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst)


class AtomicOutput:
    """``with AtomicOutput(path) as tmp:`` write ``tmp``; it becomes ``path`` on success.

    ``open_guarded()`` creates ``tmp`` as a ``GuardedFile`` (for h5py); ``raise_if_failed()``
    raises ``OutputError`` naming the path and the cause once a write to it has failed, and
    ``commit()`` does too.
    """

    def __init__(self, path, *, overwrite: bool = False):
        self.path = os.fspath(path)
        self.overwrite = overwrite
        self.tmp: str | None = None
        self.guarded: GuardedFile | None = None

    def __enter__(self) -> str:
        check_writable(self.path, self.overwrite)
        remove_stale_temps(self.path)
        self.tmp = temp_name(self.path)
        return self.tmp

    def open_guarded(self) -> GuardedFile:
        """Create the temporary file as a ``GuardedFile`` (raises OutputError if it cannot)."""
        try:
            self.guarded = GuardedFile(self.tmp)
        except OSError as exc:
            raise OutputError(
                f"{self.path}: cannot create the file ({write_error_text(exc)})") from None
        return self.guarded

    def raise_if_failed(self) -> None:
        error = self.guarded.error if self.guarded is not None else None
        if error is not None:
            raise OutputError(
                f"{self.path}: cannot write: {write_error_text(error)}; no output written")

    def commit(self) -> None:
        if self.guarded is not None:
            self.guarded.close()
        self.raise_if_failed()
        check_writable(self.path, self.overwrite)
        if self.overwrite:
            os.replace(self.tmp, self.path)
            return
        try:
            move_noreplace(self.tmp, self.path)
        except FileExistsError:
            raise OutputError(f"{self.path}: file exists (use --overwrite to replace it)") from None

    def discard(self) -> None:
        if self.guarded is not None:
            self.guarded.close()
        if self.tmp and os.path.lexists(self.tmp):
            with contextlib.suppress(OSError):
                if os.path.isdir(self.tmp):
                    import shutil

                    shutil.rmtree(self.tmp)
                else:
                    os.remove(self.tmp)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.discard()
                raise
        else:
            self.discard()
        return False
