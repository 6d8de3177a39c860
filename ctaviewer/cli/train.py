"""``ctaviewer train --gammas ... --protons ... --output tables.h5``: lookup tables."""

from __future__ import annotations

import json
import sys

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
    from ..batch.runner import batch_gc
    from ..config import ProcessingConfig
    from ..estimators.train import format_summary, run_training
    from .process import expand_inputs

    config = ProcessingConfig.from_toml(args.config) if args.config else None
    def log(line: str) -> None:
        print(line, file=sys.stderr)

    with batch_gc():
        summary = run_training(expand_inputs(args.gammas), expand_inputs(args.protons),
                               args.output, config, log=log)
    if args.json:
        print(json.dumps(summary))
    else:
        lines, warnings = format_summary(summary, args.output)
        for line in lines:
            print(line)
        for warning in warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    return 0
