"""Event sources: a registry that picks the reader from the file content.

``open_source(path)`` asks every registered reader whether it can read the file (by content,
not only the name) and opens it with the first that can; when none can, the error lists what
each reader objected to. ``open_source(None)`` opens the built-in simulated array.
"""

from __future__ import annotations

import os

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
    if not os.path.exists(path):
        raise MissingFileError(path, "no such file")
    if os.path.isdir(path):
        raise InputFileError(path, "is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise InputFileError(path, "permission denied")
    if os.path.getsize(path) == 0:
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
