"""What the screen shows is true: colour-bar ticks are values of the quantity at the positions
of their colours, the array view holds everything it draws, invalid reconstructions are
shown as invalid with their reason, exported views look like the renderer's, and the layout
glitches (titles over pixels, labels over thumbnails, seams, clipped headers) stay fixed."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.usefixtures("isolated_settings")


# ------------------------------------------------------------------ colour bar
def _draw_specs(axis):
    from ctaviewer.app.qt import QtGui

    image = QtGui.QImage(10, 10, QtGui.QImage.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        return axis.generateDrawSpecs(painter)
    finally:
        painter.end()


def _settle(qtbot, widget, bar):
    """Paint until the axis has widened to its labels (pyqtgraph sizes it after a paint)."""
    axis = bar.getAxis("right")

    def fits():
        widget.grab()
        texts = _draw_specs(axis)[2]
        return len(texts) > 0 and len(texts) == len(set(axis._labels.values()) - {""}) \
            if axis.scale_name != "linear" or axis.states else len(texts) > 0

    qtbot.waitUntil(fits)


def _axis_ticks(bar):
    """(value, position in colour-scale coordinates) of every labelled tick the colour bar's
    axis draws, read from the axis's own draw specification."""
    from ctaviewer.app.qt import QtCore

    axis = bar.getAxis("right")
    _, ticks, texts = _draw_specs(axis)
    tick_y = [p1.y() for _, p1, _ in ticks]
    out = []
    for rect, _, text in texts:
        y = rect.center().y()
        assert min(abs(y - ty) for ty in tick_y) < 1.0, text  # the label sits at a tick
        t = bar.vb.mapSceneToView(axis.mapToScene(QtCore.QPointF(0, y))).y()
        out.append((float(text), t, y))
    return out


@pytest.mark.parametrize("scale", ["linear", "log", "symlog"])
@pytest.mark.parametrize("mode", ["auto", "min-max", "percentile", "fixed"])
def test_colour_bar_ticks_are_values_at_the_position_of_their_colour(qtbot, scale, mode):
    """Every label of the colour bar is a value in the quantity's unit (p.e.), drawn at the
    height where the bar shows the colour ``to_index`` gives that value: read back from the
    axis and from the grabbed picture of the bar."""
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui, pg
    from ctaviewer.app.views.colorbar import ColorBar

    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0, 2, 1500), rng.uniform(-400, 600, 40),
                             rng.uniform(0.05, 50, 300)])
    lo, hi = colors.limits(values, mode, 97.0, (0.0, 50.0))
    lo, hi = colors.color_range(values, lo, hi, scale)
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    bar = ColorBar()
    bar.setMaximumWidth(120)
    widget.addItem(bar)
    widget.resize(140, 600)
    widget.show()
    bar.set_range(lo, hi, scale, "viridis", "charge (p.e.)")
    qtbot.waitUntil(lambda: bar.vb.height() > 400)
    _settle(qtbot, widget, bar)
    grab = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    ticks = _axis_ticks(bar)
    assert len(ticks) >= 3, ticks
    label = bar.getAxis("right").labelString()
    assert "charge (p.e.)" in label and "(x" not in label
    table = colors.lut("viridis")
    for v, t, _ in ticks:
        assert lo - 1e-9 * abs(lo) <= v <= hi + 1e-9 * abs(hi), (v, lo, hi)
        expected_t = float(colors.transform(np.array([v]), scale)[0])
        per_px = (bar.range_t[1] - bar.range_t[0]) / bar.vb.height()
        assert abs(t - expected_t) < 1.5 * per_px, (v, t, expected_t)
        # the bar's colour beside the label is the colour of that value
        inside = min(max(expected_t, bar.range_t[0] + per_px), bar.range_t[1] - per_px)
        scene = bar.vb.mapViewToScene(QtCore.QPointF(0.5, inside))
        pos = widget.mapFromScene(scene)
        colour = QtGui.QColor(grab.pixel(pos.x(), pos.y()))
        k = int(colors.to_index(np.array([v]), lo, hi, scale)[0])
        near = [table[j] for j in range(max(k - 2, 0), min(k + 3, colors.N_COLORS))]
        assert any(np.abs(np.array([colour.red(), colour.green(), colour.blue()])
                          - c[:3].astype(int)).max() <= 3 for c in near), (v, k)
    if mode == "fixed":  # the bar reads 0 to 50 p.e. whatever the scale (not 0-1.7)
        shown = [v for v, _, _ in ticks]
        assert max(shown) >= 20 and min(shown) <= (1 if scale == "log" else 0)


