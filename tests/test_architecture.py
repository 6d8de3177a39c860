"""The Qt-free core must never import Qt, pyqtgraph or the app package."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ctaviewer"
FORBIDDEN = ("PySide6", "pyqtgraph", "ctaviewer.app", "PyQt5", "PyQt6", "shiboken6")


def _core_files():
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "app":
            continue
        yield path


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # resolve relative imports against the module's package
                parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
                base = parts[: len(parts) - node.level]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module or ""


@pytest.mark.parametrize("path", list(_core_files()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_imports_no_qt(path):
    # the GUI launcher and the headless renderer may import the app lazily, inside a function
    if path.relative_to(PACKAGE).as_posix() in ("cli/gui.py", "cli/render.py"):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top for a in n.names] + [
            n.module or "" for n in top if isinstance(n, ast.ImportFrom)
        ]
        assert not [n for n in names if n.startswith(FORBIDDEN) or n.endswith(".app")]
        return
    bad = [name for name in _imports(path) if name.startswith(FORBIDDEN)]
    assert not bad, f"{path} imports {bad}"


def test_processing_runs_without_qt_installed():
    """Import the core and read the simulated array with Qt imports blocked."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from ctaviewer import open_source\n"
        "src = open_source()\n"
        "ev = src[0]\n"
        "assert ev.n_tels >= 2\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
