"""Draw docs/architecture.svg: ctaviewer's layers, top to bottom.

    python docs/draw_architecture.py          # rewrites docs/architecture.svg

``LAYERS`` is the order of pyproject.toml's import-linter layers contract (a module may
import only from the rows below its own; names in one row do not import each other);
tests/test_architecture_doc.py checks that the two agree and that the SVG is up to date.
Plain SVG text, no dependency.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

#: top to bottom; each row lists modules that are independent of each other
LAYERS = [
    ["cli", "display"],
    ["app"],
    ["service", "batch"],
    ["performance", "dl3"],
    ["estimators", "irf"],
    ["writers", "io"],
    ["datamodel"],
    ["pipeline"],
    ["muon"],
    ["image", "reco", "calib"],
    ["config"],
    ["instrument", "event", "coords", "results", "expressions", "registry",
     "warning_capture", "gc_policy"],
    ["procmsg"],
    ["errors", "_numba", "stale_files"],
]

#: what each row is for (right margin)
ROLES = [
    "the ctaviewer command | script displays",
    "the Qt application (alone in importing Qt)",
    "app state and helper process | batch runs",
    "performance plots | DL3 read back",
    "lookup-table estimators | IRFs and DL3",
    "file writers | event sources (readers)",
    "HDF5 and GADF data models",
    "the processing chain",
    "muon rings: fits, parameters, efficiency",
    "processing steps (numba kernels)",
    "processing configuration",
    "event model, results, shared helpers",
    "messages between processes",
    "errors | numba with a usable cache | stale files",
]

ROW_H = 34
BOX_GAP = 8
GAP = 10
TOP = 56
LEFT = 70
CHAR_W = 8.2  # width of one character of the 14-px monospace font
FILL = ["#fde2e4", "#fde2e4", "#fff1c1", "#fff1c1", "#fff1c1", "#e2f0cb", "#e2f0cb", "#cde7f0",
        "#cde7f0", "#cde7f0", "#e4dcf1", "#e4dcf1", "#eeeeee", "#eeeeee"]


def _box_width(name: str) -> int:
    return round(len(name) * CHAR_W + 22)


def svg() -> str:
    """The picture as SVG text."""
    role_x = LEFT + 30 + max(sum(_box_width(n) + BOX_GAP for n in row) for row in LAYERS)
    width = role_x + 330
    height = TOP + len(LAYERS) * (ROW_H + GAP) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, monospace" '
        'font-size="14">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="20" y="28" font-size="17" font-weight="bold">ctaviewer: layers '
        '(imports point down only)</text>',
        '<defs><marker id="head" markerWidth="10" markerHeight="10" refX="5" refY="8" '
        'orient="auto"><path d="M0,0 L10,0 L5,9 z" fill="#555"/></marker></defs>',
    ]
    bottom = TOP + len(LAYERS) * (ROW_H + GAP) - GAP
    out.append(f'<line x1="34" y1="{TOP}" x2="34" y2="{bottom - 8}" stroke="#555" '
               'stroke-width="2" marker-end="url(#head)"/>')
    out.append(f'<text x="26" y="{(TOP + bottom) // 2}" font-size="12" fill="#555" '
               f'transform="rotate(-90 26 {(TOP + bottom) // 2})" text-anchor="middle">'
               'may import</text>')
    for row, (names, role, fill) in enumerate(zip(LAYERS, ROLES, FILL, strict=True)):
        y = TOP + row * (ROW_H + GAP)
        x = LEFT
        for name in names:
            w = _box_width(name)
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{ROW_H}" rx="6" '
                       f'fill="{fill}" stroke="#666"/>')
            out.append(f'<text x="{x + w / 2:.1f}" y="{y + ROW_H / 2 + 5:.1f}" '
                       f'text-anchor="middle">{escape(name)}</text>')
            x += w + BOX_GAP
        out.append(f'<line x1="{x + 4}" y1="{y + ROW_H / 2:.1f}" x2="{role_x - 12}" '
                   f'y2="{y + ROW_H / 2:.1f}" stroke="#bbb" stroke-dasharray="2,4"/>')
        out.append(f'<text x="{role_x}" y="{y + ROW_H / 2 + 5:.1f}" '
                   f'font-size="12" fill="#444">{escape(role)}</text>')
    foot = bottom + 28
    out.append(f'<text x="20" y="{foot}" font-size="12" fill="#444">Enforced by '
               'lint-imports (pyproject.toml, [tool.importlinter]); drawn by '
               'docs/draw_architecture.py</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    path = Path(__file__).with_name("architecture.svg")
    path.write_text(svg())
    print(path)


if __name__ == "__main__":
    main()
