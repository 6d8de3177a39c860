"""``ctaviewer train --gammas ... --protons ... --output tables.h5``: lookup tables."""

from __future__ import annotations

import json
import sys

EPILOG = """examples:
  ctaviewer train --gammas gamma_*.simtel.zst --protons proton_*.simtel.zst -o tables.h5
"""


def add_arguments(parser) -> None:
    parser.add_argument("--gammas", nargs="+", required=True, help="gamma simulation files")
    parser.add_argument("--protons", nargs="*", default=[], help="proton simulation files")
    parser.add_argument("--output", "-o", required=True, help="lookup-table file to write")
    parser.add_argument("--config", metavar="TOML", help="processing configuration file")
    parser.add_argument("--json", action="store_true", help="print the training summary as JSON")


def run(args) -> int:
    from ..config import ProcessingConfig
    from ..estimators.train import train
    from .process import expand_inputs

    config = ProcessingConfig.from_toml(args.config) if args.config else None
    def log(line: str) -> None:
        print(line, file=sys.stderr)

    model = train(expand_inputs(args.gammas), expand_inputs(args.protons), config, log=log)
    model.save(args.output)
    summary = model.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        ev, im = summary["events"], summary["images"]
        print(f"trained on {ev['gamma']} gamma events ({im['gamma']} images) and "
              f"{ev['proton']} proton events ({im['proton']} images) -> {args.output}")
        for name, t in summary["telescope_types"].items():
            print(f"  {name}: {t['images']} images in {t['filled_bins']}/{t['bins']} bins, "
                  f"at most {t['max_per_bin']} per bin")
        if ev["gamma"] < 1000 or ev["proton"] < 1000:
            print("  warning: very few training events: tables are sparse, many events "
                  "will get NaN energy/gammaness", file=sys.stderr)
    return 0
