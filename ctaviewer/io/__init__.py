"""Event sources: a registry that picks the reader from the file content.

``open_source(path)`` asks every registered reader whether it can read the file (by content,
not only the name) and opens it with the first that can; when none can, the error lists what
each reader objected to. ``open_source(None)`` opens the built-in simulated array.
"""

from __future__ import annotations

import os
import stat

from ..errors import EmptyFileError, InputFileError, MissingFileError, UnsupportedFileError
from ..registry import Registry
from .base import DataLevel, EventSource

#: readers by name; higher priority is asked first
SOURCES: Registry[type[EventSource]] = Registry("event source")


def _register_builtin() -> None:
    from .hdf5_source import HDF5Source
    from .simtel import SimTelSource
    from .toy import ToySource

    SOURCES.register(SimTelSource.name, SimTelSource, priority=10)
    SOURCES.register(HDF5Source.name, HDF5Source, priority=5)
    SOURCES.register(ToySource.name, ToySource, priority=-100)


_register_builtin()


def check_input_path(path) -> str:
    """Return ``path`` as a string, or raise a typed error for missing, unreadable or empty."""
    path = os.fspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise MissingFileError(path, "a symbolic link to a file that does not exist") \
                from None
        raise MissingFileError(path, "no such file") from None
    except OSError as exc:  # a loop of symbolic links, a name too long, ...
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
        raise InputFileError(path, f"is {kind}, not a regular file (it cannot be read "
                                   "more than once, nor at random places)")
    if not os.access(path, os.R_OK):
        raise InputFileError(path, "permission denied")
    if info.st_size == 0:
        raise EmptyFileError(path, "the file is empty (0 bytes)")
    return path


def open_source(path=None, *, reader: str | None = None, **kwargs) -> EventSource:
    """Open ``path`` with the reader that recognises it (or the one named by ``reader``)."""
    if path is None:
        return SOURCES.get("toy")(**kwargs)
    path = check_input_path(path)
    if reader is not None:
        cls = SOURCES.get(reader)
        objection = cls.check(path)
        if objection is not None:
            raise UnsupportedFileError(path, f"not readable as {reader}: {objection}")
        return cls(path, **kwargs)
    objections = []
    for name, cls in SOURCES.items():
        if not cls.extensions:  # sources that read no files (the simulated array)
            continue
        objection = cls.check(path)
        if objection is None:
            return cls(path, **kwargs)
        objections.append(f"{name}: {objection}")
    raise UnsupportedFileError(
        path, "no reader recognises this file (" + "; ".join(objections) + ")"
    )


def open_indexed(path=None, progress=None, should_stop=None, *, reader: str | None = None,
                 **kwargs) -> EventSource:
    """``open_source`` followed by ``build_index``; the source is closed if indexing fails
    or is cancelled, so no file handle outlives a failed open."""
    source = open_source(path, reader=reader, **kwargs)
    try:
        source.build_index(progress, should_stop)
    except BaseException:
        source.close()
        raise
    return source


def supported_formats() -> list[tuple[str, tuple[str, ...]]]:
    """(description, extensions) of every reader that reads files, for Open dialogs."""
    return [(cls.description, cls.extensions) for _, cls in SOURCES.items() if cls.extensions]


__all__ = [
    "SOURCES", "DataLevel", "EventSource", "check_input_path", "open_indexed", "open_source",
    "supported_formats",
]
