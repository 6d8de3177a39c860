"""Headless rendering with the application's own views (no window appears on screen).

``render_event_png`` grabs the whole main window (the launcher's fallback without a display).
``Renderer`` drives the same session model and views the application uses — the large
camera view, the telescope grid, the array and sky views — to write one event, a contact
sheet of many events (a grid of thumbnails) or a multi-page PDF (one event per page), as
PNG (raster), SVG or PDF (vector: true pixel outlines). ``ctaviewer render`` is its command.
"""

from __future__ import annotations

import html
import math
import os
import re
import sys
from dataclasses import dataclass

from ..errors import CtaviewerError, InputFileError, OutputError
from . import colors
from .main import build_window, make_application
from .models.display import DisplaySettings
from .models.quantities import QUANTITIES
from .models.session import SessionModel
from .qt import QtCore, QtGui, QtWidgets, pg
from .views.array_view import ArrayView
from .views.camera_grid import CameraGrid
from .views.camera_view import CameraView
from .views.sky_view import SkyView


def render_event_png(path: str | None, event_index: int, out_path: str,
                     config_path: str | None = None, size=(1600, 1000),
                     selection=None) -> str:
    """The main window showing event ``event_index`` of ``path``, saved as a PNG.

    A file that cannot be opened raises its ``InputFileError`` (``ConfigError`` for a bad
    ``config_path``) before anything is written.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_application()
    window = build_window(path, event_index, config_path, synchronous=True, restore=False,
                          raise_errors=True, selection=selection)
    session = window.session
    if session.array_event is None:  # opened, but no event could be shown
        _, reason = getattr(window, "last_error", ("", "the file holds no event"))
        window.close()
        raise InputFileError(path, " ".join(reason.split()))
    window.resize(*size)
    window.show()
    if session.array_event is not None and session.result is None and session.can_process:
        session.process(synchronous=True)
    for _ in range(3):
        app.processEvents()
    for _ in range(200):  # the views' first drawings of the file, one per event-loop turn
        if not window.drawing:
            break
        app.processEvents()
    if session.selected_pixels == [] and session.array_event is not None:
        tr = session.tel_result(session.selected_tel)
        if tr is not None:
            session.select_pixels([int(tr.image.argmax())])
        else:
            data = session.array_event.tel[session.selected_tel]
            session.select_pixels([int(data.raw_sum.argmax())])
        app.processEvents()
    out_path = os.path.abspath(out_path)
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    if not window.grab().save(out_path):
        window.close()
        raise OutputError(f"{out_path}: could not write the PNG")
    window.close()
    QtWidgets.QApplication.processEvents()
    return out_path


#: output formats by file extension
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


@dataclass(frozen=True)
class RenderOptions:
    """How events are drawn. Sizes are in output pixels; ``scale`` enlarges text and lines."""

    quantity: str = "charge"  # a name of ``models.quantities.QUANTITIES``
    tel_id: int | None = None  # one telescope, large
    size: tuple[int, int] = (1600, 1000)  # one event (PNG/SVG), one PDF page
    thumb_size: tuple[int, int] = (480, 400)  # one contact-sheet cell
    columns: int | None = None  # contact-sheet columns (default: about square)
    scale: float = 1.0
    cmap: str = "viridis"
    norm: str = "linear"  # colour scale: linear, log, symlog
    sample: int = 0  # for the "waveform sample" quantity
    gain: str = "high"  # for the per-gain camera quantities (pedestal, noise, ...)
    hillas: bool = True


class HeadlessSession(SessionModel):
    """The application's session, processing every event before ``go_to`` returns."""

    def process(self, synchronous: bool = False) -> None:
        super().process(synchronous=True)


def _logical(size, scale) -> tuple[int, int]:
    return max(1, round(size[0] / scale)), max(1, round(size[1] / scale))


