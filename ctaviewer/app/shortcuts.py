"""Help ▸ Keyboard shortcuts: a sheet built from the window's menu actions as they are now
(never a hand-written list, so it cannot drift from the real key bindings).
"""

from __future__ import annotations

import html

from .qt import QtGui, QtWidgets

#: what the mouse does in the views (these are gestures, not actions, so they are listed here)
MOUSE = (
    ("Camera view", "hover a pixel", "its number, value and position"),
    ("Camera view", "click a pixel", "its waveform in the Waveforms panel"),
    ("Camera view", "shift- or ctrl-click", "add the pixel to the waveforms"),
    ("Camera, array, sky, waveforms", "wheel / drag", "zoom / pan (right-click: view menu)"),
    ("Telescopes grid, Array", "click a telescope", "show its camera in the camera view"),
    ("Events", "double-click a row", "show that event"),
    ("Parameters", "click a column header", "show that telescope"),
)


def plain_title(text: str) -> str:
    """A menu text without its mnemonic marks and trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def shortcut_rows(window) -> list[tuple[str, str, list[str]]]:
    """(menu path, action title, key sequences) of every menu action that has a shortcut,
    in menu order."""
    rows = []

    def walk(menu, path):
        for action in menu.actions():
            if action.isSeparator():
                continue
            title = plain_title(action.text())
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {title}")
            elif action.shortcuts():
                keys = [k.toString(QtGui.QKeySequence.NativeText) for k in action.shortcuts()]
                rows.append((path, title, keys))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), plain_title(top.text()))
    return rows


def shortcuts_html(window) -> str:
    """The sheet as HTML: keys of the menu actions, then the mouse gestures."""
    cell = "style='padding: 2px 12px 2px 0'"
    lines = ["<h3>Keyboard</h3><table>"]
    for path, title, keys in shortcut_rows(window):
        k = " &nbsp;or&nbsp; ".join(f"<b>{html.escape(x)}</b>" for x in keys)
        lines.append(f"<tr><td {cell}>{k}</td><td {cell}>{html.escape(title)}</td>"
                     f"<td {cell}><span style='color:#666'>{html.escape(path)}</span></td></tr>")
    lines.append("</table><h3>Mouse</h3><table>")
    for where, gesture, what in MOUSE:
        lines.append(f"<tr><td {cell}><b>{html.escape(gesture)}</b></td>"
                     f"<td {cell}>{html.escape(what)}</td>"
                     f"<td {cell}><span style='color:#666'>{html.escape(where)}</span></td></tr>")
    lines.append("</table>")
    return "".join(lines)


class ShortcutSheet(QtWidgets.QDialog):
    """A non-modal window listing the shortcuts; ``refresh()`` re-reads the actions."""

    def __init__(self, window):
        super().__init__(window)
        self.main_window = window
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard shortcuts — ctaviewer")
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setToolTip("Every shortcut of the menus, read from the menus themselves")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.button(QtWidgets.QDialogButtonBox.Close).setToolTip("Close this window")
        buttons.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(640, 480)
        self.refresh()

    def refresh(self) -> None:
        self.browser.setHtml(shortcuts_html(self.main_window))


def show_shortcuts(window) -> ShortcutSheet:
    sheet = getattr(window, "shortcut_sheet", None)
    if sheet is None:
        sheet = ShortcutSheet(window)
        window.shortcut_sheet = sheet
    sheet.refresh()
    sheet.show()
    sheet.raise_()
    sheet.activateWindow()
    return sheet
