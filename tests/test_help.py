"""Help inside the application: tooltips on every control, status tips on every menu action,
the keyboard-shortcut sheet, the About box, the Open dialog's filter, the tour, --help."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore, QtGui, QtWidgets  # noqa: E402

#: the kinds of control a user operates (QCheckBox and QToolButton are QAbstractButtons)
CONTROLS = (QtWidgets.QAbstractButton, QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox,
            QtWidgets.QSlider, QtWidgets.QLineEdit)
#: buttons Qt adds only when tabs or menus overflow their bar
OVERFLOW = {"ScrollLeftButton", "ScrollRightButton", "qt_menubar_ext_button"}


pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def window(qtbot, make_window):
    w = make_window(restore=True)
    assert w.open_path(None)
    qtbot.waitUntil(lambda: w.session.array_event is not None, timeout=20000)
    return w


def own_tooltip(widget) -> str:
    """The tooltip a control shows: its own, or for the line edit inside a spin box or
    combo box, that of the box."""
    parent = widget.parentWidget()
    if isinstance(widget, QtWidgets.QLineEdit) and isinstance(
            parent, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)):
        return parent.toolTip()
    return widget.toolTip()


def describe(widget) -> str:
    text = widget.text() if hasattr(widget, "text") else ""
    chain, w = [], widget
    while w is not None:
        chain.append(type(w).__name__)
        w = w.parentWidget()
    return f"{type(widget).__name__} {widget.objectName()!r} {text!r} in {'/'.join(chain)}"


def all_controls(window):
    seen = {}
    for cls in CONTROLS:
        for w in window.findChildren(cls):
            if w.objectName() not in OVERFLOW:
                seen[id(w)] = w
    return list(seen.values())


def menu_actions(window):
    """(path, action) of every action inside the menus, submenus included."""
    out = []

    def walk(menu, path):
        for a in menu.actions():
            if a.isSeparator():
                continue
            out.append((f"{path} ▸ {a.text()}", a))
            if a.menu() is not None:
                walk(a.menu(), f"{path} ▸ {a.text()}")

    for top in window.menuBar().actions():
        walk(top.menu(), top.text())
    return out


# ---------------------------------------------------------------- tooltips and status tips
def test_every_control_has_a_tooltip(window, qtbot):
    # every panel shown, and each tab of each group brought to the front in turn
    for dock in window.docks.values():
        dock.show()
    visible = {}
    for dock in window.docks.values():
        dock.raise_()
        qtbot.wait(20)
        for w in all_controls(window):
            if w.isVisible():
                visible[id(w)] = w
    # controls shown only in some modes (percentile and fixed colour limits)
    for mode in ("percentile", "fixed"):
        window.display.update(limit_mode=mode)
        qtbot.wait(20)
        visible.update({id(w): w for w in all_controls(window) if w.isVisible()})
    missing = [describe(w) for w in visible.values() if not own_tooltip(w).strip()]
    assert not missing, "visible controls without a tooltip:\n" + "\n".join(missing)
    assert len(visible) >= 50  # the camera view, panels, processing editors, batch dock
    # and hidden ones as well (what a dock shows once opened)
    hidden = [describe(w) for w in all_controls(window) if not own_tooltip(w).strip()]
    assert not hidden, "controls without a tooltip:\n" + "\n".join(hidden)


def test_every_dialog_control_has_a_tooltip(window, qtbot):
    """The windows the menus open (every action whose title ends with …, and Help ▸)."""
    opened = []
    for key, action in window.actions_by_id.items():
        if key.startswith("help.") or (action.text().endswith("…") and key.startswith("tools.")):
            before = set(map(id, window.findChildren(QtWidgets.QDialog)))
            action.trigger()
            qtbot.wait(50)
            opened += [d for d in window.findChildren(QtWidgets.QDialog)
                       if d.isVisible() and id(d) not in before]
    if getattr(window, "tour", None) is not None:
        window.tour.close()
    assert len(opened) >= 2  # keyboard shortcuts and About at least
    names = {d.objectName() or type(d).__name__ for d in opened}
    assert {"shortcuts_dialog", "about_dialog"} <= names, names
    # (Qt's own file dialog is not ours to explain)
    missing = [describe(w) for d in opened if not isinstance(d, QtWidgets.QFileDialog)
               for w in all_controls(d) if w.isVisible() and not own_tooltip(w).strip()]
    for d in opened:
        d.close()
    assert not missing, "dialog controls without a tooltip:\n" + "\n".join(missing)


def test_processing_editors_explain_their_setting(window):
    """Each editor's tooltip is its option's help (with the choices explained), as defined
    once in ctaviewer.config; every option of every shown section has an editor."""
    panel = window.processing_panel
    config = window.session.config
    assert panel.editors
    expected = {(section, opt.name): opt.text() for section in config.sections()
                for opt in config.options(section)}
    assert set(panel.editors) == set(expected)
    for key, editor in panel.editors.items():
        assert editor.toolTip() == expected[key] and expected[key]
        assert panel.form.labelForField(editor).toolTip() == editor.toolTip()


def test_every_menu_action_has_a_status_tip(window, simtel_file):
    window.set_recent([str(simtel_file("gamma_4lst.simtel.zst"))])
    actions = menu_actions(window)
    missing = [path for path, a in actions if not a.statusTip().strip()]
    assert not missing, "menu actions without a status tip: " + ", ".join(missing)
    paths = [p for p, _ in actions]
    assert len(actions) >= 30
    assert any("gamma_4lst.simtel.zst" in p for p in paths)  # a recent-file entry
    for top in window.menuBar().actions():
        assert top.menu().toolTipsVisible()


def test_status_tip_reaches_the_status_bar(window, qtbot):
    action = window.actions_by_id["event.goto"]
    action.showStatusText(window)
    assert window.statusBar().currentMessage() == action.statusTip()


def test_no_stray_tab_bar_over_the_panels(window, qtbot):
    """Qt leaves a second "Waveforms | Parameters" bar from tabifying visible over the event
    list; the window hides such bars, and keeps the real ones through tab changes."""

    def bars():
        return [b for b in window.findChildren(QtWidgets.QTabBar)
                if b.parent() is window and b.isVisible()]

    def attached(bar):
        dock = next(d for d in window.docks.values()
                    if d.windowTitle() == bar.tabText(bar.currentIndex()))
        return (dock.geometry().left() == bar.geometry().left()
                and abs(dock.geometry().bottom() + 1 - bar.geometry().top()) <= 2)

    qtbot.wait(50)
    shown = bars()
    assert all(attached(b) for b in shown), [b.geometry() for b in shown if not attached(b)]
    groups = sorted(tuple(b.tabText(i) for i in range(b.count())) for b in shown)
    assert groups == [("Array", "Sky"), ("Events", "Processing"),
                      ("Waveforms", "Parameters", "Camera health", "Muon summary")]
    for key in ("sky", "processing", "parameters", "array"):
        window.docks[key].raise_()
        qtbot.wait(30)
        assert window.hide_stale_tab_bars() == 0
        assert len(bars()) == 3
    window.reset_layout()
    qtbot.wait(50)
    assert all(attached(b) for b in bars()) and len(bars()) == 3


# ---------------------------------------------------------------- keyboard shortcuts
def test_shortcut_sheet_lists_the_live_shortcuts(window, qtbot):
    from ctaviewer.app.shortcuts import shortcut_rows

    sc = window.actions_by_id["help.shortcuts"]
    assert {k.toString() for k in sc.shortcuts()} == {"F1", "Ctrl+/"}
    sc.trigger()
    sheet = window.shortcut_sheet
    assert sheet.isVisible()
    text = sheet.browser.toPlainText()
    with_keys = [(a, [k.toString(QtGui.QKeySequence.NativeText) for k in a.shortcuts()])
                 for _, a in menu_actions(window) if a.shortcuts()]
    assert len(with_keys) >= 10
    for action, keys in with_keys:
        title = action.text().replace("&", "").rstrip("…")
        assert title in text
        for key in keys:
            assert key in text, (title, key)
    assert len(shortcut_rows(window)) == len(with_keys)
    # built from the actions as they are now, not from a list written beside them
    window.actions_by_id["event.goto"].setShortcut(QtGui.QKeySequence("Ctrl+J"))
    sc.trigger()
    text = sheet.browser.toPlainText()
    assert "Ctrl+J" in text and "Ctrl+G" not in text
    assert "Mouse" in text and "click a pixel" in text


def test_f1_opens_the_shortcut_sheet(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, QtCore.Qt.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "shortcut_sheet", None) is not None
                    and window.shortcut_sheet.isVisible(), timeout=5000)


# ---------------------------------------------------------------- about and open
def test_about_lists_every_version(window, qtbot):
    import astropy
    import eventio
    import h5py
    import numba
    import numpy
    import PySide6

    from ctaviewer import __version__
    from ctaviewer.app.about import about_text
    from ctaviewer.app.qt import pg
    from ctaviewer.writers.event_file import DATA_MODEL_VERSION

    text = about_text()
    for name, version in (("ctaviewer", __version__), ("PySide6", PySide6.__version__),
                          ("Qt runtime", QtCore.qVersion()), ("pyqtgraph", pg.__version__),
                          ("numba", numba.__version__), ("numpy", numpy.__version__),
                          ("eventio", eventio.__version__), ("h5py", h5py.__version__),
                          ("astropy", astropy.__version__),
                          ("ctapipe data model", DATA_MODEL_VERSION)):
        assert re.search(re.escape(name) + r".*?" + re.escape(version), text), name
    box = window.about()
    assert box.isVisible() and "h5py" in box.text()
    copy = next(b for b in box.buttons() if b.text() == "Copy versions")
    copy.click()
    clip = QtWidgets.QApplication.clipboard().text()
    assert f"ctaviewer: {__version__}" in clip and DATA_MODEL_VERSION in clip


def test_open_dialog_offers_every_supported_format(window, monkeypatch):
    from ctaviewer.io import supported_formats

    seen = {}

    def fake_dialog(parent, caption, start, filters):
        seen["filters"] = filters.split(";;")
        return "", ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", fake_dialog)
    window.actions_by_id["file.open"].trigger()
    filters = seen["filters"]
    assert filters[0].startswith("All supported files")
    assert filters[-1] == "All files (*)"
    def patterns(line):
        return line[line.rindex("(") + 1:line.rindex(")")].split()

    for desc, exts in supported_formats():
        line = next(f for f in filters if f.startswith(desc))
        assert patterns(line) == [f"*{e}" for e in exts]
        assert set(patterns(line)) <= set(patterns(filters[0]))


# ---------------------------------------------------------------- the tour
def test_tour_walks_through_every_view(window, qtbot):
    from ctaviewer.app.tour import STEPS, start_tour, tour_done

    assert 5 <= len(STEPS) <= 7
    assert getattr(window, "tour", None) is None  # a window alone never shows it
    window.actions_by_id["help.tour"].trigger()
    tour = window.tour
    bubble = tour.bubble
    assert tour.active and bubble.isVisible() and tour.overlay.isVisible()
    assert not bubble.back_button.isEnabled()
    seen = []
    area = window.rect()
    for k, step in enumerate(STEPS):
        qtbot.wait(30)
        assert tour.index == k
        assert bubble.counter.text() == f"{k + 1} of {len(STEPS)}"
        assert bubble.title.text() == step.title
        assert "{" not in bubble.text.text()  # every field filled from the live actions
        target = tour.overlay.target
        assert not target.isNull(), step.key
        widget, rect = step.target(window)
        assert widget.isVisible(), step.key
        expected = QtCore.QRect(widget.mapTo(window, (rect or widget.rect()).topLeft()),
                                (rect or widget.rect()).size())
        assert target == expected
        assert area.contains(bubble.geometry()), step.key
        if step.place != "inside":  # beside its target, not over it
            assert not bubble.geometry().intersects(target), step.key
        seen.append(step.key)
        if k < len(STEPS) - 1:
            assert bubble.next_button.text() == "Next"
            qtbot.mouseClick(bubble.next_button, QtCore.Qt.LeftButton)
    assert seen == ["camera", "waveforms", "events", "processing", "array", "open", "batch"]
    assert window.docks["batch"].isVisible()  # opened for its step...
    qtbot.mouseClick(bubble.back_button, QtCore.Qt.LeftButton)
    assert tour.index == len(STEPS) - 2
    assert window.docks["batch"].isHidden()  # ...and closed again when leaving it
    tour.show_step(len(STEPS) - 1)
    assert bubble.next_button.text() == "Finish"
    assert not tour_done()
    qtbot.mouseClick(bubble.next_button, QtCore.Qt.LeftButton)
    assert not tour.active and tour_done()
    assert window.docks["batch"].isHidden()
    # Help ▸ Tour shows it again at any time
    again = start_tour(window, step=2)
    assert again.active and again.step.key == "events"
    again.close()


def test_tour_close_and_dont_show_again(window, qtbot):
    from ctaviewer.app.tour import start_tour, tour_done, wanted_at_startup

    assert wanted_at_startup() and not tour_done()
    tour = start_tour(window)
    qtbot.mouseClick(tour.bubble.close_button, QtCore.Qt.LeftButton)
    assert not tour.active and not tour.bubble.isVisible()
    assert wanted_at_startup()  # closing is "not now": it comes back at the next start
    tour = start_tour(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, QtCore.Qt.Key_Escape)
    assert not tour.active and wanted_at_startup()
    tour = start_tour(window, step=3)
    qtbot.mouseClick(tour.bubble.never_button, QtCore.Qt.LeftButton)
    assert not tour.active and tour_done() and not wanted_at_startup()
    assert wanted_at_startup({"CTAVIEWER_TOUR": "1"})
    assert not wanted_at_startup({"CTAVIEWER_TOUR": "0"})


def test_tour_lets_clicks_through(window, qtbot):
    from ctaviewer.app.tour import start_tour

    tour = start_tour(window)
    assert tour.overlay.testAttribute(QtCore.Qt.WA_TransparentForMouseEvents)
    events = window.session.n_events
    window.actions_by_id["event.next"].trigger()  # the window works under the tour
    assert window.session.event_index == 1 and events > 1
    tour.close()


def test_first_run_shows_the_tour_once(qtbot, monkeypatch):
    from ctaviewer.app.main import make_application, open_main_window
    from ctaviewer.app.tour import set_tour_done

    make_application()
    w = open_main_window(None)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: getattr(w, "tour", None) is not None and w.tour.active,
                    timeout=5000)
    assert w.tour.step.key == "camera"
    w.tour.close()
    w.close()
    set_tour_done()
    w2 = open_main_window(None)
    qtbot.addWidget(w2)
    qtbot.wait(600)
    assert getattr(w2, "tour", None) is None
    w2.close()
    monkeypatch.setenv("CTAVIEWER_TOUR", "1")  # asked for explicitly
    w3 = open_main_window(None)
    qtbot.addWidget(w3)
    qtbot.waitUntil(lambda: getattr(w3, "tour", None) is not None, timeout=5000)
    w3.tour.close()
    w3.close()


# ---------------------------------------------------------------- command line
def _help(argv) -> str:
    from ctaviewer.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return out.getvalue()


def _options(parser) -> list[str]:
    return [s for a in parser._actions for s in a.option_strings]


def test_help_lists_every_option_with_examples():
    from ctaviewer.cli import COMMANDS, _command_parser, _gui_parser

    text = _help(["--help"])
    for option in _options(_gui_parser()):
        assert option in text
    assert "examples:" in text and "ctaviewer gamma.simtel.zst" in text
    for name in COMMANDS:
        assert name in text
        sub = _help([name, "--help"])
        parser, _ = _command_parser(name)
        for option in _options(parser):
            assert option in sub, (name, option)
        assert "examples:" in sub and f"ctaviewer {name}" in sub.split("examples:")[1], name