class Renderer:
    """Render events of ``path`` with the application's views, offscreen.

    ``sheet`` chooses the layout: False, one event per image or PDF page (``EventPage``);
    True, a contact sheet of thumbnails (the telescope grid, or the camera of
    ``options.tel_id``) in one PNG or SVG. ``config`` is a ``ProcessingConfig`` (None: the
    default). Call ``open()``, then ``write(indices, out_path)``; use as a context manager.
    Errors are ``CtaviewerError`` naming the input file or the output path.
    """

    def __init__(self, path, options: RenderOptions = RenderOptions(), config=None,
                 sheet: bool = False, selection=None):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        self.app = make_application()
        self.path = os.fspath(path)
        self.options = options
        self.sheet = sheet
        self.selection = selection  # io.selection.SourceSelection: telescopes, events
        self.session = HeadlessSession()
        if config is not None:
            self.session.set_config(config)
        self.display = DisplaySettings()
        for what, value, choices in (("quantity", options.quantity, QUANTITIES),
                                     ("colour map", options.cmap, colors.COLORMAPS),
                                     ("colour scale", options.norm, colors.SCALES)):
            if value not in choices:
                raise CtaviewerError(f"unknown {what} {value!r}; use one of "
                                     + ", ".join(choices))
        self.display.update(quantity=options.quantity, cmap=options.cmap, scale=options.norm,
                            show_hillas=options.hillas, gain=options.gain)
        self.display.set_sample(options.sample)
        self._errors: list[str] = []
        self.session.error.connect(self._on_error)
        self._previous_handler = QtCore.qInstallMessageHandler(self._qt_message)
        # the views exist before the file opens, so they see every session signal
        self.view = self._thumbnail() if sheet else self._event_page()

    def _qt_message(self, mode, context, message) -> None:
        """Qt's messages pass, except the offscreen platform's notes on window hints."""
        if "propagateSizeHints" in message:
            return
        if self._previous_handler is not None:
            self._previous_handler(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    def _on_error(self, title: str, message: str) -> None:
        self._errors.append(f"{title}: " + " ".join(message.split()))

    # ---------------------------------------------------------------- session
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        if self.view is not None:
            self.view.close()
            self.view.deleteLater()
            self.view = None
        self.session.close()
        self.app.processEvents()
        QtCore.qInstallMessageHandler(self._previous_handler)

    def open(self, first_index: int = 0) -> None:
        """Index the file and show event ``first_index`` (clipped; check ``n_events``)."""
        self.session.open(self.path, event_index=first_index, synchronous=True,
                          selection=self.selection)
        self._settle()
        self._check_errors()

    @property
    def n_events(self) -> int:
        return self.session.n_events

    @property
    def rows(self) -> list[dict]:
        """index, event_id, energy, n_tel of every event (from the file index)."""
        return self.session.rows

    @property
    def tel_ids(self) -> list[int]:
        return [int(t) for t in self.session.source.subarray.tel_ids]

    def index_of_event_id(self, event_id: int) -> int:
        for row in self.session.rows:
            if row["event_id"] == event_id:
                return row["index"]
        ids = [r["event_id"] for r in self.session.rows]
        span = f"ids {min(ids)}–{max(ids)}" if ids else "no events"
        raise CtaviewerError(f"{self.path}: no event with id {event_id} "
                             f"({len(ids)} events, {span})")

    def tels_of(self, index: int) -> list[int]:
        """Telescopes with data in event ``index`` (from the file index when there is one)."""
        file_index = self.session.source.index
        if file_index is not None:
            return [int(t) for t in file_index.tels_with_data[index]]
        return list(self.session.source[index].tel)

    def go_to(self, index: int) -> None:
        """Make event ``index`` current and processed, with ``options.tel_id`` selected."""
        s = self.session
        if not 0 <= index < s.n_events:
            raise CtaviewerError(f"{self.path}: event index {index} out of range "
                                 f"({s.n_events} events: 0–{s.n_events - 1})")
        if s.event_index != index:
            try:
                s.go_to(index)
            except CtaviewerError:
                raise
            except Exception as exc:  # from the processing chain: reported, not traced back
                raise CtaviewerError(f"{self.path}: event {index}: cannot process it "
                                     f"({type(exc).__name__}: {exc})") from None
            self._check_errors()
        tel = self.options.tel_id
        if tel is not None:
            if tel not in s.array_event.tel:
                have = ", ".join(map(str, s.array_event.tel)) or "none"
                raise CtaviewerError(f"{self.path}: event {index} (id {s.array_event.event_id})"
                                     f" has no data from telescope {tel} (telescopes: {have})")
            s.select_tel(tel)
        self._settle()
        if self.sheet and tel is None:
            self.view.rebuild()
            plain_grid(self.view)
            self._settle()
        elif not self.sheet:
            self.view.update_header()

    def _settle(self) -> None:
        """Let the views follow the session (queued rebuilds, layout) before painting."""
        for _ in range(3):
            self.app.processEvents()

    def _check_errors(self) -> None:
        if self._errors:
            message = self._errors[0]
            self._errors = []
            raise CtaviewerError(f"{self.path}: {message}")

    # ---------------------------------------------------------------- views
    def _show(self, widget, size) -> None:
        widget.setAttribute(QtCore.Qt.WA_DontShowOnScreen, True)
        widget.resize(*size)
        widget.show()

    def _event_page(self):
        page = EventPage(self.session, self.display, self.options.tel_id,
                         os.path.basename(self.path))
        self._show(page, _logical(self.options.size, self.options.scale))
        return page

    def _thumbnail(self):
        tw, th = _logical(self.options.thumb_size, self.options.scale)
        if self.options.tel_id is None:
            view = CameraGrid(self.session, self.display)
            view.build_budget_s = None  # every cell before the page is drawn
        else:
            view = CameraView(self.session, self.display)
            view.set_title_visible(False)
        only_graphics(view)
        self._show(view, (tw, th - CAPTION_HEIGHT))
        return view

    # ---------------------------------------------------------------- outputs
    def _paint_view(self, painter) -> None:
        paint_widget(self.view, painter)

    def write(self, indices, out_path: str, progress=None) -> str:
        """Write events ``indices`` to ``out_path``, atomically; returns ``out_path``.

        Event pages: one event to .png/.svg, or one event per page to .pdf. Sheets: a grid of
        thumbnails to .png/.svg. ``progress(done, total)`` is called after each event.
        """
        indices = [int(i) for i in indices]
        fmt = output_format(out_path)
        if not indices:
            raise CtaviewerError(f"{self.path}: no events to render")
        for i in indices:
            if not 0 <= i < self.n_events:
                raise CtaviewerError(f"{self.path}: event index {i} out of range "
                                     f"({self.n_events} events: 0–{self.n_events - 1})")
        if self.sheet:
            if fmt == "pdf":
                raise OutputError(f"{out_path}: a PDF holds one event per page; "
                                  "write a contact sheet as .png or .svg")
            return self._write_sheet(indices, out_path, fmt, progress)
        if fmt == "pdf":
            return self._write_pages(indices, out_path, progress)
        if len(indices) != 1:
            raise OutputError(f"{out_path}: one event per .{fmt} image; "
                              "use a contact sheet or a .pdf for several")
        self.go_to(indices[0])
        with _atomic(out_path) as tmp:
            _paint_to(fmt, tmp, self.options.size, self.options.scale,
                      self._paint_view)
        if progress is not None:
            progress(1, 1)
        return out_path

    def _write_pages(self, indices, out_path, progress) -> str:
        n = len(indices)

        def paint(painter, writer):
            for k, index in enumerate(indices):
                if k:
                    writer.newPage()
                self.go_to(index)
                self._paint_view(painter)
                if progress is not None:
                    progress(k + 1, n)

        with _atomic(out_path) as tmp:
            _write_pdf_pages(tmp, _logical(self.options.size, self.options.scale), paint,
                             title=os.path.basename(self.path))
        return out_path

    def _write_sheet(self, indices, out_path, fmt, progress) -> str:
        opts = self.options
        n = len(indices)
        cols, rows = sheet_grid(n, opts)
        tw, th = _logical(opts.thumb_size, opts.scale)
        title = self._sheet_title(indices)
        header = sheet_header_height(title, cols * tw)

        def paint(painter):
            painter.fillRect(QtCore.QRectF(0, 0, cols * tw, header + rows * th),
                             QtGui.QColor("white"))
            painter.setPen(QtGui.QColor("black"))
            painter.setFont(_font(*SHEET_TITLE_FONT))
            painter.drawText(QtCore.QRectF(10, 0, cols * tw - 20, header),
                             QtCore.Qt.AlignVCenter | QtCore.Qt.AlignLeft
                             | QtCore.Qt.TextWordWrap, title)
            for k, index in enumerate(indices):
                self.go_to(index)
                x = (k % cols) * tw
                y = header + (k // cols) * th
                painter.save()
                painter.translate(x, y + CAPTION_HEIGHT)
                self._paint_view(painter)
                painter.restore()
                self._caption(painter, QtCore.QRectF(x, y, tw, th), index)
                if progress is not None:
                    progress(k + 1, n)

        with _atomic(out_path) as tmp:
            _paint_to(fmt, tmp, sheet_size(n, opts, title), opts.scale, paint)
        return out_path

    def _sheet_title(self, indices) -> str:
        # a long file name may break after "_", "-" and "." (zero-width spaces) when wrapped
        name = re.sub(r"([_.-])", "\\1\u200b", os.path.basename(self.path))
        tel = f" · telescope {self.options.tel_id}" if self.options.tel_id is not None else ""
        span = (f"event {indices[0]}" if len(indices) == 1
                else f"{len(indices)} events (indices {indices[0]}–{indices[-1]})")
        return f"{name} · {span} of {self.n_events}{tel} · {self.display.quantity}"

    def _caption(self, painter, cell, index) -> None:
        row = self.session.rows[index]
        energy = row["energy"]
        e = f" · {energy:.3g} TeV" if math.isfinite(energy) else ""
        text = f"#{index} · id {row['event_id']}{e} · {row['n_tel']} tel"
        g = self.session.result.geometry if self.session.result is not None else None
        if g is not None and g.is_valid:
            text += f" · reco {len(g.tel_ids)}"
        elif g is not None and g.invalid_reason:
            text += " · reco invalid"
        painter.save()
        painter.setPen(QtGui.QPen(QtGui.QColor(200, 200, 200), 1))
        painter.setBrush(QtCore.Qt.NoBrush)
        painter.drawRect(cell.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.setPen(QtGui.QColor("black"))
        painter.setFont(_font(10.5, bold=True))
        painter.drawText(QtCore.QRectF(cell.x() + 6, cell.y(), cell.width() - 12,
                                       CAPTION_HEIGHT),
                         QtCore.Qt.AlignVCenter | QtCore.Qt.AlignLeft, text)
        painter.restore()


# ---------------------------------------------------------------------- layout
CAPTION_HEIGHT = 26  # logical pixels above each thumbnail
SHEET_HEADER = 40  # logical pixels above the thumbnails (at least: the title may wrap)
SHEET_TITLE_FONT = (13, True)  # point size, bold


def sheet_grid(n: int, options: RenderOptions) -> tuple[int, int]:
    """(columns, rows) of a contact sheet of ``n`` events."""
    tw, th = _logical(options.thumb_size, options.scale)
    cols = options.columns or max(1, math.ceil(math.sqrt(n * th / tw)))
    cols = max(1, min(cols, n))
    return cols, math.ceil(n / cols)


def sheet_header_height(title: str, width: float) -> float:
    """Logical height of a contact sheet's title band ``width`` wide: ``SHEET_HEADER``, or
    more where the title wraps onto several lines (a long file name, a narrow sheet)."""
    if not title:
        return SHEET_HEADER
    metrics = QtGui.QFontMetricsF(_font(*SHEET_TITLE_FONT))
    text = metrics.boundingRect(QtCore.QRectF(0, 0, max(width - 20, 1), 1e6),
                                QtCore.Qt.TextWordWrap, title)
    return max(SHEET_HEADER, math.ceil(text.height() + SHEET_HEADER - metrics.height()))


def sheet_size(n: int, options: RenderOptions, title: str = "") -> tuple[int, int]:
    """Output pixel size of a contact sheet of ``n`` events (under ``title``)."""
    tw, th = _logical(options.thumb_size, options.scale)
    cols, rows = sheet_grid(n, options)
    header = sheet_header_height(title, cols * tw)
    return round(cols * tw * options.scale), round((header + rows * th) * options.scale)


def output_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise OutputError(f"{path}: unknown output format {ext or '(no extension)'!r}; "
                          "use .png, .svg or .pdf")
    return FORMATS[ext]


def paint_widget(widget, painter) -> None:
    """Paint ``widget`` (and its children) at the painter's origin; on SVG and PDF, plot
    items draw in pyqtgraph's export mode (scatter symbols as paths rather than blitted from
    a pixmap atlas). The renderer's and the window's exports both paint through here."""
    items = []
    if painter.paintEngine().type() != QtGui.QPaintEngine.Raster:
        views = widget.findChildren(pg.GraphicsView)
        if isinstance(widget, pg.GraphicsView):
            views.append(widget)
        for gv in views:
            items += [i for i in gv.scene().items() if hasattr(i, "setExportMode")]
    for item in items:
        item.setExportMode(True, {"antialias": True})
    try:
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint())  # not QGraphicsView.render
    finally:
        for item in items:
            item.setExportMode(False)


def write_widget(widget, out_path: str, scale: float = 1.0) -> str:
    """Write ``widget`` as it is on screen to ``out_path`` (.png, .svg or .pdf, by its
    extension), atomically; PNG at ``scale`` device pixels per logical pixel."""
    fmt = output_format(out_path)
    size = (widget.width(), widget.height())
    with _atomic(out_path) as tmp:
        if fmt == "pdf":
            _write_pdf_pages(tmp, size, lambda painter, _writer: paint_widget(widget, painter),
                             title="ctaviewer")
        else:
            _paint_to(fmt, tmp, (round(size[0] * scale), round(size[1] * scale)), scale,
                      lambda painter: paint_widget(widget, painter))
    return out_path


def only_graphics(view) -> None:
    """Hide a view's controls (combo boxes, sliders, buttons): keep its plot only."""

    for child in view.findChildren(QtWidgets.QWidget, options=QtCore.Qt.FindDirectChildrenOnly):
        if child is not view.graphics:
            child.hide()


def plain_grid(grid) -> None:
    """A telescope grid without selection frame (names in black)."""

    for vb, _item, label in grid.cells.values():
        vb.setBorder(None)
        label.setColor(QtGui.QColor("black"))


def _font(point_size: float, bold: bool = False):

    font = QtGui.QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


class EventPage(QtWidgets.QWidget):
    """One event as the application shows it: a header line, the large camera view, and
    (without a chosen telescope) the telescope grid, the array and the sky views."""

    def __init__(self, session, display, tel_id=None, file_name=""):
        super().__init__()
        self.session = session
        self.display = display
        self.file_name = file_name
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QtCore.Qt.white)
        self.setPalette(pal)
        self.header = QtWidgets.QLabel()
        self.header.setTextFormat(QtCore.Qt.RichText)
        self.header.setFont(_font(12))
        self.header.setWordWrap(True)  # a long file name wraps rather than being cut
        self.camera = CameraView(session, display)
        only_graphics(self.camera)
        self.grid = self.array = self.sky = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.header)
        if tel_id is not None:
            layout.addWidget(self.camera, 1)
        else:
            self.grid = CameraGrid(session, display)
            self.grid.build_budget_s = None  # every cell before the page is drawn
            only_graphics(self.grid)
            self.array = ArrayView(session)
            self.sky = SkyView(session)
            for view in (self.array, self.sky):
                view.defer_first_draw = False  # drawn with the event: nothing waits here
            bottom = QtWidgets.QHBoxLayout()
            bottom.addWidget(self.array, 1)
            bottom.addWidget(self.sky, 1)
            right = QtWidgets.QVBoxLayout()
            right.addWidget(self.grid, 1)
            right.addLayout(bottom, 1)
            body = QtWidgets.QHBoxLayout()
            body.addWidget(self.camera, 11)
            body.addLayout(right, 10)
            layout.addLayout(body, 1)

    def update_header(self):
        s = self.session
        ev = s.array_event
        if ev is None:
            self.header.setText("")
            return
        parts = [f"<b>{self.file_name}</b>",
                 f"index {s.event_index} of {s.n_events}",
                 f"id {ev.event_id}"]
        sim_config = s.source.simulation_config
        primary = sim_config.primary if sim_config is not None else ""
        if ev.simulation is not None:
            parts.append(f"{primary + ' ' if primary else ''}{ev.simulation.energy:.3g} TeV")
        parts.append(f"{ev.n_tels} telescope{'s' if ev.n_tels != 1 else ''}")
        g = s.result.geometry if s.result is not None else None
        if g is not None and g.is_valid:
            parts.append(f"reconstructed from {len(g.tel_ids)}")
        elif g is not None and g.invalid_reason:
            parts.append("<span style='color:#dc0000'>reconstruction invalid: "
                         f"{html.escape(g.invalid_reason)}</span>")
        parts.append(f"showing {self.display.quantity}")
        self.header.setText(" · ".join(parts))
        # a wrapped header needs more lines: lay the page out again for the new height
        self.layout().invalidate()
        self.layout().activate()


