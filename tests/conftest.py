"""Shared test set-up: offscreen Qt and the one helper that locates the real data files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The shared data folder: $CTAVIEWER_TEST_DATA, by default ../shared/data."""
    return Path(os.environ.get("CTAVIEWER_TEST_DATA", ROOT.parent / "shared" / "data"))


def data_file(relative: str) -> Path:
    """Path of a shared data file; skips the calling test with a reason when absent."""
    path = data_dir() / relative
    if not path.exists():
        pytest.skip(f"test data {path} not available (set CTAVIEWER_TEST_DATA)")
    return path


def simtel(name: str) -> Path:
    return data_file(f"simtel/{name}")


@pytest.fixture
def simtel_file():
    return simtel
