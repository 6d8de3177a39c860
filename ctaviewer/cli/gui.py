"""``ctaviewer [FILE]``: open the application, or render a PNG where there is no display."""

from __future__ import annotations

import logging
import os
import tempfile

logger = logging.getLogger(__name__)


def display_available() -> bool:
    """True when Qt can open a window (an X or Wayland display, or a platform chosen)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def start_reading_early(path) -> None:
    """Start the helper process that will read ``path`` now, so that its imports (eventio,
    numba: ~1 s) run while this process imports Qt and builds the window."""
    from ..service import simtel_helper

    if simtel_helper.serves(path):
        simtel_helper.start_helper()


def run(args) -> int:
    from ..dl3.index import opens_in_dl3_browser
    from ..io import check_input_path
    from .source_options import selection_from_args

    selection = selection_from_args(args)  # a clear error before any window opens
    dl3 = args.file is not None and opens_in_dl3_browser(args.file)
    if args.file is not None and not dl3:
        check_input_path(args.file)
    if dl3 and (args.png or not display_available()):
        out = args.png or os.path.join(tempfile.gettempdir(), "ctaviewer-dl3.png")
        if not args.png:
            logger.warning("ctaviewer: no display found (DISPLAY and WAYLAND_DISPLAY unset); "
                           "rendering the DL3 browser to a PNG instead.")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ..app.dl3.window import render_dl3_png

        print(render_dl3_png(args.file, out))
        return 0
    if args.png or not display_available():
        out = args.png or os.path.join(tempfile.gettempdir(), "ctaviewer-event.png")
        if not args.png:
            logger.warning("ctaviewer: no display found (DISPLAY and WAYLAND_DISPLAY unset); "
                           "rendering the event to a PNG instead.")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ..app.render import render_event_png

        path = render_event_png(args.file, args.event, out, config_path=args.config,
                                selection=selection)
        print(path)
        return 0
    start_reading_early(args.file)
    from ..app.main import run_app

    return run_app(args.file, event_index=args.event, config_path=args.config,
                   selection=selection)