# ---------------------------------------------------------------------- writing
class _atomic:
    """Write to a hidden temporary name in the output folder; rename when complete."""

    def __init__(self, path):
        from ..writers.atomic import AtomicOutput

        self._out = AtomicOutput(path, overwrite=True)

    def __enter__(self) -> str:
        try:
            return self._out.__enter__()
        except OSError as exc:
            raise OutputError(f"{self._out.path}: cannot write ({exc.strerror or exc})") from None

    def __exit__(self, exc_type, exc, tb):
        try:
            return self._out.__exit__(exc_type, exc, tb)
        except OSError as err:
            raise OutputError(f"{self._out.path}: cannot write ({err.strerror or err})") from None


def _paint_to(fmt: str, tmp: str, size, scale: float, paint) -> None:
    """Run ``paint(painter)`` on a PNG image or an SVG document written to ``tmp``."""

    lw, lh = _logical(size, scale)
    if fmt == "png":
        image = QtGui.QImage(int(size[0]), int(size[1]), QtGui.QImage.Format_ARGB32_Premultiplied)
        if image.isNull():
            raise OutputError(f"{tmp}: image of {size[0]}×{size[1]} pixels is too large")
        image.setDevicePixelRatio(size[0] / lw)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        try:
            paint(painter)
        finally:
            painter.end()
        if not image.save(tmp, "PNG"):
            raise OutputError(f"{_final(tmp)}: could not write the PNG")
    elif fmt == "svg":
        from PySide6 import QtSvg

        # Painted into a QPicture first, then replayed: QSvgGenerator misplaces the clip
        # regions of child widgets painted by QWidget.render (they miss the widget offset),
        # while a replayed picture gives it clips in page coordinates.
        picture = QtGui.QPicture()
        recorder = QtGui.QPainter(picture)
        try:
            paint(recorder)
        finally:
            recorder.end()
        gen = QtSvg.QSvgGenerator(QtSvg.QSvgGenerator.SvgVersion.Svg11)  # SVG 1.1: clipping
        gen.setFileName(tmp)
        gen.setResolution(96)  # width and height in mm that CSS (96 px per inch) reads as px
        gen.setSize(QtCore.QSize(int(size[0]), int(size[1])))
        gen.setViewBox(QtCore.QRectF(0, 0, lw, lh))
        gen.setTitle("ctaviewer")
        painter = QtGui.QPainter()
        if not painter.begin(gen):
            raise OutputError(f"{_final(tmp)}: could not write the SVG")
        try:
            picture.play(painter)
        finally:
            painter.end()
        _plain_strokes(tmp)
    else:
        raise OutputError(f"{_final(tmp)}: cannot write {fmt}")
    if not os.path.exists(tmp):
        raise OutputError(f"{_final(tmp)}: nothing was written")


