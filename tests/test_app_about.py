"""The About box says what ctaviewer really opens and writes (it claimed DL3 FITS reading,
which no reader does)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.gui


def test_about_names_what_is_opened_and_written():
    from ctaviewer.app.about import about_text
    from ctaviewer.io import SOURCES, supported_formats

    text = about_text()
    opens = re.search(r"<b>Opens:</b>(.*?)<br>", text).group(1)
    writes = re.search(r"<b>Writes:</b>(.*?)</p>", text).group(1)
    for description, _ in supported_formats():
        assert description in opens
    # no reader opens FITS: DL3 appears as written only
    assert not any(".fits" in e for _, cls in SOURCES.items() for e in cls.extensions)
    assert "FITS" not in opens and "DL3" not in opens
    assert "DL3" in writes and "FITS" in writes and "HDF5" in writes
