"""Every exception and warning type of ctaviewer's core: one family, one module.

Errors (every message names the file and the cause):

- ``CtaviewerError``: the base of every error raised on purpose. The command line prints
  its message as one line (``ctaviewer: error: ...``), the application in a message box.
  - ``InputFileError`` (``path``, ``cause``): a file cannot be read, with ``MissingFileError``,
    ``EmptyFileError``, ``UnsupportedFileError``, ``HeaderOnlyFileError``,
    ``CorruptFileError`` (``offset``, ``n_good_events``), ``TemporaryStorageError`` and
    ``SelectionError`` (a telescope selection the file does not fit).
  - ``FilterMissingError``: an HDF5 table compressed with a filter this installation cannot
    decode (also an ``OSError``, as h5py's read errors are); readers turn it into an
    ``InputFileError`` naming the file.
  - ``ConfigError`` (``field``; also a ``ValueError``) and ``ExpressionError`` (``reason``,
    ``position``): an invalid configuration value or expression.
  - ``UnknownCameraError`` and ``DisplayError`` (both also ``ValueError``): a camera name
    ``CameraGeometry.from_name`` does not know; a value a display cannot show (an image of
    the wrong length, an unknown norm or colour map).
  - ``OutputError``: an output file cannot be written.
  - ``MessageError``: a message between processes could not be read (``procmsg``).
  - ``WorkerDiedError`` and ``PartFailedError`` (``warnings``): a file split across worker
    processes failed in one of them: the worker died, or its part of the events failed
    (``batch.split``).
- ``Cancelled``: not an error: work stopped because it was asked to (a batch job, a
  training, opening a file), nothing written. It is a ``concurrent.futures.CancelledError``,
  not a ``CtaviewerError``, so that no error report shows it as a failure.
- ``Terminated``: SIGTERM during a command; a ``KeyboardInterrupt``, so it unwinds as
  Ctrl+C does (temporary outputs removed, workers stopped).

Warnings (``UserWarning``): ``TruncatedFileWarning``, ``DamagedFileWarning``,
``TrailingDataWarning``, ``UnknownCameraWarning``, ``CameraSettingsWarning``,
``UnusedSettingWarning``.

Private exceptions that never leave their module may stay there (``io.simtel_index``'s
``_Damage`` becomes a ``CorruptFileError`` in the function that raises it).
``tests/test_errors.py`` checks that every other exception type of the core is defined
here.
"""

from __future__ import annotations

import errno
import os
from concurrent.futures import CancelledError


class CtaviewerError(Exception):
    """Base class of all errors ctaviewer raises on purpose."""


class InputFileError(CtaviewerError):
    """A file cannot be read; ``path`` and ``cause`` say which and why."""

    def __init__(self, path, cause: str):
        self.path = os.fspath(path) if path is not None else None
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")


class MissingFileError(InputFileError, FileNotFoundError):
    """The file does not exist."""


class EmptyFileError(InputFileError):
    """The file has zero bytes."""


class UnsupportedFileError(InputFileError):
    """No reader recognises the file (each reader's objection is listed)."""


class HeaderOnlyFileError(InputFileError):
    """The file holds run headers but no event at all."""


class CorruptFileError(InputFileError):
    """The file's content is damaged at ``offset`` (bytes of the decompressed stream);
    ``reason`` is the cause alone, ``cause`` the whole sentence."""

    def __init__(
        self, path, cause: str, offset: int | None = None, n_good_events: int | None = None
    ):
        self.offset = offset
        self.n_good_events = n_good_events
        self.reason = cause
        where = f" at byte {offset}" if offset is not None else ""
        after = f" after {n_good_events} complete events" if n_good_events is not None else ""
        super().__init__(path, f"corrupted data{where}{after}: {cause}")


class SelectionError(InputFileError):
    """A telescope selection (``allowed_tels``: ids or type names) does not fit the file:
    a telescope id or type it does not hold, or no telescope left."""


