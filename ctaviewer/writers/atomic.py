"""Outputs that appear complete or not at all.

Every output is written under a hidden temporary name in its final folder and renamed when
complete (``os.replace`` is atomic on one file system). A failure or a cancel removes the
temporary file; an existing output is never replaced unless ``overwrite`` is set. Temporary
names carry the writing process id, so a later run removes the ones a killed run left.
"""

from __future__ import annotations

import contextlib
import glob
import os
import uuid

from ..errors import OutputError

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        if pid != os.getpid() and not _pid_alive(pid):
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


class AtomicOutput:
    """``with AtomicOutput(path) as tmp:`` write ``tmp``; it becomes ``path`` on success."""

    def __init__(self, path, *, overwrite: bool = False):
        self.path = os.fspath(path)
        self.overwrite = overwrite
        self.tmp: str | None = None

    def __enter__(self) -> str:
        check_writable(self.path, self.overwrite)
        remove_stale_temps(self.path)
        self.tmp = temp_name(self.path)
        return self.tmp

    def commit(self) -> None:
        check_writable(self.path, self.overwrite)
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
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
