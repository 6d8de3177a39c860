"""``ctaviewer train --gammas ... --protons ... --output tables.h5``: lookup tables.

The report goes to stdout (or the summary as JSON with ``--json``); the passes, each file
read and the warnings are log messages on stderr, with a progress bar on a terminal
(``cli.progress``).
"""

from __future__ import annotations

import json
import logging

from . import progress
from .progress import ProgressBar

logger = logging.getLogger(__name__)

EPILOG = """examples:
  ctaviewer train --gammas gamma_*.simtel.zst --protons proton_*.simtel.zst -o tables.h5
"""


def add_arguments(parser) -> None:
    parser.add_argument("--gammas", nargs="+", required=True,
                        help="gamma simulation files (sim_telarray, or DL1 HDF5 from "
                             "`ctaviewer process`) or glob patterns")
    parser.add_argument("--protons", nargs="*", default=[],
                        help="proton simulation files (same formats) or glob patterns")
    parser.add_argument("--output", "-o", required=True, help="lookup-table file to write")
    parser.add_argument("--config", metavar="TOML", help="processing configuration file")
    parser.add_argument("--json", action="store_true", help="print the training summary as JSON")


def run(args) -> int:
    from ..config import ProcessingConfig
    from ..estimators.train import format_summary, run_training
    from ..gc_policy import batch_gc
    from .process import expand_inputs

    config = ProcessingConfig.from_toml(args.config) if args.config else None
    gammas, protons = expand_inputs(args.gammas), expand_inputs(args.protons)
    bar = ProgressBar(1.0, progress.wanted(args), desc="training")
    with bar.active(), batch_gc():
        summary = run_training(gammas, protons, args.output, config, progress=bar.update)
    if args.json:
        print(json.dumps(summary))
    else:
        lines, warnings = format_summary(summary, args.output)
        for line in lines:
            print(line)
        for warning in warnings:
            logger.warning("warning: %s", warning)
    return 0
