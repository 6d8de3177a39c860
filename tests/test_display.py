"""ctaviewer.display: ctapipe's CameraDisplay and ArrayDisplay interface, drawn by the
window's camera item — colours as the window gives them, norms, limits, overlays, picking,
PNG/SVG output, ctapipe-shaped inputs, clear errors."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from ctaviewer.errors import DisplayError
from ctaviewer.instrument import CameraGeometry

from .conftest import simtel

pytestmark = pytest.mark.gui

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def display(qtbot):
    """Factory of camera displays whose widgets are closed after the test."""
    from ctaviewer.display import CameraDisplay

    made = []

    def make(geometry, cls=CameraDisplay, **kwargs):
        d = cls(geometry, **kwargs)
        qtbot.addWidget(d.widget)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def _rendered_at_pixels(widget, item, pixels) -> np.ndarray:
    """RGB of the widget as drawn (``grab``) at the centres of ``pixels`` of ``item``."""
    from ctaviewer.app.qt import QtCore

    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    out = []
    for p in pixels:
        scene = item.mapToScene(QtCore.QPointF(item.geometry.pix_x[p], item.geometry.pix_y[p]))
        pos = widget.mapFromScene(scene)
        c = image.pixelColor(round(pos.x() * ratio), round(pos.y() * ratio))
        out.append((c.red(), c.green(), c.blue()))
    return np.array(out)


@pytest.fixture(scope="module")
def processed():
    """Event 0 of gamma_4lst processed by the default chain: (source, result, tel_id) of its
    brightest image."""
    from ctaviewer import open_source
    from ctaviewer.pipeline import Pipeline

    source = open_source(simtel("gamma_4lst.simtel.zst"))
    result = Pipeline(source.subarray).process(source[0])
    tel = max(result.tel, key=lambda t: np.nan_to_num(
        result.tel[t].parameters["hillas_intensity"], nan=-1))
    return source, result, tel


def test_importing_the_module_loads_no_qt():
    code = ("import sys, ctaviewer.display as d\n"
            "assert not any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules)\n"
            "assert sorted(dir(d)) == ['ArrayDisplay', 'CameraDisplay']\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_image_colours_are_the_windows(qtbot, display, processed):
    """The same image drawn by the window's camera view (min-max limits, linear, viridis)
    and by a CameraDisplay: the same colour at every pixel centre."""
    from ctaviewer.app.models.display import DisplaySettings
    from ctaviewer.app.models.session import SessionModel
    from ctaviewer.app.views.camera_view import CameraView

    session = SessionModel()
    settings = DisplaySettings()
    view = CameraView(session, settings)
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    session.open(simtel("gamma_4lst.simtel.zst"), synchronous=True)
    if not session.can_process:
        pytest.skip("processing chain not installed")
    session.process(synchronous=True)
    tel = session.selected_tel
    settings.update(quantity="charge", cmap="viridis", scale="linear", limit_mode="min-max",
                    show_hillas=False)
    view.refresh()
    image = session.tel_result(tel).image
    geom = view.item.geometry

    d = display(geom, image=image, cmap="viridis", norm="lin")
    d.show()
    qtbot.wait(50)
    status = session.array_event.tel[tel].pixel_status
    good = np.flatnonzero(status == 0) if status is not None else np.arange(geom.n_pixels)
    pixels = good[:: max(1, len(good) // 300)]
    window = _rendered_at_pixels(view.graphics, view.item, pixels)
    ours = _rendered_at_pixels(d.widget, d.pixels, pixels)
    np.testing.assert_array_equal(ours, window)
    # and those are the colour map's entries of the values between min and max
    lo, hi = np.nanmin(image), np.nanmax(image)
    k = np.clip(np.floor((image[pixels] - lo) / (hi - lo) * 256), 0, 255).astype(int)
    from ctaviewer.app import colors

    np.testing.assert_array_equal(ours, colors.lut("viridis")[k, :3])
    np.testing.assert_array_equal(d.colors_rgba()[pixels, :3], ours)
    assert d.limits == (pytest.approx(lo), pytest.approx(hi))


def _values_geometry(n: int) -> CameraGeometry:
    return CameraGeometry.from_positions("row", np.arange(n) * 0.05, np.zeros(n),
                                         shape="square")


def test_norm_log_and_symlog_and_a_normalisation_object(display):
    from ctaviewer.app import colors

    lut = colors.lut("inferno")
    grey = np.array([200, 200, 200, 255])
    d = display(_values_geometry(7), image=[1, 10, 100, 1000, 0, -5, np.nan], norm="log")
    # log10 from the smallest positive value (1) to the maximum (1000): thirds of the map
    rgba = d.colors_rgba()
    np.testing.assert_array_equal(rgba[:4], lut[[0, 85, 170, 255]])
    assert all((rgba[i] == grey).all() for i in (4, 5, 6))  # not positive, NaN: grey
    assert d.norm == "log"

    d.norm = "symlog"  # sign · log10(1 + |v|): -9, 0, 9, 99 -> -1, 0, 1, 2
    d.image = [-9, 0, 9, 99, np.nan, 0, 0]
    np.testing.assert_array_equal(d.colors_rgba()[:4], lut[[0, 85, 170, 255]])

    from matplotlib.colors import PowerNorm

    d.norm = PowerNorm(gamma=0.5)
    d.image = [0, 1, 4, 9, 16, 25, 100]
    expected = np.clip(np.floor(np.sqrt(np.array([0, 1, 4, 9, 16, 25, 100]) / 100) * 256),
                       0, 255).astype(int)
    np.testing.assert_array_equal(d.colors_rgba(), lut[expected])

    with pytest.raises(DisplayError, match="unknown norm 'cubic'"):
        d.norm = "cubic"
    with pytest.raises(ValueError, match="norm 42"):
        d.norm = 42


def test_set_limits_percent_and_minmax(display):
    d = display(_values_geometry(101), image=np.arange(101.0))
    assert d.autoscale and d.limits == (0.0, 100.0)
    d.set_limits_percent(80)  # ctapipe's meaning: min to 80 % of the way to the max
    assert d.limits == (0.0, 80.0) and not d.autoscale
    d.image = np.arange(101.0) * 3  # limits stay
    assert d.limits == (0.0, 80.0)
    assert (d.colors_rgba()[27:] == d.colors_rgba()[100]).all()  # 81 and up: the top colour
    d.set_limits_minmax(-10, 10)
    assert d.limits == (-10.0, 10.0)
    d.norm = "log"
    d.image = np.arange(101.0) - 10  # minimum not positive: 0.1 instead
    d.set_limits_percent(100)
    assert d.limits == pytest.approx((0.1, 90.0))
    with pytest.raises(DisplayError, match="finite"):
        d.set_limits_minmax(0, math.inf)


def test_overlay_moments_draws_the_ellipse_of_the_given_parameters(display, processed):
    source, result, tel = processed
    p = result.tel[tel].parameters
    d = display(source.subarray.tels[tel].camera.geometry, image=result.tel[tel].image)
    el = d.overlay_moments(p, color="cyan", n_sigma=1)
    x, y = p["camera_frame_hillas_x"], p["camera_frame_hillas_y"]
    length, width = p["camera_frame_hillas_length"], p["camera_frame_hillas_width"]
    psi = math.radians(p["camera_frame_hillas_psi"])
    assert el.centroid == (x, y)
    assert (el.length, el.width) == (2 * length, 2 * width)
    assert el.angle == pytest.approx(psi)
    ends = el.vertices()
    axis, minor = np.array([math.cos(psi), math.sin(psi)]), np.array([-math.sin(psi),
                                                                         math.cos(psi)])
    np.testing.assert_allclose(ends[0], [x, y] + length * axis, atol=1e-12)
    np.testing.assert_allclose(ends[1], [x, y] - length * axis, atol=1e-12)
    np.testing.assert_allclose(ends[2], [x, y] + width * minor, atol=1e-12)
    # ellipse, psi-uncertainty wedges and the label
    labels = [i for i in d.overlays if hasattr(i, "textItem")]
    assert len(labels) == 1 and f"({x:.2f} m, {y:.2f} m)" in labels[0].textItem.toPlainText()
    d.overlay_moments(p, with_label=False, psi_uncertainty=False)  # replaces the old ones
    assert len(d.overlays) == 1
    d.clear_overlays()
    assert d.overlays == [] and el.scene() is None

    # a ctapipe CameraHillasParametersContainer (duck-typed, astropy quantities)
    from astropy import units as u
    from astropy.coordinates import Angle

    container = type("CameraHillasParametersContainer", (), dict(
        x=x * u.m, y=y * u.m, length=length * u.m, width=width * u.m,
        psi=Angle(math.degrees(psi), u.deg), psi_uncertainty=Angle(1.0, u.deg),
        intensity=p["hillas_intensity"]))()
    el2 = d.overlay_moments(container, n_sigma=2)
    assert el2.centroid == pytest.approx((x, y))
    assert (el2.length, el2.width) == pytest.approx((4 * length, 4 * width))
    with pytest.raises(DisplayError, match="not in m"):
        d.overlay_moments(type("H", (), dict(fov_lon=1 * u.deg, fov_lat=1 * u.deg,
                                             length=1 * u.deg, width=1 * u.deg,
                                             psi=1 * u.deg))())
    el3 = d.add_ellipse((0.1, 0.2), 0.3, 0.1, 0.5, color="g", lw=3, ls="--")
    assert (el3.centroid, el3.length, el3.width, el3.angle) == ((0.1, 0.2), 0.3, 0.1, 0.5)
    assert el3.pen().widthF() == 3
    with pytest.raises(DisplayError, match="unknown style keyword"):
        d.add_ellipse((0, 0), 1, 1, 0, facecolour="r")


def test_highlight_pixels(display):
    geom = CameraGeometry.from_name("LSTCam")
    d = display(geom, image=np.arange(geom.n_pixels, dtype=float))
    mask = np.zeros(geom.n_pixels, bool)
    mask[[3, 50, 700]] = True
    d.highlight_pixels(mask, color="red", linewidth=2)
    assert d.highlight.pixels == [3, 50, 700]
    assert d.highlight.pen.color().getRgb()[:3] == (255, 0, 0)
    assert d.highlight.pen.widthF() == 2
    before = d.to_png()
    d.highlight_pixels([10, 11], color="g")
    assert d.highlight.pixels == [10, 11] and d.to_png() != before
    with pytest.raises(DisplayError, match="pixel id 5000 is outside"):
        d.highlight_pixels([5000])
    with pytest.raises(DisplayError, match="mask has shape"):
        d.highlight_pixels(np.ones(3, bool))


def test_pixel_picker_calls_on_pixel_clicked_with_the_clicked_pixel(qtbot, display):
    from ctaviewer.app.qt import QtCore
    from ctaviewer.display import CameraDisplay

    clicked = []

    class Picker(CameraDisplay):
        def on_pixel_clicked(self, pix_id):
            clicked.append(pix_id)

    geom = CameraGeometry.from_name("NectarCam")
    d = display(geom, cls=Picker, image=np.random.default_rng(1).random(geom.n_pixels))
    d.enable_pixel_picker()
    d.show()
    qtbot.wait(50)
    for pixel in (0, 911, 1854):
        scene = d.pixels.mapToScene(QtCore.QPointF(geom.pix_x[pixel], geom.pix_y[pixel]))
        qtbot.mouseClick(d.widget.viewport(), QtCore.Qt.LeftButton,
                         pos=d.widget.mapFromScene(scene))
        assert clicked[-1] == pixel
        assert d.active_pixel.pixels == [pixel]
        assert d.active_pixel_label.textItem.toPlainText() == f"{pixel:03d}"
    assert clicked == [0, 911, 1854]


def test_from_name_png_svg_and_inline_png(display, tmp_path):
    geom = CameraGeometry.from_name("CHEC")
    d = display(geom, image=np.linspace(0, 1, geom.n_pixels), cmap="hot", title="CHEC")
    d.add_colorbar(label="p.e.")
    with pytest.raises(DisplayError, match="already a colour bar"):
        d.add_colorbar()
    data = d._repr_png_()
    assert data[:8] == PNG
    width = int.from_bytes(data[16:20], "big")
    assert width == d.widget.width()
    png = d.savefig(tmp_path / "camera.png")
    assert open(png, "rb").read(8) == PNG
    svg = (tmp_path / "camera.svg")
    d.savefig(svg)
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert text.count("<path") >= geom.n_pixels  # every pixel a vector outline
    with pytest.raises(Exception, match="use .png, .svg or .pdf"):
        d.savefig(tmp_path / "camera.bmp")


def test_bad_input_says_what_is_wrong(display):
    geom = CameraGeometry.from_name("DigiCam")
    d = display(geom)
    with pytest.raises(DisplayError, match="shape \\(10,\\), but camera 'DigiCam' has 1296"):
        d.image = np.zeros(10)
    with pytest.raises(ValueError, match="unknown colour map 'no-such-map'"):
        d.cmap = "no-such-map"
    with pytest.raises(DisplayError, match="dtype <U1"):
        d.image = np.array(["a"] * geom.n_pixels)
    with pytest.raises(DisplayError, match="ax: a object cannot hold this display"):
        display(geom, ax=object())
    with pytest.raises(DisplayError, match="not a camera geometry"):
        display("NectarCam")
    d.cmap = "RdBu_r"  # matplotlib's, by name
    d.image = np.linspace(-1, 1, geom.n_pixels)
    assert d.cmap == "RdBu_r"


def test_a_ctapipe_geometry_is_accepted(display):
    """A stand-in with ctapipe's attributes (astropy quantities, camera rotation): drawn
    derotated, as ctapipe's own display does."""
    from astropy import units as u
    from astropy.coordinates import Angle

    ours = CameraGeometry.from_name("LSTCam", "prod3")  # camera rotation 100.9°
    rot = math.radians(ours.cam_rotation_deg)
    c, s = math.cos(-rot), math.sin(-rot)  # back to the file's frame
    raw_x, raw_y = c * ours.pix_x - s * ours.pix_y, s * ours.pix_x + c * ours.pix_y
    theirs = type("CameraGeometry", (), dict(
        name="LSTCam", pix_x=raw_x * u.m, pix_y=raw_y * u.m,
        pix_area=ours.pix_area * u.m**2, pix_type=type("P", (), {"value": "hexagon"})(),
        pix_rotation=Angle(0, u.deg), cam_rotation=Angle(-ours.cam_rotation_deg, u.deg)))()
    d = display(theirs, image=np.arange(ours.n_pixels, dtype=float))
    assert d.unit == "m"
    np.testing.assert_allclose(d.geom.pix_x, ours.pix_x, atol=1e-12)
    np.testing.assert_allclose(d.geom.pix_y, ours.pix_y, atol=1e-12)
    assert d.to_png()[:8] == PNG


