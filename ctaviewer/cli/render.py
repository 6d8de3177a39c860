"""``ctaviewer render FILE --out OUT``: events drawn headless by the application's own views.

One event (``--event``, ``--event-id``) becomes a PNG, SVG or one-page PDF with the large camera
view, the telescope grid, the array and the sky views (or one camera, large, with ``--tel``).
Several events (``--all``, ``--events``) become a contact sheet of thumbnails (.png, .svg) or a
PDF with one event per page. Events are processed with the default or a ``--config``
configuration. Rendering runs offscreen (``QT_QPA_PLATFORM=offscreen`` unless set), so no
display is needed. The output is written under a temporary name and renamed when complete.
The output's path is printed on stdout; messages go to stderr through ``logging``, with a
progress bar over several events on a terminal (``cli.progress``).
"""

from __future__ import annotations

import logging
import os
import re
import time

from ..errors import CtaviewerError, OutputError
from . import progress
from .progress import ProgressBar
from .source_options import TELS_HELP

logger = logging.getLogger(__name__)

EPILOG = """examples:
  ctaviewer render gamma.simtel.zst --out event.png              first event, 1600×1000
  ctaviewer render gamma.simtel.zst --event 5 --out event.svg    sixth event, vector
  ctaviewer render gamma.simtel.zst --event-id 1301 --tel 16 --out tel16.png
  ctaviewer render gamma.simtel.zst --quantity peak_time --size 3200x2000 --scale 2 --out hi.png
  ctaviewer render gamma.simtel.zst --all --out sheet.pdf        one event per page
  ctaviewer render gamma.simtel.zst --all --out sheet.png        contact sheet of thumbnails
  ctaviewer render gamma.simtel.zst --events 0:10,20 --columns 4 --out sheet.png
  ctaviewer render gamma.simtel.zst --all --max-events 12 --config my.toml --out sheet.png

The output format follows the extension (.png, .svg, .pdf); an existing output is replaced.
Without --event/--event-id/--all/--events the first event is rendered (with --tel, the first
event that telescope saw). A sheet with more
than 100 events is cut to 100 unless --max-events says otherwise (PDF pages are not cut).
"""

#: --quantity names -> the camera view's quantity names
QUANTITIES = {
    "charge": "charge",
    "peak_time": "peak time",
    "mask": "cleaning mask",
    "true_pe": "true p.e.",
    "raw_sum": "raw sum",
    "sample": "waveform sample",
    "triggered": "triggered pixels",
    "true_minus_charge": "true p.e. − charge",
    "peak_time_cleaned": "peak time (cleaned)",
    # camera quantities from the file's monitoring and calibration (``--gain`` for the first
    # five)
    "pedestal": "pedestal",
    "pedestal_noise": "pedestal noise",
    "dc_to_pe": "dc→p.e.",
    "flat_field": "flat-field",
    "time_shift": "time shift",
    "selected_gain": "selected gain",
    "saturated": "saturated",
    "hv_disabled": "HV disabled",
    "no_readout": "no readout",
}
SHEET_LIMIT = 100


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text)
    if not m or int(m[1]) < 16 or int(m[2]) < 16 or int(m[1]) > 20000 or int(m[2]) > 20000:
        raise CtaviewerError(f"size {text!r}: give WIDTHxHEIGHT in pixels, e.g. 1600x1000 "
                             "(16 to 20000 each)")
    return int(m[1]), int(m[2])


def parse_events(spec: str) -> list:
    """``"0:10,15,-1"`` -> [slice(0, 10), 15, -1] (Python index and slice syntax)."""
    items = []
    for part in spec.split(","):
        part = part.strip()
        if re.fullmatch(r"-?\d+", part):
            items.append(int(part))
        elif re.fullmatch(r"(-?\d+)?:(-?\d+)?(:(-?\d+)?)?", part):
            bounds = [int(b) if b else None for b in part.split(":")]
            if len(bounds) == 3 and bounds[2] == 0:
                raise CtaviewerError(f"--events {spec!r}: a slice step cannot be zero")
            items.append(slice(*bounds))
        else:
            raise CtaviewerError(f"--events {spec!r}: use indices and slices such as "
                                 "0:10,15,20: (Python syntax, comma-separated)")
    return items


