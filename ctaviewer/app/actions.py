"""The menu actions: declared once as data (id, title, shortcut, menu), built into menus."""

from __future__ import annotations

from dataclasses import dataclass

from .qt import QtGui


@dataclass(frozen=True)
class ActionSpec:
    id: str
    title: str
    menu: str
    shortcut: str | tuple = ""
    checkable: bool = False


ACTIONS = (
    ActionSpec("file.open", "&Open…", "&File", "Ctrl+O"),
    ActionSpec("file.open_default", "Open the built-in simulated array", "&File"),
    ActionSpec("file.export_dl1", "Export event as &DL1…", "&File", "Ctrl+E"),
    ActionSpec("file.quit", "&Quit", "&File", "Ctrl+Q"),
    ActionSpec("event.next", "&Next event", "&Event", ("Right", "N", "PgDown")),
    ActionSpec("event.previous", "&Previous event", "&Event", ("Left", "P", "PgUp")),
    ActionSpec("event.first", "&First event", "&Event", "Home"),
    ActionSpec("event.last", "&Last event", "&Event", "End"),
    ActionSpec("event.goto", "&Go to event…", "&Event", "Ctrl+G"),
    ActionSpec("event.play", "P&lay", "&Event", "Space", checkable=True),
    ActionSpec("event.neighbors", "Add &neighbours of selected pixels", "&Event", "Ctrl+N"),
    ActionSpec("view.reset", "&Reset layout", "&View"),
    ActionSpec("help.about", "&About ctaviewer", "&Help"),
)

EXPORT_VIEWS = (("window", "Whole window"), ("camera", "Camera"), ("grid", "Telescopes"),
                ("waveforms", "Waveforms"), ("array", "Array"), ("sky", "Sky"))


def _slots(w) -> dict:
    s = w.session
    return {
        "file.open": w.open_dialog,
        "file.open_default": lambda: w.open_path(None),
        "file.export_dl1": w.export_event,
        "file.quit": w.close,
        "event.next": lambda: w.step(+1),
        "event.previous": lambda: w.step(-1),
        "event.first": lambda: s.go_to(0),
        "event.last": lambda: s.go_to(s.n_events - 1),
        "event.goto": w.go_to_dialog,
        "event.play": w.toggle_play,
        "event.neighbors": s.add_neighbors,
        "view.reset": w.reset_layout,
        "help.about": w.about,
    }


def build_menus(window) -> dict:
    """Create the menu bar of ``window``; returns the QActions by id."""
    bar = window.menuBar()
    menus: dict[str, object] = {}
    actions = {}
    slots = _slots(window)
    for spec in ACTIONS:
        menu = menus.get(spec.menu) or menus.setdefault(spec.menu, bar.addMenu(spec.menu))
        if spec.id == "file.export_dl1":
            window.recent_menu = menu.addMenu("Open &recent")
            menu.addSeparator()
            export = menu.addMenu("&Export view as PNG or SVG")
            for key, title in EXPORT_VIEWS:
                export.addAction(title, lambda k=key: window.export_view(k))
        if spec.id == "file.quit":
            menu.addSeparator()
        if spec.id == "view.reset":
            for dock in window.docks.values():
                menu.addAction(dock.toggleViewAction())
            menu.addSeparator()
        action = QtGui.QAction(spec.title, window)
        shortcuts = spec.shortcut if isinstance(spec.shortcut, tuple) else (spec.shortcut,)
        action.setShortcuts([QtGui.QKeySequence(k) for k in shortcuts if k])
        action.setCheckable(spec.checkable)
        if spec.checkable:
            action.toggled.connect(slots[spec.id])
        else:
            action.triggered.connect(lambda _=False, f=slots[spec.id]: f())
        menu.addAction(action)
        actions[spec.id] = action
    return actions
