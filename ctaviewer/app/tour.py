"""A short guided tour of the main window: seven steps, each dimming the window around the
view or control it explains and showing a bubble beside it (Back, Next, Don't show again).

It opens by itself at start-up until it has been finished or dismissed with "Don't show
again" (the ``tour/done`` setting), and from Help ▸ Tour at any time. Only
:func:`ctaviewer.app.main.run_app` starts it at start-up, so tests, screenshots and renders
never see it unless they ask; ``CTAVIEWER_TOUR=0`` (or ``1``) overrides the setting.
The overlay lets mouse clicks through: the user can try each step while reading it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..io import supported_formats
from . import settings as app_settings
from .qt import QtCore, QtGui, QtWidgets

SETTING = "tour/done"
ENV = "CTAVIEWER_TOUR"
MARGIN = 14
BUBBLE_WIDTH = 380


@dataclass(frozen=True)
class TourStep:
    key: str
    title: str
    #: rich text; ``{next}``-style fields are filled from the live actions (see ``_fields``)
    text: str
    #: window -> (widget to follow, rect in window coordinates or None for the whole widget)
    target: Callable
    #: where the bubble goes first: right, left, above, below or inside the target
    place: str = "right"
    #: dock shown and raised when the step opens (a hidden one is hidden again afterwards)
    dock: str | None = None


def _central(window):
    return window.camera_view, None


def _dock(key):
    return lambda window: (window.docks[key], None)


def _menu(title):
    def target(window):
        bar = window.menuBar()
        for action in bar.actions():
            if action.text().replace("&", "") == title:
                return bar, bar.actionGeometry(action)
        return bar, None

    return target


STEPS = (
    TourStep(
        "camera", "The camera view",
        "One camera of the current event (without a file: the built-in simulated array). "
        "<b>Hover</b> a pixel to read its value, <b>click</b> a pixel to see its waveform "
        "(shift-click adds more). <i>Show</i> picks what the colours mean (charge, peak time, "
        "cleaning mask…); <i>Colours</i>, <i>Scale</i> and <i>Limits</i> set the colour scale; "
        "<i>Hillas</i> draws the fitted ellipse. Click a camera in the <i>Telescopes</i> grid "
        "to show it here.",
        _central, place="inside"),
    TourStep(
        "waveforms", "Waveforms",
        "The waveforms of the pixels you clicked, in ADC or p.e., with the integration window "
        "shaded and the pedestal dotted; below them the extracted charge and peak time. "
        "<i>Add neighbours</i> ({neighbors}) adds the pixels around them.",
        _dock("waveforms"), place="above", dock="waveforms"),
    TourStep(
        "events", "Events",
        "Every event of the file. Click a column header to sort, double-click a row to show "
        "that event. Type a filter such as <tt>n_tel &gt;= 4 and energy &gt; 1</tt> and press "
        "Enter. Next / previous event: <b>{next}</b> / <b>{previous}</b> (the filter "
        "applies); <b>{play}</b> plays through them.",
        _dock("events"), place="right", dock="events"),
    TourStep(
        "processing", "Processing",
        "How charges are extracted and images cleaned, for the camera type of the selected "
        "telescope (or all cameras). Change a value, e.g. <i>picture threshold</i>: the event "
        "is re-processed at once and the line at the bottom tells how many pixels survived "
        "the cleaning. <i>Save TOML…</i> keeps the settings for batch processing.",
        _dock("processing"), place="right", dock="processing"),
    TourStep(
        "array", "Array and sky",
        "<i>Array</i>: the telescopes on the ground, coloured by image intensity, the true "
        "(★) and reconstructed (✕) core and each image's axis; click a telescope to show its "
        "camera. <i>Sky</i> (the next tab): image axes in the field of view, the reconstructed "
        "direction with its uncertainty and the true direction. Grey: failed the quality cuts.",
        _dock("array"), place="left", dock="array"),
    TourStep(
        "open", "Open your data",
        "<i>File ▸ Open…</i> (<b>{open}</b>) reads: {formats}. You can also drop a file on the "
        "window, use <i>File ▸ Open recent</i>, or run <tt>ctaviewer FILE</tt>. "
        "<i>File ▸ Export view</i> saves any view as PNG or SVG.",
        _menu("File"), place="below"),
    TourStep(
        "batch", "Batch processing",
        "Whole productions to DL1/DL2 HDF5 (<i>View ▸ Batch</i>): add files or a glob "
        "pattern, choose an output folder, press <i>Start</i>; the same code as "
        "<tt>ctaviewer process</tt>. <i>Help ▸ Tour</i> shows this tour again and "
        "<i>Help ▸ Keyboard shortcuts</i> (<b>{shortcuts}</b>) lists every key.",
        _dock("batch"), place="above", dock="batch"),
)


# ---------------------------------------------------------------- start-up decision
def tour_done() -> bool:
    value = app_settings.settings().value(SETTING, False)
    return value in (True, "true", "1", 1)


def set_tour_done(done: bool = True) -> None:
    app_settings.settings().setValue(SETTING, bool(done))


def wanted_at_startup(environ=None) -> bool:
    """True on the first run (the tour not yet finished or dismissed); ``CTAVIEWER_TOUR``
    set to 0/1 overrides."""
    value = (environ if environ is not None else os.environ).get(ENV, "").strip().lower()
    if value in ("0", "no", "off", "false"):
        return False
    if value in ("1", "yes", "on", "true"):
        return True
    return not tour_done()


def start_tour(window, step: int = 0) -> Tour:
    """Show the tour on ``window`` (replacing one already open) at ``step``."""
    old = getattr(window, "tour", None)
    if old is not None and old.active:
        old.close()
    tour = Tour(window)
    window.tour = tour
    tour.show_step(step)
    return tour


# ---------------------------------------------------------------- widgets
def _shortcut_text(action) -> str:
    keys = [k.toString(QtGui.QKeySequence.NativeText) for k in action.shortcuts()]
    return " or ".join(keys) if keys else "no shortcut"


def _fields(window) -> dict:
    acts = getattr(window, "actions_by_id", {})
    names = {"next": "event.next", "previous": "event.previous", "play": "event.play",
             "open": "file.open", "shortcuts": "help.shortcuts",
             "neighbors": "event.neighbors"}
    out = {k: _shortcut_text(acts[a]) if a in acts else "" for k, a in names.items()}
    out["formats"] = "; ".join(f"{desc} ({' '.join(es)})" for desc, es in supported_formats())
    return out


class TourOverlay(QtWidgets.QWidget):
    """Dims the window except the target, which gets a coloured frame; clicks pass through."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("tour_overlay")
        self.setAttribute(QtCore.Qt.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WA_NoSystemBackground)
        self.target = QtCore.QRect()

    def paintEvent(self, ev):  # noqa: N802 (Qt API)
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        path = QtGui.QPainterPath()
        path.addRect(QtCore.QRectF(self.rect()))
        if not self.target.isNull():
            hole = QtGui.QPainterPath()
            hole.addRoundedRect(QtCore.QRectF(self.target.adjusted(-4, -4, 4, 4)), 6, 6)
            path = path.subtracted(hole)
        p.fillPath(path, QtGui.QColor(20, 20, 40, 90))
        if not self.target.isNull():
            p.setPen(QtGui.QPen(QtGui.QColor(255, 140, 0), 3))
            p.drawRoundedRect(QtCore.QRectF(self.target.adjusted(-4, -4, 4, 4)), 6, 6)
        p.end()