def resolve_events(items: list, n: int, path: str) -> list[int]:
    """Indices selected by ``parse_events`` items in a file of ``n`` events, in order."""
    out: list[int] = []
    for item in items:
        if isinstance(item, slice):
            out.extend(range(n)[item])
        else:
            if not -n <= item < n:
                raise CtaviewerError(f"{path}: event index {item} out of range "
                                     f"({n} events: 0–{n - 1})")
            out.append(item % n)
    return out


def _describe(indices: list[int]) -> str:
    """``indices`` in short: "event 3", "events 0-9", "12 events (0, 4, ...)"."""
    if len(indices) == 1:
        return f"event {indices[0]}"
    if indices == list(range(indices[0], indices[-1] + 1)):
        return f"events {indices[0]}-{indices[-1]}"
    head = ", ".join(map(str, indices[:3]))
    return f"{len(indices)} events ({head}{', ...' if len(indices) > 3 else ''})"


def add_arguments(parser) -> None:
    parser.add_argument("file", help="input file (sim_telarray .simtel, .simtel.gz, .simtel.zst)")
    parser.add_argument("--out", "-o", required=True, metavar="PATH",
                        help="output file: .png, .svg or .pdf (format from the extension)")
    which = parser.add_argument_group("which events (one of)")
    one = which.add_mutually_exclusive_group()
    one.add_argument("--event", type=int, metavar="N",
                     help="event index, 0-based (negative: from the end); default 0, or "
                     "with --tel the first event that telescope saw")
    one.add_argument("--event-id", type=int, metavar="ID", help="event by its event id")
    one.add_argument("--all", action="store_true",
                     help="every event: a contact sheet (.png/.svg) or one page each (.pdf)")
    one.add_argument("--events", metavar="SPEC",
                     help="indices and slices, e.g. 0:10 or 0:10,15,20: (like --all)")
    which.add_argument("--allowed-tels", metavar="TELS", help=TELS_HELP)
    which.add_argument("--max-events", type=int, metavar="M",
                       help=f"at most M events (sheets default to {SHEET_LIMIT})")
    look = parser.add_argument_group("what is drawn")
    look.add_argument("--tel", type=int, metavar="ID",
                      help="one telescope, large; with several events, those it saw")
    look.add_argument("--quantity", default="charge", metavar="NAME",
                      help="pixel values: " + ", ".join(QUANTITIES) + " (default charge)")
    look.add_argument("--gain", default="high", choices=("high", "low"),
                      help="gain of the per-gain camera quantities: pedestal, pedestal_noise, "
                      "dc_to_pe, flat_field, time_shift (default high)")
    look.add_argument("--sample", type=int, default=0, metavar="K",
                      help="waveform sample shown by --quantity sample (default 0)")
    look.add_argument("--cmap", default="viridis", metavar="NAME",
                      help="colour map: viridis, inferno, magma, plasma, cividis, CET-L1, CET-D1")
    look.add_argument("--norm", default="linear", metavar="SCALE",
                      help="colour scale: linear, log, symlog (default linear)")
    look.add_argument("--no-hillas", action="store_true", help="no Hillas ellipses")
    look.add_argument("--config", metavar="TOML", help="processing configuration to load")
    size = parser.add_argument_group("size")
    size.add_argument("--size", default="1600x1000", metavar="WxH",
                      help="one event or PDF page, in pixels (default 1600x1000)")
    size.add_argument("--thumb", default="480x400", metavar="WxH",
                      help="one contact-sheet cell, in pixels (default 480x400)")
    size.add_argument("--columns", type=int, metavar="C", help="contact-sheet columns")
    size.add_argument("--scale", type=float, default=1.0, metavar="S",
                      help="text and line scale, like a DPI factor: --size 3200x2000 --scale 2 "
                      "is the 1600x1000 layout at twice the resolution (default 1)")