def test_cleaning_mask_is_a_two_state_legend(qtbot):
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui, pg
    from ctaviewer.app.views.camera_view import MASK_STATES
    from ctaviewer.app.views.colorbar import ColorBar

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    bar = ColorBar()
    widget.addItem(bar)
    widget.resize(160, 400)
    widget.show()
    bar.set_states(MASK_STATES, "viridis", "cleaning mask")
    qtbot.waitUntil(lambda: bar.vb.height() > 200)
    _settle(qtbot, widget, bar)
    grab = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    texts = _draw_specs(bar.getAxis("right"))[2]
    assert sorted(text for _, _, text in texts) == ["in image", "not in image"]
    table = colors.lut("viridis")
    for k, (text, index) in enumerate(MASK_STATES):
        pos = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, k + 0.5)))
        c = QtGui.QColor(grab.pixel(pos.x(), pos.y()))
        assert (c.red(), c.green(), c.blue()) == tuple(int(x) for x in table[index][:3]), text
    # only two colours in the bar: no continuous scale
    top = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, 1.95)))
    bottom = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, 0.05)))
    seen = {grab.pixel(top.x(), y) & 0xFFFFFF for y in range(top.y(), bottom.y())}
    assert len(seen) <= 3  # two states (and an antialiased border row)


# ------------------------------------------------------------------ helpers
@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def _open(qtbot, window, path, index=0):
    assert window.open_path(path, event_index=index)
    qtbot.waitUntil(lambda: window.session.result is not None
                    or hasattr(window, "last_error"), timeout=60000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)


def _raise(qtbot, window, key):
    window.docks[key].raise_()
    view = window.docks[key].widget()
    qtbot.waitUntil(lambda: not view.visibleRegion().isEmpty())
    qtbot.waitUntil(lambda: not getattr(view, "_dirty", False))
    return view


def _invalid_result(session, reason):
    import dataclasses

    from ctaviewer.results import StereoResult

    g = StereoResult(tel_ids=session.result.geometry.tel_ids, invalid_reason=reason)
    state = session.state  # as a processed result arrives: kept, its row updated, shown
    state.add_result(state.event_index, dataclasses.replace(session.result, geometry=g),
                     state.config_generation, state.source, latest=True)


# ------------------------------------------------------------------ array view
def test_plotting_clip_segments():
    from ctaviewer.app.qt import QtCore
    from ctaviewer.app.views.plotting import clip_segments

    rect = QtCore.QRectF(0, 0, 10, 5)
    a, b = clip_segments(np.array([[-5, 2.5], [1, 1], [20, 20], [5, -10]]),
                         np.array([[15, 2.5], [2, 2], [30, 30], [5, 10]]), rect)
    np.testing.assert_allclose(a, [[0, 2.5], [1, 1], [5, 0]])
    np.testing.assert_allclose(b, [[10, 2.5], [2, 2], [5, 5]])


def test_array_view_holds_the_telescopes_and_both_cores(simtel_file, qtbot, window):
    """gamma_4lst's first event: both cores ~200-300 m outside the array, which spans
    about 200 m; the view holds them and the Hillas axes stay inside it."""
    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    s = window.session
    view = _raise(qtbot, window, "array")
    rect = view.plot.getViewBox().viewRect()
    sim, g = s.array_event.simulation, s.result.geometry
    assert g.is_valid
    points = [(sim.core_x, sim.core_y), (g.core_x, g.core_y),
              *s.source.subarray.positions[:, :2].tolist()]
    assert max(abs(p[1]) for p in points[:2]) > 150  # the cores are outside the array
    for x, y in points:
        assert rect.contains(x, y), (x, y, rect)
    for item in view.axes.values():
        xs, ys = item.getData()
        if xs is not None and len(xs):
            assert rect.adjusted(-1e-6, -1e-6, 1e-6, 1e-6).contains(
                QtCoreRect(xs, ys)), "axes cut to the view"
    assert "true core" in view.legend.text() and "reconstructed core" in view.legend.text()


