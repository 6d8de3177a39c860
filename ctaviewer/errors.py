"""Typed errors and warnings. Every message names the file and the cause."""

from __future__ import annotations

import os


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
    """The file's content is damaged at ``offset`` (bytes of the decompressed stream)."""

    def __init__(
        self, path, cause: str, offset: int | None = None, n_good_events: int | None = None
    ):
        self.offset = offset
        self.n_good_events = n_good_events
        where = f" at byte {offset}" if offset is not None else ""
        after = f" after {n_good_events} complete events" if n_good_events is not None else ""
        super().__init__(path, f"corrupted data{where}{after}: {cause}")


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


class OutputError(CtaviewerError):
    """An output file cannot be written."""


class TruncatedFileWarning(UserWarning):
    """The file ends in the middle of an object; complete events were delivered."""


class UnknownCameraWarning(UserWarning):
    """A camera not in the known-camera table; it works under a generic name."""