class TemporaryStorageError(InputFileError):
    """A compressed file cannot be decompressed for random access: its temporary copy cannot
    be written (temporary folder full, missing or not writable)."""


#: errno values of failed writes: never caused by the file being read (a full disk or numba
#: cache folder while events are converted), so never reported as damage of that file
_WRITE_ERRNOS = frozenset(getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS")
                          if hasattr(errno, n))


def reader_error(path, exc: BaseException, *, offset: int | None = None,
                 n_good_events: int | None = None) -> BaseException:
    """The typed error for an exception raised while reading ``path`` (eventio's own
    exceptions: ValueError, NotImplementedError, struct.error, EOFError, zlib/zstd errors,
    MemoryError from a damaged length field, ...). Typed errors pass unchanged, and so do
    failed writes (disk full, read-only): the callers that write say which folder failed."""
    if isinstance(exc, CtaviewerError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return exc
    text = str(exc).strip()
    cause = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, MemoryError):
        cause = "an object too large to read (damaged length field?)"
    elif isinstance(exc, NotImplementedError) and "endian" in text.lower():
        cause = f"big-endian EventIO data, which the reader does not support ({text})"
    return CorruptFileError(path, cause, offset=offset, n_good_events=n_good_events)


class ConfigError(CtaviewerError, ValueError):
    """A configuration value is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class ExpressionError(ConfigError):
    """An expression (quality query, event filter) is not accepted: ``reason`` says why and
    ``position`` (1-based character of ``text``, or None) where."""

    def __init__(self, field: str, reason: str, text: str | None = None,
                 position: int | None = None):
        self.reason = reason
        self.text = text
        self.position = position
        self.message = reason + (f" (at character {position})" if position else "")
        super().__init__(field, self.message)


class UnknownCameraError(CtaviewerError, ValueError):
    """A camera name (or version) that ``CameraGeometry.from_name`` does not know; the
    message lists the known ones."""


class DisplayError(CtaviewerError, ValueError):
    """A value given to a display (``ctaviewer.display``) cannot be shown: an image of the
    wrong length, an unknown norm or colour map; the message names it."""


class OutputError(CtaviewerError):
    """An output file cannot be written."""


class FilterMissingError(CtaviewerError, OSError):
    """An HDF5 table is compressed with a filter this installation cannot decode (the
    message names the table and the package that provides the filter)."""


class MessageError(CtaviewerError):
    """A message from another process could not be read: its sender died half-way through
    it, or its content cannot be unpickled here (``procmsg.Channel.receive``)."""


class WorkerDiedError(CtaviewerError):
    """A worker process died while it processed part of a file split across workers (the
    message says how it ended)."""


class PartFailedError(CtaviewerError):
    """A part of a file split across workers failed in its worker: the message is the
    worker's own line (naming the file and the cause), ``warnings`` what it warned of."""

    def __init__(self, message: str, warnings=()):
        super().__init__(message)
        self.warnings = list(warnings)


class Cancelled(CancelledError):
    """Work stopped because it was asked to (a batch job, a training, opening a file); its
    partial output was removed, nothing was written. Not an error."""


class Terminated(KeyboardInterrupt):
    """SIGTERM during a command: it unwinds as Ctrl+C does (``cli.main`` says so and exits
    with 143)."""


class TruncatedFileWarning(UserWarning):
    """The file ends in the middle of an object; complete events were delivered."""


class DamagedFileWarning(UserWarning):
    """The file is damaged part-way; the complete events before the damage were delivered."""


class TrailingDataWarning(UserWarning):
    """The file goes on after the end of its run (files concatenated?); that part is not read."""


class UnusedSettingWarning(UserWarning):
    """A setting that changes nothing for this input (a camera override naming none of its
    cameras)."""


class CameraSettingsWarning(UserWarning):
    """A camera setting of the file is impossible (a focal length of 0 or NaN): what depends
    on it (directions in the sky, the stereo reconstruction) comes out NaN."""


class UnknownCameraWarning(UserWarning):
    """A camera not in the known-camera table; it works under a generic name."""
