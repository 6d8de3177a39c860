"""Persistent settings (QSettings): window geometry, dock layout, recent files, the camera
views' display settings, the bookmarked events of each file."""

from __future__ import annotations

import hashlib
import json
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


def _bookmark_key(path: str) -> str:
    # one key per file, whatever its name holds ("/" would make QSettings groups)
    path = os.path.abspath(path)
    return "bookmarks/" + hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()


def file_bookmarks(path: str) -> str:
    """The bookmarks of the file at ``path`` as stored (``service.goto.Bookmarks.to_text``),
    "" when it has none."""
    value = settings().value(_bookmark_key(path), "")
    if isinstance(value, dict) and value.get("path") == os.path.abspath(path):
        return str(value.get("events", ""))
    return ""


def set_file_bookmarks(path: str, text: str) -> None:
    """Keep ``text`` (``Bookmarks.to_text``) as the bookmarks of the file at ``path``;
    empty bookmarks remove the entry."""
    st = settings()
    key = _bookmark_key(path)
    if text in ("", "[]"):
        st.remove(key)
    else:
        st.setValue(key, {"path": os.path.abspath(path), "events": text})
    st.sync()


def display_settings() -> dict:
    """The camera views' display settings as last saved (``DisplayState.saved``); {} when
    none or unreadable (a damaged entry is ignored, never an error at start-up)."""
    value = settings().value("display/camera", "")
    try:
        values = json.loads(value) if isinstance(value, str) and value else {}
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def set_display_settings(values: dict) -> None:
    """Keep the camera views' display settings (``DisplayState.saved``)."""
    settings().setValue("display/camera", json.dumps(values))