def test_array_display(qtbot, tmp_path, processed):
    from ctaviewer.display import ArrayDisplay

    source, result, _ = processed
    sub = source.subarray
    a = ArrayDisplay(sub)
    qtbot.addWidget(a.widget)
    n = len(a.tel_ids)
    assert a.tel_ids == [int(t) for t in sub.tel_ids]
    values = np.array([result.tel[t].parameters["hillas_intensity"] if t in result.tel
                       else np.nan for t in a.tel_ids])
    a.values = values
    np.testing.assert_array_equal(a.values, values)
    with pytest.raises(DisplayError, match=f"the subarray has {n} telescopes"):
        a.values = np.zeros(n + 1)
    a.set_vector_uv(np.arange(n) * 10.0, 5.0)
    np.testing.assert_allclose(a.vectors.end - a.vectors.start,
                               np.stack([np.arange(n) * 10.0, np.full(n, 5.0)], axis=1))
    a.set_vector_rho_phi(100.0, 90.0)  # degrees (or an astropy angle)
    np.testing.assert_allclose(a.vectors.end - a.vectors.start, [[0.0, 100.0]] * n,
                               atol=1e-9)
    tel = a.tel_ids[0]
    a.set_line_hillas({tel: None}, {tel: 0.0}, range=50)
    np.testing.assert_allclose(a.lines.end - a.lines.start, [[100.0, 0.0]])
    a.add_labels()
    assert [lab.textItem.toPlainText() for lab in a.labels] == [str(t) for t in a.tel_ids]
    a.remove_labels()
    assert a.labels == []
    assert open(a.savefig(tmp_path / "array.png"), "rb").read(8) == PNG
    a.close()