def check_output(path: str) -> None:
    """Raise OutputError when ``path`` cannot be written (before any work is done)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a folder; give a file name such as "
                          f"{os.path.join(path, 'event.png')}")
    if not os.path.exists(folder):
        raise OutputError(f"{path}: output folder {folder} does not exist")
    if not os.path.isdir(folder):
        raise OutputError(f"{path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {folder} (permission denied)")


def run(args) -> int:
    from ..io import check_input_path

    t0 = time.perf_counter()
    check_input_path(args.file)
    if args.quantity not in QUANTITIES:
        raise CtaviewerError(f"--quantity {args.quantity!r}: unknown quantity; use one of "
                             + ", ".join(QUANTITIES))
    size, thumb = _size(args.size), _size(args.thumb)
    if not 0.25 <= args.scale <= 8:
        raise CtaviewerError(f"--scale {args.scale:g}: use a factor from 0.25 to 8")
    if args.columns is not None and args.columns < 1:
        raise CtaviewerError(f"--columns {args.columns}: must be at least 1")
    if args.max_events is not None and args.max_events < 1:
        raise CtaviewerError(f"--max-events {args.max_events}: must be at least 1")
    from ..io.selection import SourceSelection

    selection = SourceSelection.parse(args.allowed_tels, tels_field="--allowed-tels")
    items = parse_events(args.events) if args.events else None
    config = None
    if args.config:
        from ..config import ProcessingConfig

        try:
            config = ProcessingConfig.from_toml(args.config)
        except CtaviewerError as exc:
            if args.config in str(exc):
                raise
            raise CtaviewerError(f"{args.config}: {exc}") from None
    check_output(args.out)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed, none used
    from ..app.render import Renderer, RenderOptions, output_format

    fmt = output_format(args.out)
    several = bool(args.all or items)
    options = RenderOptions(
        quantity=QUANTITIES[args.quantity], tel_id=args.tel, size=size, thumb_size=thumb,
        columns=args.columns, scale=args.scale, cmap=args.cmap, norm=args.norm,
        sample=args.sample, hillas=not args.no_hillas, gain=args.gain)
    first = args.event if (args.event is not None and args.event >= 0) else 0
    with Renderer(args.file, options, config, sheet=several and fmt != "pdf",
                  selection=selection) as renderer:
        renderer.open(first)
        n = renderer.n_events
        if args.tel is not None and args.tel not in renderer.tel_ids:
            ids = renderer.tel_ids
            raise CtaviewerError(f"{args.file}: no telescope {args.tel} in this file "
                                 f"({len(ids)} telescopes, ids {min(ids)}–{max(ids)})")
        if several:
            indices = list(range(n)) if args.all else resolve_events(items, n, args.file)
            if args.tel is not None:
                seen = [i for i in indices if args.tel in renderer.tels_of(i)]
                if len(seen) < len(indices):
                    logger.warning(f"ctaviewer render: telescope {args.tel} has data in "
                                   f"{len(seen)} of the {len(indices)} selected events")
                indices = seen
            limit = args.max_events or (SHEET_LIMIT if fmt != "pdf" else None)
            if limit is not None and len(indices) > limit:
                if args.max_events is None:
                    logger.warning(f"ctaviewer render: {len(indices)} events selected; the "
                                   f"sheet shows the first {limit} (raise with --max-events)")
                indices = indices[:limit]
            if not indices:
                raise CtaviewerError(f"{args.file}: the selection holds no event")
        elif args.event_id is not None:
            indices = [renderer.index_of_event_id(args.event_id)]
        elif args.tel is not None and args.event is None:  # the first event it saw
            seen = next((i for i in range(n) if args.tel in renderer.tels_of(i)), None)
            if seen is None:
                raise CtaviewerError(f"{args.file}: telescope {args.tel} has data in none "
                                     f"of the {n} events")
            indices = [seen]
        else:
            indices = resolve_events([args.event or 0], n, args.file)
        logger.debug("%s: %d events; rendering %s to %s (%s)", args.file, n,
                      _describe(indices), args.out, fmt)
        bar = ProgressBar(len(indices), several and progress.wanted(args), desc="rendering",
                          bar_format="{desc} {n_fmt}/{total_fmt} events {percentage:3.0f}%|"
                                     "{bar}| [{elapsed}<{remaining}]")
        with bar.active():
            renderer.write(indices, args.out,
                           (lambda done, total: bar.update(done)) if bar.enabled else None)
    print(args.out)
    elapsed = time.perf_counter() - t0
    what = (f"{len(indices)} event{'s' if len(indices) != 1 else ''}" if several
            else f"event {indices[0]}")
    logger.info(f"ctaviewer render: {what} in {elapsed:.1f} s")
    return 0
