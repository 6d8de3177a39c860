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
    #: one sentence shown in the status bar and as the menu item's tooltip
    tip: str = ""


ACTIONS = (
    ActionSpec("file.open", "&Open…", "&File", "Ctrl+O",
               tip="Open a sim_telarray or DL1/DL2 HDF5 file (also: drop a file on the window)"),
    ActionSpec("file.open_selection", "Open with &selection…", "&File", "Ctrl+Shift+O",
               tip="Open a file reading only some telescopes (ids or types) and at most a "
                   "number of events (as --allowed-tels and --max-events)"),
    ActionSpec("file.open_default", "Open the built-in simulated array", "&File",
               tip="Show the simulated demonstration array that opens when no file is given"),
    ActionSpec("file.open_dl3", "Open &DL3…", "&File", "Ctrl+Shift+D",
               tip="Open a GADF DL3 folder, index or run FITS file in the DL3 browser "
                   "(observations, events, counts map, θ², IRFs)"),
    ActionSpec("file.export_dl1", "Export event as &DL1…", "&File", "Ctrl+E",
               tip="Write the current event and its processing result to a DL1/DL2 HDF5 file"),
    ActionSpec("file.export_table", "Export &table…", "&File",
               tip="Write the events the event list shows (its filter and order), every "
                   "column, as CSV or ECSV (with units)"),
    ActionSpec("file.quit", "&Quit", "&File", "Ctrl+Q", tip="Close ctaviewer (the layout is kept)"),
    ActionSpec("event.next", "&Next event", "&Event", ("Right", "N", "PgDown"),
               tip="Show the next event of the event list (its filter applies)"),
    ActionSpec("event.previous", "&Previous event", "&Event", ("Left", "P", "PgUp"),
               tip="Show the previous event of the event list (its filter applies)"),
    ActionSpec("event.first", "&First event", "&Event", "Home",
               tip="Show the first event of the file"),
    ActionSpec("event.last", "&Last event", "&Event", "End", tip="Show the last event of the file"),
    ActionSpec("event.goto", "&Go to event…", "&Event", "Ctrl+G",
               tip="Jump to an event by its event id (1301), or by its position in the file "
                   "(#12)"),
    ActionSpec("event.bookmark", "Toggle &bookmark", "&Event", "Ctrl+B",
               tip="Bookmark the event shown, or remove its bookmark (kept with the file "
                   "for the next time it is opened)"),
    ActionSpec("event.bookmarks", "Boo&kmarks", "&Event", "Ctrl+Shift+B",
               tip="Show the Bookmarks panel: the bookmarked events of this file, to jump to"),
    ActionSpec("event.play", "P&lay", "&Event", "Space", checkable=True,
               tip="Step through the listed events automatically; press again to stop"),
    ActionSpec("event.process_whole", "Process &whole file", "&Event", "Ctrl+Shift+W",
               tip="Process every event of the file in the background (worker processes; "
                   "cancel in the status bar) so that the event list has the reconstruction, "
                   "simulation and intensity of every event; kept in a cache per settings"),
    ActionSpec("event.table_estimators", "Estimators for the &whole-file table…", "&Event",
               tip="Choose energy and gammaness lookup tables (from ctaviewer train) that "
                   "Process whole file applies: E reco and gammaness columns"),
    ActionSpec("event.neighbors", "Add &neighbours of selected pixels", "&Event", "Ctrl+N",
               tip="Add the neighbours of the selected pixels to the waveform view"),
    ActionSpec("view.reset", "&Reset layout", "&View",
               tip="Show every panel again in its original place"),
    ActionSpec("tools.compare_with", "&Compare with settings…", "&Tools",
               tip="B = the processing settings of a saved TOML file, A the current ones: "
                   "the camera view shows A, B or B − A, the parameters and the sky view both"),
    ActionSpec("tools.compare_keep", "&Keep current settings as B", "&Tools", "Ctrl+Shift+K",
               tip="B = a snapshot of the current processing settings: edit them (A) and "
                   "see what changes (B − A)"),
    ActionSpec("tools.compare_cycle", "Show A, B or B − A", "&Tools", "Ctrl+Shift+M",
               tip="While comparing: the camera view shows A, then B, then B − A (charge, "
                   "cleaning mask, peak time)"),
    ActionSpec("tools.compare_stop", "&Stop comparing", "&Tools",
               tip="Drop configuration B: the views show the current settings only"),
    ActionSpec("tools.train", "&Train estimators…", "&Tools",
               tip="Train energy and gammaness lookup tables from gamma and proton files "
                   "(as ctaviewer train)"),
    ActionSpec("help.tour", "&Tour", "&Help",
               tip="A short tour of the window: what to click and where things are"),
    ActionSpec("help.shortcuts", "&Keyboard shortcuts", "&Help", ("F1", "Ctrl+/"),
               tip="List every keyboard shortcut of the menus"),
    ActionSpec("help.about", "&About ctaviewer", "&Help",
               tip="Versions of ctaviewer, Qt and the libraries, and the data model written"),
)

