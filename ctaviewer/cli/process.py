"""``ctaviewer process INPUT... --output DIR``: DL1/DL2 files for many inputs in parallel.

Lines for the user go through ``logging`` (``-v``/``-q`` choose how many, see ``cli``); a
progress bar is drawn on stderr only when stdout and stderr are both terminals
(``cli.progress``). Ctrl-C stops the running jobs (their partial outputs are
removed) and exits with status 130 after one line; a second Ctrl-C quits at once.
"""

from __future__ import annotations

import glob
import json
import logging
import os

from ..errors import CtaviewerError, OutputError
from . import progress
from .progress import ProgressBar
from .source_options import add_selection_arguments, selection_from_args
from .stop_signals import StopRequests

logger = logging.getLogger(__name__)

EPILOG = """examples:
  ctaviewer process gamma.simtel.zst --output out/                 DL1 parameters
  ctaviewer process 'prod/*.simtel.zst' --output out/ --workers 8 --images
  ctaviewer process g.simtel.zst p.simtel.zst --output out/ --levels dl1,dl2 \\
      --estimators tables.h5
  ctaviewer process 'prod/*.simtel.zst' --output out/ --levels dl1,dl2,dl3 \\
      --estimators tables.h5 --site CTAO-South                    + DL3 in out/dl3/
"""


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="+",
                        help="input files or glob patterns (an existing file is taken as "
                        "named, even with * ? [ ] in its name; put -- before names that "
                        "start with -)")
    parser.add_argument("--literal", action="store_true",
                        help="take the inputs as file names, never as glob patterns")
    parser.add_argument("--output", "-o", required=True, help="output folder")
    parser.add_argument("--levels", default="dl1", help="comma list of dl1, dl2, dl3 (default dl1)")
    parser.add_argument("--images", action="store_true", help="write DL1 images")
    parser.add_argument("--true-images", action="store_true",
                        help="write true p.e. images (--images writes them too, as ctapipe "
                        "does)")
    parser.add_argument("--muons", action="store_true",
                        help="run the muon-ring analysis and write /dl1/event/telescope/muon "
                             "(ctapipe's --write-muon-parameters; settings in [muon] of --config)")
    parser.add_argument("--config", metavar="TOML", help="processing configuration file")
    parser.add_argument("--estimators", metavar="H5", help="lookup tables from `ctaviewer train`")
    parser.add_argument("--pattern", default="{stem}.{levels}.h5",
                        help="output name pattern: {stem} {name} {levels}")
    parser.add_argument("--workers", "-j", type=int, default=1,
                        help="worker processes (1: run in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--dl2-all-event-types", action="store_true",
                        help="DL2 rows for calibration events too (pedestal, flat field, ...: "
                        "never cleaned nor reconstructed, so their geometry is invalid); by "
                        "default only shower events get DL2 rows")
    parser.add_argument("--json", action="store_true", help="print a JSON summary last")
    add_selection_arguments(parser)
    add_dl3_arguments(parser.add_argument_group(
        "DL3 (with --levels ...,dl3: IRFs from the DL2 outputs)"))


def add_dl3_arguments(dl3) -> None:
    """The DL3 options (``batch.dl3.DL3Options``) of ``process`` and ``dl3``."""
    dl3.add_argument("--site", default="CTAO-South",
                     help="CTAO-North, CTAO-South or 'lat,lon,height' (default CTAO-South)")
    dl3.add_argument("--obs-start", default="2026-01-01T00:00:00", help="UTC start (ISO)")
    dl3.add_argument("--livetime", type=float, default=1800.0, help="seconds per observation")
    dl3.add_argument("--gammaness-cut", type=float, default=0.5, help="keep gammaness >= cut")
    dl3.add_argument("--point-like", action="store_true", help="point-like IRFs with RAD_MAX")
    dl3.add_argument("--theta-cut", type=float, default=0.2, help="point-like theta cut (deg)")
    dl3.add_argument("--observer", default="ctaviewer simulation",
                     help="OBSERVER keyword of the EVENTS headers")


def expand_inputs(patterns, literal: bool = False) -> list[str]:
    """Input paths: each argument that names an existing file (or, with ``literal``, every
    argument) as given; the others expanded as glob patterns."""
    out = []
    for p in patterns:
        if literal or not glob.has_magic(p) or os.path.lexists(p):
            out.append(p)
            continue
        matches = sorted(glob.glob(p))
        if not matches:
            raise CtaviewerError(f"{p}: no file matches this pattern (for a file whose name "
                                 "holds * ? or [ ], check the name or use --literal)")
        out.extend(matches)
    return out


