"""``ctaviewer render``: events drawn headless by the application's views, to PNG/SVG/PDF."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib

import pytest

from ctaviewer.cli import main

from .conftest import ROOT, simtel

SMALL = "gamma_4lst_15nectarcam.simtel.zst"  # 1 event, 19 telescopes
BENCH = "gamma_70sst1m.simtel.zst"  # 31 events, 70 SST-1M


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's signature and IHDR chunk (checks both are valid)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    crc = struct.unpack(">I", data[29:33])[0]
    assert zlib.crc32(data[12:29]) == crc, "IHDR checksum"
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND", "PNG is complete"
    return struct.unpack(">II", data[16:24])


def pdf_pages(path) -> int:
    """Number of page objects of a PDF (``/Type /Page``, not ``/Pages``)."""
    data = open(path, "rb").read()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def distinct_colours(path, step=7) -> int:
    """Colours on a coarse grid of the image: a blank or one-colour render has very few."""
    from ctaviewer.app.qt import QtGui

    img = QtGui.QImage(str(path))
    assert not img.isNull()
    return len({img.pixel(x, y) for x in range(0, img.width(), step)
                for y in range(0, img.height(), step)})


def leftovers(folder, keep=()) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n not in keep)


def test_one_event_png_has_the_requested_size_and_content(tmp_path, capsys):
    out = tmp_path / "event.png"
    assert main(["render", str(simtel(SMALL)), "--out", str(out), "--size", "1000x640"]) == 0
    io = capsys.readouterr()
    assert io.out.strip() == str(out)
    assert "event 0" in io.err
    assert png_size(out) == (1000, 640)
    assert distinct_colours(out) > 60  # cameras, colour bar, array and sky, not blank panels
    assert leftovers(tmp_path) == ["event.png"]


def test_scale_draws_the_same_layout_at_higher_resolution(tmp_path):
    out = tmp_path / "hi.png"
    assert main(["render", str(simtel(SMALL)), "--tel", "1", "--quantity", "peak_time",
                 "--size", "1200x800", "--scale", "2", "--out", str(out)]) == 0
    assert png_size(out) == (1200, 800)
    assert distinct_colours(out) > 30


def test_event_id_and_telescope_to_svg(tmp_path, capsys):
    from PySide6 import QtSvg

    out = tmp_path / "tel.svg"
    assert main(["render", str(simtel(BENCH)), "--event-id", "1301", "--tel", "16",
                 "--out", str(out)]) == 0
    assert "event 19" in capsys.readouterr().err  # id 1301 is the twentieth event
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>")
    assert 'viewBox="0 0 1600 1000"' in text
    assert text.count("<path") > 1296  # every DigiCam pixel is a vector outline
    # plain SVG 1.1: views clipped to their panels, line widths without vector-effect
    assert "<clipPath" in text and "non-scaling-stroke" not in text
    assert QtSvg.QSvgRenderer(str(out)).isValid()


def test_all_events_to_a_multi_page_pdf(tmp_path):
    out = tmp_path / "pages.pdf"
    assert main(["render", str(simtel(BENCH)), "--all", "--max-events", "4",
                 "--out", str(out)]) == 0
    assert pdf_pages(out) == 4
    assert leftovers(tmp_path) == ["pages.pdf"]
    one = tmp_path / "one.pdf"
    assert main(["render", str(simtel(BENCH)), "--event", "-1", "--out", str(one)]) == 0
    assert pdf_pages(one) == 1


def test_contact_sheet_png_is_a_grid_of_thumbnails(tmp_path):
    from ctaviewer.app.render import SHEET_HEADER

    out = tmp_path / "sheet.png"
    assert main(["render", str(simtel(BENCH)), "--events", "0:4,10", "--columns", "3",
                 "--thumb", "300x250", "--out", str(out)]) == 0
    # 5 events in 3 columns: 2 rows of 300x250 cells under the title band
    assert png_size(out) == (3 * 300, SHEET_HEADER + 2 * 250)
    assert distinct_colours(out, step=5) > 60


def test_contact_sheet_of_every_event(tmp_path):
    from ctaviewer.app.render import RenderOptions, sheet_size

    out = tmp_path / "all.png"
    assert main(["render", str(simtel(BENCH)), "--all", "--out", str(out)]) == 0
    assert png_size(out) == sheet_size(31, RenderOptions())


def test_the_processing_configuration_is_applied(tmp_path, capsys):
    from ctaviewer.app.render import Renderer, RenderOptions
    from ctaviewer.config import ProcessingConfig

    def survivors(config):
        with Renderer(simtel(SMALL), RenderOptions(quantity="cleaning mask"), config) as r:
            r.open(0)
            return sum(int(t.mask.sum()) for t in r.session.result.tel.values())

    strict = ProcessingConfig.from_toml(
        "camera_overrides = {}\n[cleaning]\npicture_threshold = 1e6\nboundary_threshold = 1e5\n")
    assert survivors(None) > 100 and survivors(strict) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[cleaning]\npicture_thresh = 1\n")
    err = _fails([simtel(SMALL), "--config", bad, "--out", tmp_path / "x.png"], capsys)
    assert str(bad) in err and "picture_thresh" in err


def test_quantity_names_match_the_camera_view():
    from ctaviewer.app.models.quantities import QUANTITIES
    from ctaviewer.cli.render import QUANTITIES as CLI_QUANTITIES

    assert set(CLI_QUANTITIES.values()) <= set(QUANTITIES)


def _fails(args, capsys) -> str:
    assert main(["render", *map(str, args)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("ctaviewer: error: ")
    return err


def test_bad_input_is_one_line_naming_the_file_and_leaves_no_output(tmp_path, capsys):
    out = tmp_path / "x.png"
    missing = tmp_path / "missing.simtel.zst"
    assert str(missing) in _fails([missing, "--out", out], capsys)
    foreign = tmp_path / "notes.simtel.zst"
    foreign.write_text("not an EventIO file\n")
    err = _fails([foreign, "--out", out], capsys)
    assert str(foreign) in err and "no reader recognises" in err
    err = _fails([simtel(BENCH), "--event", "31", "--out", out], capsys)
    assert BENCH in err and "out of range" in err and "31 events" in err
    err = _fails([simtel(BENCH), "--events", "0:3,40", "--out", out], capsys)
    assert "event index 40 out of range" in err
    err = _fails([simtel(BENCH), "--event-id", "7", "--out", out], capsys)
    assert "no event with id 7" in err
    err = _fails([simtel(BENCH), "--quantity", "brightness", "--out", out], capsys)
    assert "brightness" in err and "charge" in err
    err = _fails([simtel(BENCH), "--tel", "71", "--out", out], capsys)
    assert "no telescope 71" in err
    assert leftovers(tmp_path) == ["notes.simtel.zst"]


def test_unwritable_output_is_refused_before_any_work(tmp_path, capsys):
    nowhere = tmp_path / "no" / "such" / "folder" / "x.png"
    err = _fails([simtel(SMALL), "--out", nowhere], capsys)
    assert str(nowhere) in err and "does not exist" in err
    err = _fails([simtel(SMALL), "--out", tmp_path], capsys)
    assert "is a folder" in err
    err = _fails([simtel(SMALL), "--out", tmp_path / "x.gif"], capsys)
    assert "x.gif" in err and ".png, .svg or .pdf" in err
    assert leftovers(tmp_path) == []


def test_a_failure_while_drawing_keeps_the_previous_output(tmp_path, capsys, monkeypatch):
    from ctaviewer.app import render
    from ctaviewer.errors import CtaviewerError

    out = tmp_path / "sheet.png"
    out.write_bytes(b"previous")
    calls = []

    def caption(self, painter, cell, index):
        calls.append(index)
        if len(calls) == 2:
            raise CtaviewerError(f"{self.path}: event {index}: simulated failure")

    monkeypatch.setattr(render.Renderer, "_caption", caption)
    err = _fails([simtel(BENCH), "--events", "0:4", "--out", out], capsys)
    assert "simulated failure" in err
    assert out.read_bytes() == b"previous"  # not replaced, not half-written
    assert leftovers(tmp_path) == ["sheet.png"]  # the temporary file is gone


def test_help_lists_every_option_with_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["render", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--out", "--event", "--event-id", "--all", "--events", "--max-events",
                   "--tel", "--quantity", "--sample", "--cmap", "--norm", "--no-hillas",
                   "--config", "--size", "--thumb", "--columns", "--scale"):
        assert option in text
    assert "examples:" in text and "sheet.pdf" in text and "--events 0:10" in text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "ctaviewer render" in capsys.readouterr().out


def test_command_runs_without_a_display(tmp_path):
    """The installed entry, no DISPLAY and no QT_QPA_PLATFORM: offscreen, quiet, a PNG."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "e.png"
    config = tmp_path / "c.toml"
    config.write_text("[cleaning]\npicture_threshold = 12.0\nboundary_threshold = 6.0\n")
    run = subprocess.run([sys.executable, "-m", "ctaviewer", "render", str(simtel(SMALL)),
                          "--config", str(config), "--out", str(out)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(out)
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]  # one summary line
    assert png_size(out) == (1600, 1000)


def test_a_long_event_header_wraps_and_is_laid_out_whole():
    """A single camera with an invalid reconstruction: the header's reason runs past one
    line on a narrow page; it wraps, and the page gives it the height it needs (it was cut
    at the page edge). One telescope is said in the singular."""
    from ctaviewer.app.render import Renderer, RenderOptions

    with Renderer(simtel("muons_chec.simtel.zst"),
                  RenderOptions(tel_id=1, size=(700, 600))) as r:
        r.open(0)
        r.go_to(3)
        header = r.view.header
        text = header.text()
        assert "1 telescope ·" in text and "reconstruction invalid" in text
        assert header.height() >= header.heightForWidth(header.width())
        assert header.heightForWidth(header.width()) > header.fontMetrics().height() * 1.5


def test_camera_quantity_of_the_monitoring_with_its_gain(tmp_path, capsys):
    """``--quantity pedestal_noise --gain low`` draws the file's low-gain noise, labelled
    with its unit and gain; an unknown quantity is a one-line error."""
    from ctaviewer.app.render import Renderer, RenderOptions

    path = simtel("calibration_7cameras.simtel.gz")
    out = tmp_path / "noise.png"
    assert main(["render", str(path), "--tel", "1", "--quantity", "pedestal_noise",
                 "--gain", "low", "--size", "600x400", "--out", str(out)]) == 0
    assert png_size(out) == (600, 400)
    opts = RenderOptions(quantity="pedestal noise", tel_id=1, gain="low", size=(600, 400))
    with Renderer(path, opts) as r:
        r.open()
        r.write([0], str(tmp_path / "again.png"))
        camera = r.view.camera
        noise = r.session.array_event.tel[1].pedestal_noise[1]
        assert (camera.item._values == noise.astype(float)).all()
        assert camera.colorbar.getAxis("right").labelText == "pedestal noise (ADC), low gain"
    assert main(["render", str(path), "--quantity", "pedestals", "--out",
                 str(tmp_path / "x.png")]) == 2
    assert "unknown quantity" in capsys.readouterr().err