EXPORT_VIEWS = (("window", "Whole window"), ("camera", "Camera"), ("grid", "Telescopes"),
                ("waveforms", "Waveforms"), ("array", "Array"), ("sky", "Sky"))


def _slots(w) -> dict:
    s = w.session
    return {
        "file.open": w.open_dialog,
        "file.open_selection": lambda: _open_with_selection(w),
        "file.open_default": lambda: w.open_path(None),
        "file.open_dl3": w.open_dl3_dialog,
        "file.export_dl1": w.export_event,
        "file.export_table": w.event_table.export_dialog,
        "file.quit": w.close,
        "event.next": lambda: w.step(+1),
        "event.previous": lambda: w.step(-1),
        "event.first": lambda: s.go_to(0),
        "event.last": lambda: s.go_to(s.n_events - 1),
        "event.goto": w.go_to_dialog,
        "event.bookmark": w.toggle_bookmark,
        "event.bookmarks": w.show_bookmarks,
        "event.play": w.toggle_play,
        "event.process_whole": w.file_table.start,
        "event.table_estimators": lambda: _choose_table_estimators(w),
        "event.neighbors": s.add_neighbors,
        "view.reset": w.reset_layout,
        "tools.compare_with": w.processing_panel.compare_dialog,
        "tools.compare_keep": lambda: _keep_as_b(w),
        "tools.compare_cycle": lambda: _cycle_compare_mode(w),
        "tools.compare_stop": lambda: s.comparison.stop(),
        "tools.train": lambda: _show_train_dialog(w),
        "help.tour": lambda: _start_tour(w),
        "help.shortcuts": lambda: _show_shortcuts(w),
        "help.about": w.about,
    }


def _open_with_selection(window):
    from .open_dialog import open_with_selection

    return open_with_selection(window)


def _choose_table_estimators(window):
    from .views.table_progress import choose_estimators

    return choose_estimators(window, window.file_table)


def _keep_as_b(window):
    """B = the current settings; the Processing panel (where A is edited) comes forward."""
    window.processing_panel.keep_as_b()
    dock = window.docks.get("processing")
    if dock is not None:
        dock.show()
        dock.raise_()


def _cycle_compare_mode(window):
    from ..service.comparison import MODES

    view = window.camera_view
    if not view.comparing:
        window.statusBar().showMessage(
            "Not comparing: choose B first (Tools ▸ Compare with settings… or Keep current "
            "settings as B)", 6000)
        return
    view.set_compare_mode(MODES[(MODES.index(view.compare_mode) + 1) % len(MODES)])


def _start_tour(window):
    from .tour import start_tour

    return start_tour(window)


def _show_train_dialog(window):
    from .train_dialog import show_train_dialog

    return show_train_dialog(window)


def _show_shortcuts(window):
    from .shortcuts import show_shortcuts

    return show_shortcuts(window)


def _tip(action, text: str):
    action.setStatusTip(text)
    action.setToolTip(text)
    return action


def build_menus(window) -> dict:
    """Create the menu bar of ``window``; returns the QActions by id."""
    bar = window.menuBar()
    menus: dict[str, object] = {}
    actions = {}
    slots = _slots(window)
    for spec in ACTIONS:
        menu = menus.get(spec.menu) or menus.setdefault(spec.menu, bar.addMenu(spec.menu))
        menu.setToolTipsVisible(True)
        if spec.id == "file.export_dl1":
            window.recent_menu = menu.addMenu("Open &recent")
            window.recent_menu.setToolTipsVisible(True)
            _tip(window.recent_menu.menuAction(), "Open one of the last files opened")
            menu.addSeparator()
            export = menu.addMenu("&Export view as PNG, SVG or PDF")
            export.setToolTipsVisible(True)
            _tip(export.menuAction(), "Save a view as an image, as ctaviewer render draws it "
                 "(the name's extension picks PNG, SVG or PDF)")
            for key, title in EXPORT_VIEWS:
                _tip(export.addAction(title, lambda k=key: window.export_view(k)),
                     f"Save the {title.lower()} view as PNG (raster), SVG or PDF (vector)")
        if spec.id == "file.quit":
            menu.addSeparator()
        if spec.id == "view.reset":
            for dock in window.docks.values():
                menu.addAction(_tip(dock.toggleViewAction(),
                                    f"Show or hide the {dock.windowTitle()} panel"))
            menu.addSeparator()
        action = QtGui.QAction(spec.title, window)
        shortcuts = spec.shortcut if isinstance(spec.shortcut, tuple) else (spec.shortcut,)
        action.setShortcuts([QtGui.QKeySequence(k) for k in shortcuts if k])
        action.setCheckable(spec.checkable)
        _tip(action, spec.tip)
        if spec.checkable:
            action.toggled.connect(slots[spec.id])
        else:
            action.triggered.connect(lambda _=False, f=slots[spec.id]: f())
        menu.addAction(action)
        actions[spec.id] = action
    return actions