_G_TAG = re.compile(r"<g\b[^>]*>|</g>")
_MATRIX = re.compile(r'transform="matrix\(([^)]*)\)"')
_WIDTH = re.compile(r'stroke-width="([0-9.eE+-]+)"')
_DASHES = re.compile(r'(stroke-dasharray|stroke-dashoffset)="([0-9.eE+,-]+)"')


def _plain_strokes(svg_path: str) -> None:
    """Rewrite cosmetic strokes (``vector-effect="non-scaling-stroke"``, which Qt writes for
    cosmetic pens but SVG 1.1 lacks) as plain strokes of the same width on the page.

    Qt writes each pen state as a ``<g stroke-width=... transform="matrix(...)">`` holding the
    elements drawn with it; their stroke width and dash lengths are divided by its scale.
    """
    with open(svg_path, encoding="utf-8") as f:
        text = f.read()
    out = []
    pos = 0
    tags = list(_G_TAG.finditer(text))
    for k, tag in enumerate(tags):
        body_end = tags[k + 1].start() if k + 1 < len(tags) else len(text)
        head, body = tag.group(0), text[tag.end():body_end]
        if 'vector-effect="non-scaling-stroke"' in body:
            matrix, width = _MATRIX.search(head), _WIDTH.search(head)
            if matrix is not None:
                a, b, c, d = (float(v) for v in matrix.group(1).split(",")[:4])
                scale = math.sqrt(abs(a * d - b * c)) or 1.0
                w = float(width.group(1)) if width is not None else 1.0
                new_width = f'stroke-width="{w / scale:.6g}"'
                head = (_WIDTH.sub(new_width, head, count=1) if width is not None
                        else head[:-1] + f" {new_width}>")
                head = _DASHES.sub(lambda m, scale=scale: m.group(1) + '="' + ",".join(
                    f"{float(v) / scale:.6g}" for v in m.group(2).split(",")) + '"', head)
            body = body.replace('vector-effect="non-scaling-stroke"', 'vector-effect="none"')
        out.append(text[pos:tag.start()])
        out.append(head)
        out.append(body)
        pos = body_end
    out.append(text[pos:])
    text = "".join(out)  # what is left: clip-path outlines, whose strokes are never drawn
    text = text.replace('vector-effect="non-scaling-stroke"', 'vector-effect="none"')
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(text)


def _write_pdf_pages(tmp: str, logical_size, paint, title: str = "") -> None:
    """A PDF whose pages are ``logical_size`` pixels at 96 dpi; ``paint(painter, writer)``."""

    lw, lh = logical_size
    writer = QtGui.QPdfWriter(tmp)
    writer.setCreator("ctaviewer")
    writer.setTitle(title)
    writer.setResolution(96)
    writer.setPageSize(QtGui.QPageSize(QtCore.QSizeF(lw * 72 / 96, lh * 72 / 96),
                                       QtGui.QPageSize.Point, "", QtGui.QPageSize.ExactMatch))
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0))
    painter = QtGui.QPainter()
    if not painter.begin(writer):
        raise OutputError(f"{_final(tmp)}: could not write the PDF")
    try:
        # device units are 1/96 inch: one unit per logical pixel, whatever Qt rounds the page to
        painter.scale(writer.width() / lw, writer.height() / lh)
        paint(painter, writer)
    finally:
        painter.end()


def _final(tmp: str) -> str:
    """The output path a temporary name stands for."""
    from ..writers.atomic import TMP_MARK

    folder, name = os.path.split(tmp)
    return os.path.join(folder, name[1:].split(TMP_MARK)[0]) if TMP_MARK in name else tmp
