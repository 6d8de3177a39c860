"""docs/architecture.md: its picture is current and shows the layers contract's order; the
README's Layout lists every package and module of the core and links the page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from .conftest import load_script

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _drawing():
    return load_script(DOCS / "draw_architecture.py")


def test_the_picture_is_drawn_by_its_script():
    assert (DOCS / "architecture.svg").read_text() == _drawing().svg(), \
        "run python docs/draw_architecture.py"


def test_the_picture_shows_the_layers_contract():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = [c for c in contracts["contracts"] if c["type"] == "layers"]
    if not layers:
        pytest.skip("pyproject.toml declares no layers contract")
    (contract,) = layers
    prefix = "" if contract.get("containers") else "ctaviewer."
    declared = [{name.strip().removeprefix(prefix) for name in re.split(r"[|:]", row)}
                for row in contract["layers"]]
    assert declared == [set(row) for row in _drawing().LAYERS]


def test_the_page_links_resolve_and_the_readme_links_it():
    page = DOCS / "architecture.md"
    targets = LINK.findall(page.read_text())
    assert "architecture.svg" in targets
    for target in targets:
        assert (page.parent / target).resolve().exists(), target
    assert "docs/architecture.md" in (ROOT / "README.md").read_text()


def test_the_readme_layout_lists_every_package_and_layer_module():
    """Every package of the core, and every module of the layers (the contract is
    exhaustive, and the picture agrees with it), has its line in the Layout."""
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):]
    layout = layout[:layout.index("```", layout.index("```") + 3)]
    core = ROOT / "ctaviewer"
    names = {p.name for p in core.iterdir() if (p / "__init__.py").exists()}
    names |= {name for row in _drawing().LAYERS for name in row}
    missing = [n for n in sorted(names)
               if not re.search(rf"(?m)^\s+{re.escape(n)}(/|\.py)\s", layout)]
    assert missing == []