def test_the_documentation_example_runs(tmp_path):
    """docs/examples/camera_display.py (ctapipe's hands-on: open, loop with max_events,
    image, ellipse, pick a pixel) runs as a script and writes its figures."""
    from .conftest import ROOT

    path = simtel("gamma_70sst1m.simtel.zst")
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "camera_display.py"), str(path),
         str(tmp_path)], capture_output=True, text=True, timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("event ") == 5  # max_events=5
    assert "pixel " in done.stdout and "waveform peaks at sample" in done.stdout
    for name in ("image.png", "image_hillas.png", "picked.png", "nectarcam.png", "array.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG, name
    assert "<svg" in (tmp_path / "image_hillas.svg").read_text()


def test_displays_in_a_layout_of_ones_own(qtbot, tmp_path):
    """``ax``: a pyqtgraph PlotItem of the script's own layout holds the display (and its
    colour bar, beside it); saving writes that layout."""
    from ctaviewer.app.display import application
    from ctaviewer.app.qt import pg
    from ctaviewer.display import CameraDisplay

    application()
    layout = pg.GraphicsLayoutWidget()
    qtbot.addWidget(layout)
    layout.resize(1000, 450)
    left, right = layout.addPlot(), layout.addPlot()
    lst, chec = CameraGeometry.from_name("LSTCam"), CameraGeometry.from_name("CHEC")
    a = CameraDisplay(lst, ax=left, image=np.arange(lst.n_pixels, dtype=float))
    b = CameraDisplay(chec, ax=right, image=np.ones(chec.n_pixels), norm="log")
    bar = b.add_colorbar()
    assert a.widget is layout and b.widget is layout and a.axes is left
    assert bar.parentItem() is right
    assert bar.getAxis("right").labelText == "log scale"
    assert open(a.savefig(tmp_path / "two.png"), "rb").read(8) == PNG
