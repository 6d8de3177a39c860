"""The ``ctaviewer`` command.

``ctaviewer [FILE]`` opens the application (the built-in simulated array without FILE);
``ctaviewer COMMAND ...`` runs a headless subcommand. Each subcommand lives in its own module
of this package with ``add_arguments(parser)`` and ``run(args) -> int``; add new ones to
``COMMANDS``. Errors print one line on stderr and exit non-zero; no traceback reaches users.

Messages for the user go through ``logging`` (a logger per module under ``ctaviewer``),
printed on stderr as plain lines; Python warnings (a truncated file, an unknown camera)
become ``warning: ...`` lines of the same loggers. Every subcommand, and the application,
takes ``-v/--verbose`` (debug detail too, e.g. worker processes starting and ending) and
``-q/--quiet`` (warnings and errors only, no progress bar). What scripts read stays on
stdout (JSON, paths, reports) whatever the level. Long commands draw a progress bar on a
terminal only (``cli.progress``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import threading
import warnings

from .._version import __version__
from ..errors import CtaviewerError, Terminated
from .stop_signals import terminate_as_interrupt

logger = logging.getLogger(__name__)

#: subcommand name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("ctaviewer.cli.info", "describe a file: subarray, events, simulation, data kind"),
    "process": ("ctaviewer.cli.process", "process files to DL1/DL2 HDF5 in parallel"),
    "train": ("ctaviewer.cli.train", "train energy and gammaness lookup tables"),
    "render": ("ctaviewer.cli.render", "draw events to PNG, SVG or PDF without a display"),
    "dl3": ("ctaviewer.cli.dl3", "a GADF DL3 folder (events and IRFs) from DL2 files"),
    "performance": ("ctaviewer.cli.performance",
                    "angular/energy resolution, effective area plots and tables of DL2 files"),
}

EPILOG = """examples:
  ctaviewer                                  open the built-in simulated array
  ctaviewer gamma.simtel.zst --event 3       open a file at its fourth event
  ctaviewer gamma.simtel.zst --allowed-tels LST_LST_LSTCam --max-events 10
                                             the LSTs of the first 10 events with one
  ctaviewer info gamma.simtel.zst --json     describe a file as JSON
  ctaviewer render gamma.simtel.zst --event 3 --out event.png
                                             draw an event headless (also .svg, .pdf)
  ctaviewer render gamma.simtel.zst --all --out sheet.pdf
                                             one event per page (.png: a contact sheet)
  ctaviewer process 'prod/*.simtel.zst' -o out/ -j 2
                                             DL1 HDF5 for many files in parallel
  ctaviewer train --gammas 'gamma_*.simtel.zst' --protons 'proton_*.simtel.zst' -o tables.h5
                                             energy and gammaness lookup tables
  ctaviewer dl3 'out/*.dl1_dl2.h5' -o out/dl3 --site CTAO-North
                                             DL3 for gammapy from DL2 files (ours or ctapipe's)
  ctaviewer performance 'out/dl2/*.h5' --out perf/
                                             pyirf performance plots (PNG, SVG) and tables
"""


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ctaviewer",
        description="View and process Cherenkov-telescope array data. "
        "Subcommands: " + ", ".join(COMMANDS) + " (ctaviewer COMMAND --help).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", help="file to open (default: built-in simulated array)")
    p.add_argument("--event", type=int, default=0, metavar="N", help="event index to show first")
    p.add_argument("--config", metavar="TOML", help="processing configuration to load")
    from .source_options import add_selection_arguments

    add_selection_arguments(p)
    p.add_argument(
        "--png",
        metavar="PATH",
        help="render the event to PNG and exit instead of opening a window "
        "(done automatically when there is no display)",
    )
    p.add_argument("--version", action="version", version=f"ctaviewer {__version__}")
    _add_verbosity(p)
    return p


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("messages").add_mutually_exclusive_group()
    group.add_argument("--verbose", "-v", action="store_true",
                       help="more detail on stderr (debug messages: each file started, "
                            "worker processes)")
    group.add_argument("--quiet", "-q", action="store_true",
                       help="only warnings and errors on stderr, no progress bar")


def _command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module_name, help_ = COMMANDS[name]
    module = importlib.import_module(module_name)
    p = argparse.ArgumentParser(
        prog=f"ctaviewer {name}",
        description=help_,
        epilog=getattr(module, "EPILOG", None),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(p)
    _add_verbosity(p)
    return p, module


class _StderrHandler(logging.StreamHandler):
    """Plain lines on the current ``sys.stderr`` (looked up at each line, so a test's
    capture or a redirection made later is followed)."""

    def __init__(self):
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record):
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Lines of the ``ctaviewer`` loggers on stderr: INFO and above by default, DEBUG with
    ``verbose``, WARNING and above with ``quiet``."""
    root = logging.getLogger("ctaviewer")
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    root.addHandler(_StderrHandler())
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Python warnings as one ``warning: ...`` line (never the source line)."""
    logger.warning("warning: %s", message)


def _sweep_stale_copies() -> threading.Thread:
    """Remove the decompressed temporary copies that killed ctaviewer processes left behind
    (in a background thread: importing the readers costs ~0.4 s of start-up). The caller
    joins it before the interpreter exits: a thread still importing extension modules while
    the interpreter shuts down can crash it (SIGSEGV after a quick error exit)."""
    # imported here, not in the thread: the thread must import nothing (see stale_files)
    from ..stale_files import sweep_stale_temp_dirs

    def sweep():
        try:
            sweep_stale_temp_dirs()
        except Exception:  # a sweep that cannot run leaves the copies for the next start
            logging.getLogger(__name__).debug("stale temporary copies not swept", exc_info=True)

    thread = threading.Thread(target=sweep, name="ctaviewer-sweep", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _show_warning
    sweeper = _sweep_stale_copies()
    try:
        if argv and argv[0] in COMMANDS:
            parser, module = _command_parser(argv[0])
            args = parser.parse_args(argv[1:])
            configure_logging(args.verbose, args.quiet)
            terminate_as_interrupt()
            return int(module.run(args) or 0)
        args = _gui_parser().parse_args(argv)
        configure_logging(args.verbose, args.quiet)
        from .gui import run as run_gui

        return int(run_gui(args) or 0)
    except CtaviewerError as exc:
        print(f"ctaviewer: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("ctaviewer: terminated (SIGTERM); outputs not finished were removed",
              file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("ctaviewer: interrupted", file=sys.stderr)
        return 130
    finally:
        _join_loaders(sweeper)


#: background threads that import or compile (numba) and must not outlive the interpreter
_LOADER_THREADS = ("ctaviewer-sweep", "ctaviewer-warm-up", "ctaviewer-lookup-kernel")


def _join_loaders(sweeper: threading.Thread) -> None:
    """Wait for the start-up sweep and any kernel loader still running before returning."""
    sweeper.join(timeout=30)
    for thread in threading.enumerate():
        if thread.name in _LOADER_THREADS and thread is not threading.current_thread():
            thread.join(timeout=30)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