def QtCoreRect(xs, ys):
    from ctaviewer.app.qt import QtCore

    return QtCore.QRectF(float(np.min(xs)), float(np.min(ys)),
                         float(np.ptp(xs)), float(np.ptp(ys)))


def test_invalid_reconstruction_is_shown_as_invalid_with_its_reason(
        simtel_file, qtbot, window):
    """An implausible result is not drawn as a reconstruction: no marker, no ellipse, and
    every view that shows the geometry says why."""
    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    s = window.session
    reason = "direction 32.0° from the pointing of telescope 1, beyond 9.9°"
    array = _raise(qtbot, window, "array")
    _invalid_result(s, reason)
    qtbot.waitUntil(lambda: "invalid" in array.legend.text())
    assert reason in array.legend.text() and "reconstructed core" not in array.legend.text()
    assert len(array.reco_core.data) == 0
    sky = _raise(qtbot, window, "sky")
    qtbot.waitUntil(lambda: "invalid" in sky.info.text())
    assert reason in sky.info.text() and "reconstructed alt" not in sky.info.text()
    xs = sky.reco_ellipse.getData()[0]
    assert len(sky.reco.data) == 0 and (xs is None or len(xs) == 0)
    params = _raise(qtbot, window, "parameters")
    qtbot.waitUntil(lambda: params.dl2.rowCount() > 0 and params.dl2.item(0, 1) is not None
                    and "invalid" in params.dl2.item(0, 1).text())
    assert params.dl2.item(0, 0).text() == "reconstruction"
    assert reason in params.dl2.item(0, 1).text()


def test_event_list_marks_invalid_reconstructions(simtel_file, qtbot, window):
    """Single-telescope muon events cannot be reconstructed in stereo: their reconstructed
    direction reads "invalid", with the reason as tooltip."""
    from ctaviewer.app.qt import QtCore
    from ctaviewer.app.views.event_table import HEADERS

    _open(qtbot, window, simtel_file("muons_lst.simtel.zst"))
    s, model = window.session, window.event_table.model
    g = s.result.geometry
    assert not g.is_valid and g.invalid_reason
    column = [h[0] for h in HEADERS].index("reco_alt")
    index = model.index(s.event_index, column)
    qtbot.waitUntil(lambda: model.data(index) == "invalid")
    assert g.invalid_reason in model.data(index, QtCore.Qt.ToolTipRole)


