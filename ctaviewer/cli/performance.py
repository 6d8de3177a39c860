"""``ctaviewer performance DL2_FILES... --out DIR``: performance plots and tables.

Angular resolution, energy bias and resolution, effective area after cuts, gammaness and θ²
distributions and the energy migration of simulated DL2 files (ours or ctapipe's), computed
by pyirf (``performance.benchmarks``), written to DIR as one ECSV table each and one PNG and
SVG plot each, drawn offscreen by the application's plot code (no display needed). Gammas
and protons are told apart by their simulated primary. Every file is written under a
temporary name and renamed when complete; the paths are printed on stdout.
"""

from __future__ import annotations

import logging
import os
import time

from ..errors import CtaviewerError, OutputError

logger = logging.getLogger(__name__)

EPILOG = """examples:
  ctaviewer performance 'out/dl2/*.h5' --out perf/
  ctaviewer performance gamma.h5 proton.h5 --out perf/ --gammaness-min 0.7 --theta-max 0.2
  ctaviewer performance 'out/dl2/*.h5' --out perf/ --multiplicity-min 3 --intensity-min 100

Writes angular_resolution, energy_resolution, energy_bias, effective_area, gammaness,
theta2 and migration as .png and .svg, and the tables behind them as .ecsv (one per energy
axis for the resolution tables). Cuts: no gammaness or theta cut unless given; at least 2
telescopes (with images of at least --intensity-min p.e.).
"""


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="DL2_FILE",
                        help="DL2 HDF5 files of simulated gammas (and protons) or glob "
                             "patterns, from ctaviewer process --levels dl1,dl2 or "
                             "ctapipe-process")
    parser.add_argument("--out", "-o", required=True, metavar="DIR",
                        help="output folder (made if missing)")
    parser.add_argument("--literal", action="store_true",
                        help="take every DL2_FILE as a file name, never as a glob pattern")
    cuts = parser.add_argument_group("cuts")
    cuts.add_argument("--gammaness-min", type=float, metavar="G",
                      help="keep events of gammaness >= G (default: no cut)")
    cuts.add_argument("--theta-max", type=float, metavar="DEG",
                      help="keep events within DEG of the true direction (default: no cut)")
    cuts.add_argument("--multiplicity-min", type=int, default=2, metavar="N",
                      help="at least N telescopes in the reconstruction (default 2)")
    cuts.add_argument("--intensity-min", type=float, default=0.0, metavar="PE",
                      help="count only telescopes whose image has at least PE p.e. "
                           "(default 0)")
    more = parser.add_argument_group("computation")
    more.add_argument("--bins-per-decade", type=int, default=5, metavar="B",
                      help="energy bins per decade (default 5)")
    more.add_argument("--bootstrap", type=int, default=50, metavar="K",
                      help="bootstrap resamplings for the resolution error bars (default 50)")
    more.add_argument("--formats", default="png,svg", metavar="LIST",
                      help="plot formats, comma-separated: png, svg (default both); "
                           "'none' writes the tables only")


def _formats(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "none":
        return ()
    formats = tuple(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in ("png", "svg")]
    if bad or not formats:
        raise CtaviewerError(f"--formats {text!r}: use png, svg, both (png,svg) or none")
    return formats


def _output_folder(path: str) -> str:
    if os.path.exists(path) and not os.path.isdir(path):
        raise OutputError(f"{path}: is a file; --out names a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot make the output folder ({exc.strerror or exc})") \
            from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in it (permission denied)")
    return path


def run(args) -> int:
    from ..performance.benchmarks import Options, compute
    from ..performance.cuts import Cuts
    from ..performance.plots import make_plots
    from ..performance.report import write_tables
    from ..performance.sample import Sample
    from .process import expand_inputs

    t0 = time.perf_counter()
    formats = _formats(args.formats)
    cuts = Cuts(gammaness_min=args.gammaness_min, theta_max_deg=args.theta_max,
                multiplicity_min=args.multiplicity_min, intensity_min=args.intensity_min)
    if not 1 <= args.bins_per_decade <= 50:
        raise CtaviewerError(f"--bins-per-decade {args.bins_per_decade}: use 1 to 50")
    if args.bootstrap < 0:
        raise CtaviewerError(f"--bootstrap {args.bootstrap}: 0 or more")
    paths = expand_inputs(args.files, literal=args.literal)
    sample = Sample.load(paths, log=logger.debug)
    if not sample.is_gamma.any():
        raise CtaviewerError("no simulated gammas (primary id 0) in "
                             + ", ".join(paths) + ": the performance plots need gammas")
    result = compute(sample, cuts, Options(bins_per_decade=args.bins_per_decade,
                                           n_bootstrap=args.bootstrap))
    if not result.setups:
        raise CtaviewerError("no gamma file has simulated-event information (the "
                             "simulation run header, /configuration/simulation/run): "
                             "the effective area cannot be normalised")
    folder = _output_folder(args.out)
    for note in result.notes:
        logger.warning("warning: %s", note)
    logger.info("ctaviewer performance: %s; cuts: %s", result.statistics_note(),
                cuts.describe())
    written = write_tables(result, folder)
    if formats:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed, none used
        from ..app.main import make_application
        from ..app.performance.files import write_plots

        make_application()
        written += write_plots(make_plots(result), folder, formats)
    for path in written:
        print(path)
    logger.info(f"ctaviewer performance: {len(written)} files in {time.perf_counter() - t0:.1f} s")
    return 0