class TourBubble(QtWidgets.QFrame):
    """The step's title and text with Back / Next, Don't show again and close buttons."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("tour_bubble")
        self.setFixedWidth(BUBBLE_WIDTH)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#tour_bubble { background: #fffaf0; border: 2px solid #ff8c00; "
            "border-radius: 8px; } #tour_bubble QLabel { color: #202020; }")
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("tour_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.counter = QtWidgets.QLabel()
        self.close_button = QtWidgets.QToolButton(text="✕", autoRaise=True)
        self.close_button.setToolTip("Close the tour for now (it opens again at the next "
                                     "start until finished or 'Don't show again')")
        self.text = QtWidgets.QLabel(wordWrap=True, textFormat=QtCore.Qt.RichText)
        self.text.setObjectName("tour_text")
        self.never_button = QtWidgets.QPushButton("Don't show again")
        self.never_button.setToolTip("Close the tour and do not open it at start-up any more "
                                     "(Help ▸ Tour still shows it)")
        self.back_button = QtWidgets.QPushButton("Back")
        self.back_button.setToolTip("The previous step of the tour")
        self.next_button = QtWidgets.QPushButton("Next")
        self.next_button.setDefault(True)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.counter)
        head.addWidget(self.close_button)
        foot = QtWidgets.QHBoxLayout()
        foot.addWidget(self.never_button)
        foot.addStretch(1)
        foot.addWidget(self.back_button)
        foot.addWidget(self.next_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.addLayout(head)
        layout.addWidget(self.text)
        layout.addLayout(foot)


class Tour(QtCore.QObject):
    """The tour on one main window; ``show_step``, ``next``, ``back``, ``close``."""

    finished = QtCore.Signal()

    def __init__(self, window, steps=STEPS):
        super().__init__(window)
        self.window = window
        self.steps = tuple(steps)
        self.index = -1
        self.active = True
        self._target_widget = None
        self._undo = None
        self.overlay = TourOverlay(window)
        self.bubble = TourBubble(window)
        self.bubble.next_button.clicked.connect(self.next)
        self.bubble.back_button.clicked.connect(self.back)
        self.bubble.close_button.clicked.connect(lambda: self.close())
        self.bubble.never_button.clicked.connect(lambda: self.close(dont_show_again=True))
        self._escape = QtGui.QShortcut(QtGui.QKeySequence("Escape"), window)
        self._escape.activated.connect(lambda: self.close())
        self._relayout = QtCore.QTimer(self, singleShot=True, interval=0)
        self._relayout.timeout.connect(self.reposition)
        window.installEventFilter(self)

    # ------------------------------------------------------------ navigation
    @property
    def step(self) -> TourStep:
        return self.steps[self.index]

    def show_step(self, index: int) -> None:
        index = max(0, min(int(index), len(self.steps) - 1))
        self._leave_step()
        self.index = index
        step = self.steps[index]
        w = self.window
        if step.dock is not None and step.dock in getattr(w, "docks", {}):
            dock = w.docks[step.dock]
            if dock.isHidden():
                dock.show()
                self._undo = dock.hide
            dock.raise_()
        b = self.bubble
        b.title.setText(step.title)
        b.counter.setText(f"{index + 1} of {len(self.steps)}")
        b.text.setText(step.text.format(**_fields(w)))
        b.back_button.setEnabled(index > 0)
        last = index == len(self.steps) - 1
        b.next_button.setText("Finish" if last else "Next")
        b.next_button.setToolTip("End the tour (Help ▸ Tour shows it again)" if last
                                 else "The next step of the tour")
        self.overlay.show()
        b.show()
        self.reposition()
        self._relayout.start()  # again once a newly shown dock has taken its place

    def next(self) -> None:
        if self.index >= len(self.steps) - 1:
            self.close(dont_show_again=True)
        else:
            self.show_step(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.show_step(self.index - 1)

    def close(self, dont_show_again: bool = False) -> None:
        if not self.active:
            return
        self.active = False
        if dont_show_again:
            set_tour_done(True)
        self._leave_step()
        self.window.removeEventFilter(self)
        self._escape.setEnabled(False)
        self._escape.deleteLater()
        for w in (self.overlay, self.bubble):
            w.hide()
            w.deleteLater()
        self.finished.emit()

    def _leave_step(self) -> None:
        if self._target_widget is not None:
            self._target_widget.removeEventFilter(self)
            self._target_widget = None
        if self._undo is not None:
            undo, self._undo = self._undo, None
            undo()

    # ------------------------------------------------------------ geometry
    def target_rect(self) -> QtCore.QRect:
        """The current step's target in window coordinates (null when not on the window)."""
        widget, rect = self.step.target(self.window)
        if widget is not self._target_widget:
            if self._target_widget is not None:
                self._target_widget.removeEventFilter(self)
            widget.installEventFilter(self)
            self._target_widget = widget
        if not widget.isVisible() or widget.window() is not self.window:
            return QtCore.QRect()  # closed or floating: nothing to frame on the window
        if rect is None:
            rect = widget.rect()
        if rect.isNull():
            return QtCore.QRect()
        return QtCore.QRect(widget.mapTo(self.window, rect.topLeft()), rect.size())

    def reposition(self) -> None:
        if not self.active or self.index < 0:
            return
        w = self.window
        self.overlay.setGeometry(w.rect())
        target = self.target_rect()
        self.overlay.target = target
        self.overlay.update()
        b = self.bubble
        b.adjustSize()
        b.move(self._bubble_pos(target, b.size(), w.rect()))
        self.overlay.raise_()
        b.raise_()

    def _bubble_pos(self, target, size, area) -> QtCore.QPoint:
        if target.isNull():
            return QtCore.QPoint(area.center().x() - size.width() // 2,
                                 area.center().y() - size.height() // 2)
        m = MARGIN
        spots = {
            "right": QtCore.QPoint(target.right() + m, target.top() + m),
            "left": QtCore.QPoint(target.left() - m - size.width(), target.top() + m),
            "below": QtCore.QPoint(target.left(), target.bottom() + m),
            "above": QtCore.QPoint(target.left() + m, target.top() - m - size.height()),
            "inside": QtCore.QPoint(target.left() + m,
                                    target.bottom() - size.height() - 4 * m),
        }
        order = [self.step.place] + [k for k in spots if k != self.step.place]
        for key in order:
            rect = QtCore.QRect(spots[key], size)
            if area.contains(rect):
                return rect.topLeft()
        p = spots[self.step.place]  # nothing fits: keep the preferred spot on the window
        x = min(max(p.x(), area.left()), area.right() - size.width())
        y = min(max(p.y(), area.top()), area.bottom() - size.height())
        return QtCore.QPoint(x, y)

    def eventFilter(self, obj, ev):  # noqa: N802 (Qt API)
        if ev.type() in (QtCore.QEvent.Resize, QtCore.QEvent.Move, QtCore.QEvent.Show,
                         QtCore.QEvent.Hide, QtCore.QEvent.LayoutRequest):
            self._relayout.start()
        return False


def maybe_start_tour(window, show: bool | None = None, delay_ms: int = 300) -> bool:
    """Start the tour shortly after ``window`` is shown when ``show`` is True, or (None) on
    the first run; returns whether it was scheduled."""
    if show is None:
        show = wanted_at_startup()
    if show:
        QtCore.QTimer.singleShot(delay_ms, lambda: start_tour(window))
    return bool(show)