# ------------------------------------------------------------------ exports
def _svg_image(path):
    """An SVG drawn by Qt's own renderer, which ignores clip paths: what is left outside a
    plot shows. One image pixel per unit of its view box (one logical pixel)."""
    from PySide6 import QtSvg

    from ctaviewer.app.qt import QtGui

    renderer = QtSvg.QSvgRenderer(str(path))
    size = renderer.viewBox().size()
    image = QtGui.QImage(size, QtGui.QImage.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def test_array_export_draws_markers_and_keeps_axes_in_the_plot(
        simtel_file, qtbot, window, tmp_path):
    from ctaviewer.app.qt import QtCore, QtGui

    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    view = _raise(qtbot, window, "array")
    png = QtGui.QImage(window.export_view("array", str(tmp_path / "a.png")))
    svg_path = window.export_view("array", str(tmp_path / "a.svg"))
    text = open(svg_path).read()
    svg = _svg_image(svg_path)
    assert (svg.width(), svg.height()) == (view.width(), view.height())
    # telescopes: the marker colour at each telescope, as on screen (not an atlas)
    vb = view.plot.getViewBox()
    sub = window.session.source.subarray
    for x, y in sub.positions[:, :2]:
        pos = view.plot.mapTo(view, view.plot.mapFromScene(
            vb.mapViewToScene(QtCore.QPointF(x, y))))
        a = QtGui.QColor(svg.pixel(pos.x(), pos.y()))
        b = QtGui.QColor(png.pixel(round(pos.x() * png.width() / view.width()),
                                   round(pos.y() * png.height() / view.height())))
        assert max(abs(a.red() - b.red()), abs(a.green() - b.green()),
                   abs(a.blue() - b.blue())) < 40, (x, y, a.name(), b.name())
    assert text.count("<image") <= 1  # at most the background; no blitted symbols
    # no dash of the Hillas axes (blue) outside the plot area, even without clipping
    plot_rect = vb.mapRectToScene(vb.boundingRect())
    top_left = view.plot.mapTo(view, view.plot.mapFromScene(plot_rect.topLeft()))
    bottom_right = view.plot.mapTo(view, view.plot.mapFromScene(plot_rect.bottomRight()))
    inside = QtCore.QRect(top_left, bottom_right).adjusted(-2, -2, 2, 2)
    blue = 0
    for yy in range(svg.height()):
        for xx in range(0, svg.width()):
            if inside.contains(xx, yy):
                continue
            c = QtGui.QColor(svg.pixel(xx, yy))
            if c.blue() > 150 and c.red() < 120 and c.green() < 120:
                blue += 1
    assert blue == 0


def test_camera_export_is_the_plot_in_png_svg_and_pdf(simtel_file, qtbot, window, tmp_path):
    from ctaviewer.app.qt import QtGui

    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    graphics = window.camera_view.graphics
    png = QtGui.QImage(window.export_view("camera", str(tmp_path / "c.png")))
    dpr = graphics.devicePixelRatioF()
    assert (png.width(), png.height()) == (round(graphics.width() * dpr),
                                           round(graphics.height() * dpr))
    svg = open(window.export_view("camera", str(tmp_path / "c.svg"))).read()
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert any("Tel " in t for t in texts) and any("charge (p.e.)" in t for t in texts)
    for control in ("Sample", "Play", "Show", "Limits"):  # no toolbar, no slider
        assert not any(control in t for t in texts), control
    image = _svg_image(tmp_path / "c.svg")
    assert (image.width(), image.height()) == (graphics.width(), graphics.height())
    pdf = window.export_view("camera", str(tmp_path / "c.pdf"))
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF") and b"ctaviewer" in data
    box = re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", data)
    w, h = float(box.group(3)) - float(box.group(1)), float(box.group(4)) - float(box.group(2))
    assert w / h == pytest.approx(graphics.width() / graphics.height(), rel=0.02)
    assert window.export_view("camera", str(tmp_path / "c.jpg")) is None  # refused, said


# ------------------------------------------------------------------ layout glitches
def test_camera_title_is_above_the_pixels_of_a_square_camera(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("muons_chec.simtel.zst"))
    view = window.camera_view
    qtbot.waitUntil(lambda: view.item is not None and "Tel" in view.title.text)
    title = view.title.sceneBoundingRect()
    pixels = view.item.mapRectToScene(view.item.boundingRect())
    assert title.height() > 5 and title.bottom() <= pixels.top() + 0.5, (title, pixels)


def test_grid_names_are_beside_not_over_the_cameras(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"), index=2)
    grid = _raise(qtbot, window, "grid")
    s = window.session
    qtbot.waitUntil(lambda: grid._shown == sorted(s.array_event.tel) and not grid.building
                    and not grid.colouring)
    cameras = [item.mapRectToScene(item.boundingRect()) for _, item, _ in grid.cells.values()
               if item.isVisible()]
    labels = [label.sceneBoundingRect() for _, _, label in grid.cells.values()
              if label.isVisible()]
    assert len(labels) == len(grid._shown) >= 3
    for label in labels:
        assert not any(label.intersects(c) for c in cameras), label


def test_one_camera_fills_its_grid(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("muons_chec.simtel.zst"))
    grid = _raise(qtbot, window, "grid")
    qtbot.waitUntil(lambda: len(grid._shown) == 1)
    vb = grid.cells[grid._shown[0]][0]
    root = grid._root.rect()
    assert vb.geometry().width() == pytest.approx(root.width(), abs=1)


def test_event_list_headers_are_whole_in_the_default_layout(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    table = window.event_table
    qtbot.waitUntil(lambda: table.view.horizontalHeader().length() > 0)
    header = table.view.horizontalHeader()
    assert header.length() <= table.view.viewport().width(), (
        header.length(), table.view.viewport().width())
    for c in range(header.count()):  # each section as wide as its header text
        if header.isSectionHidden(c):  # the type column of a file of showers only
            continue
        assert header.sectionSize(c) >= header.sectionSizeHint(c) - 1, c


def test_no_white_seams_between_sct_pixels(simtel_file, qtbot):
    """SCT's modules leave half-millimetre gaps: at a normal zoom no empty device pixel lies
    between two camera pixels (it would show as a white seam)."""
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui, pg
    from ctaviewer.app.views.camera_item import CameraItem
    from ctaviewer.io import open_source

    with open_source(simtel_file("calibration_7cameras.simtel.gz")) as src:
        geom = next(c for c in src.subarray.camera_types if c.name == "SCTCam").geometry
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    vb = widget.addViewBox()
    vb.setAspectLocked(True)
    item = CameraItem(geom)
    vb.addItem(item)
    for size in (520, 700, 900):
        widget.resize(size, size)
        widget.show()
        vb.autoRange(padding=0.02)
        qtbot.waitUntil(lambda size=size: abs(widget.width() - size) <= 1)
        values = np.ones(geom.n_pixels)
        item.set_colors(values, colors.to_index(values, 0.0, 1.0, "linear"), "viridis")
        img = widget.viewport().grab().toImage().convertToFormat(QtGui.QImage.Format_RGB32)
        arr = np.frombuffer(img.constBits(), np.uint32).reshape(
            img.height(), img.bytesPerLine() // 4)[:, :img.width()] & 0xFFFFFF
        lit = arr == (int(colors.argb("viridis")[colors.N_COLORS - 1]) & 0xFFFFFF)
        gap = ~lit
        # empty device pixels with camera pixels on both sides, across or along rows
        seams = (gap[1:-1, :] & lit[:-2, :] & lit[2:, :]).sum() + \
            (gap[:, 1:-1] & lit[:, :-2] & lit[:, 2:]).sum()
        assert lit.sum() > 0.3 * size * size * 0.5
        assert seams == 0, (size, seams)
        _ = QtCore


def test_contact_sheet_title_wraps_instead_of_being_cut(simtel_file, tmp_path):
    from ctaviewer.app.qt import QtGui
    from ctaviewer.app.render import (
        SHEET_HEADER,
        Renderer,
        RenderOptions,
        sheet_grid,
        sheet_size,
    )

    long_name = tmp_path / ("gamma_20deg_180deg_run1___cta-prod5-lapalma_4LSTs_MAGIC_"
                            "desert-2158m_mono.simtel.zst")
    long_name.symlink_to(simtel_file("gamma_4lst.simtel.zst"))
    opts = RenderOptions(columns=1)
    out = tmp_path / "sheet.png"
    with Renderer(long_name, opts, sheet=True) as r:
        r.open()
        r.write(range(4), str(out))
        title = r._sheet_title(list(range(4)))
    image = QtGui.QImage(str(out))
    _, rows = sheet_grid(4, opts)
    header = image.height() - rows * opts.thumb_size[1]
    assert image.height() == sheet_size(4, opts, title)[1]
    assert header > SHEET_HEADER + 20  # the title took two lines or more
    arr = np.array([[QtGui.QColor(image.pixel(x, y)).lightness() for x in range(image.width())]
                    for y in range(header)])
    dark = arr < 100
    assert dark.sum() > 500  # the title is there
    assert not dark[:, -8:].any()  # and nothing of it runs into the right edge
