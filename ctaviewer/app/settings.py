"""Persistent settings (QSettings): window geometry, dock layout, recent files."""

from __future__ import annotations

import os

from .qt import QtCore

ORGANIZATION = "ctaviewer"
APPLICATION = "CtaViewer"
APP_ID = "org.ctaviewer.CtaViewer"
MAX_RECENT = 10


def settings() -> QtCore.QSettings:
    """The user's settings, in ``QSettings.defaultFormat()``.

    Tests isolate them with ``QSettings.setDefaultFormat(IniFormat)`` and
    ``QSettings.setPath(IniFormat, UserScope, tmp)``; the (organisation, application)
    constructor alone would ignore the default format and write the real user file.
    """
    return QtCore.QSettings(QtCore.QSettings.defaultFormat(), QtCore.QSettings.UserScope,
                            ORGANIZATION, APPLICATION)


def recent_files() -> list[str]:
    value = settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if os.path.exists(p)]


def add_recent_file(path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [path] + [p for p in recent_files() if p != path]
    files = files[:MAX_RECENT]
    settings().setValue("recent_files", files)
    return files
