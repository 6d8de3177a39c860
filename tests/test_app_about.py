"""The About box says what ctaviewer really opens and writes (DL3 FITS through the DL3
browser, not an event reader)."""

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
    # no event reader opens FITS: DL3 is opened by the DL3 browser, and said so
    assert not any(".fits" in e for _, cls in SOURCES.items() for e in cls.extensions)
    assert "DL3 GADF FITS in the DL3 browser" in opens
    assert "DL3" in writes and "FITS" in writes and "HDF5" in writes
