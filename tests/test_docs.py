"""The user guide's pages link to files that exist, and its screenshots are all used and small."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
GUIDE = sorted((DOCS / "guide").glob("*.md"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_guide_exists_and_readme_links_it():
    assert (DOCS / "guide" / "index.md") in GUIDE and len(GUIDE) >= 4
    readme = (DOCS.parent / "README.md").read_text()
    assert "docs/guide/index.md" in readme


@pytest.mark.parametrize("page", GUIDE, ids=lambda p: p.name)
def test_links_resolve(page):
    for target in LINK.findall(page.read_text()):
        if "://" in target:
            continue
        assert (page.parent / target).resolve().exists(), f"{page.name}: {target}"


def test_every_screenshot_is_used_and_small():
    used = {(page.parent / t).resolve() for page in GUIDE
            for t in LINK.findall(page.read_text()) if t.endswith(".png")}
    images = sorted((DOCS / "images").glob("*.png"))
    assert len(images) >= 9
    for image in images:
        assert image.resolve() in used, f"{image.name} is not shown in the guide"
        data = image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert width <= 1400 and len(data) < 250 * 1024, (image.name, width, len(data))


def test_the_table_of_settings_is_written_from_the_options():
    """docs/guide/cleaning.md's table of settings is what ``python -m ctaviewer.config``
    prints from the options' definitions (regenerate it with that command)."""
    from ctaviewer.config.guide import settings_table

    text = (DOCS / "guide" / "cleaning.md").read_text()
    begin = text.index("-->\n", text.index("<!-- the table below is written by")) + 4
    end = text.index("<!-- end of the table of settings -->")
    assert text[begin:end] == settings_table(), "run: python -m ctaviewer.config"
    for key in ("window_width", "core_threshold", "time_limit_ns", "invalid_pixel_handler"):
        assert f"| `{key}` |" in text[begin:end]