def build_specs(args) -> list:
    """The jobs of ``args``; the output folder is created only once the levels, the
    configuration and the inputs are known to be valid."""
    from ..batch.job import make_specs

    levels = [s.strip().lower() for s in args.levels.split(",") if s.strip()]
    bad = [x for x in levels if x not in ("dl1", "dl2", "dl3")]
    if bad or not levels:
        raise CtaviewerError(f"--levels: unknown level(s) {bad}; use dl1, dl2, dl3")
    if "dl3" in levels:
        dl3_options(args)  # a bad --site or --obs-start says so before any processing
        levels = [x for x in levels if x != "dl3"]
        if "dl2" not in levels:
            levels.append("dl2")
    if "dl2" in levels and not args.estimators:
        logger.warning("warning: dl2 without --estimators: geometry only, no energy/gammaness")
    selection = selection_from_args(args)
    config = None
    if args.config:
        from ..config import ProcessingConfig

        config = ProcessingConfig.from_toml(args.config)
    inputs = expand_inputs(args.inputs, getattr(args, "literal", False))
    if selection.allowed_tels is not None and inputs:
        check_selection(inputs[0], selection)
    try:
        specs = make_specs(
            inputs, args.output,
            pattern=args.pattern, levels=levels,
            write_images=args.images, write_true_images=args.true_images,
            config=config, estimators=args.estimators, overwrite=args.overwrite,
            max_events=selection.max_events, allowed_tels=selection.allowed_tels,
            dl2_all_event_types=getattr(args, "dl2_all_event_types", False),
            write_muons=getattr(args, "muons", False),
        )
    except ValueError as exc:
        raise CtaviewerError(str(exc)) from None
    if not os.path.isdir(args.output):
        try:
            os.makedirs(args.output, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{args.output}: cannot create the output folder ({exc})") from None
    return specs


def check_selection(path: str, selection) -> None:
    """Raise ``errors.SelectionError`` at once when the telescopes asked for are not all in
    ``path`` (its run header is read; the other inputs are checked by their jobs)."""
    from ..io import open_source

    if not os.path.isfile(path):
        return  # its job says what is wrong with it
    try:
        source = open_source(path, allowed_tels=selection.allowed_tels)
    except CtaviewerError as exc:
        from ..errors import SelectionError

        if isinstance(exc, SelectionError):
            raise
        return  # an unreadable file fails as its job, with the others going on
    source.close()


def log(line: str) -> None:
    """One line for the user, at the level its wording says (warning:, FAILED, or info)."""
    if line.startswith("warning"):
        logger.warning(line)
    elif line.startswith(("FAILED", "error")):
        logger.error(line)
    else:
        logger.info(line)


class _FilesBar:
    """Files done (with the running files' share), events and the rate, as a progress bar
    (``cli.progress``)."""

    def __init__(self, n_files: int, enabled: bool):
        self.n_files = n_files
        self.progress = ProgressBar(n_files, enabled, desc=f"0/{n_files} files")

    def update(self, p) -> None:
        failed = f", {p.files_failed} failed" if p.files_failed else ""
        self.progress.update(
            round(p.fraction * self.n_files, 3),
            desc=f"{p.files_done + p.files_failed}/{p.n_files} files, {p.events_done} "
                 f"events, {p.events_per_s:.1f}/s{failed}", refresh=True)


def run(args) -> int:
    if args.workers > 1 and not args.scheduler:
        from ..batch.worker import start_worker_server

        start_worker_server()  # the workers' chain loads beside this process's start-up
    from ..batch.job import duplicate_obs_id_warnings, empty_output_warnings
    from ..batch.runner import BatchRunner
    from ..gc_policy import batch_gc

    specs = build_specs(args)
    runner = BatchRunner(specs, n_workers=args.workers, scheduler=args.scheduler,
                         in_process=args.workers == 1)
    bar = _FilesBar(len(specs), progress.wanted(args))
    runner.on_progress = bar.update
    with StopRequests() as interrupted, bar.progress.active(), batch_gc():
        # with one worker, this process runs the jobs itself (hence batch_gc here)
        results = runner.run(should_stop=interrupted)
    # one line and status 130 (143 for SIGTERM) from cli.main; nothing was left
    interrupted.raise_if_requested()
    failed = [r for r in results if not r.ok]
    empty = [r for r in results if r.ok and r.n_events == 0]
    for line in empty_output_warnings(empty):
        log(line)
    dl3 = None
    if "dl3" in args.levels.lower():
        dl3 = _make_dl3(args, [r.output for r in results if r.ok], log)
    n_events = sum(r.n_events for r in results)
    seconds = max((r.seconds for r in results), default=0.0)
    summary = {
        "files": len(results),
        "failed": len(failed),
        "events": n_events,
        "outputs": [r.output for r in results if r.ok],
        "empty_outputs": [r.output for r in empty],
        "errors": [r.error for r in failed if r.error],
        "max_job_seconds": seconds,
        "obs_id_warnings": duplicate_obs_id_warnings(results),  # logged by the runner too
        "dl3": dl3,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{len(results) - len(failed)}/{len(results)} files, {n_events} events")
    return 1 if failed else 0


def dl3_options(args):
    """``batch.dl3.DL3Options`` of the arguments ``add_dl3_arguments`` added (checked:
    ``ConfigError`` naming the option)."""
    from ..batch.dl3 import DL3Options

    return DL3Options(args.site, args.obs_start, args.livetime, args.gammaness_cut,
                      args.point_like, args.theta_cut, args.observer)


def _make_dl3(args, dl2_paths, log) -> dict | None:
    from ..batch.dl3 import write_dl3

    return write_dl3(dl3_options(args), dl2_paths, args.output, overwrite=args.overwrite,
                     log=log)
