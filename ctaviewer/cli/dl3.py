"""``ctaviewer dl3 DL2_FILE... --output DIR``: a GADF DL3 folder (EVENTS, GTI, POINTING and
pyirf IRFs per observation, hdu-index and obs-index) from DL2 files already written — ours
or ctapipe's (``ctapipe-process`` with ``ctapipe-apply-models``: the reconstruction, energy
and classification tables are found by what each file holds).

The same as ``ctaviewer process ... --levels dl1,dl2,dl3`` without processing again: the
simulated runs get a site, a start time and a livetime (``--site``, ``--obs-start``,
``--livetime``); the gammaness cut selects the events. What was done goes to stderr as
lines (to stdout as JSON with ``--json``); the folder is written whole or not at all.
"""

from __future__ import annotations

import json
import os

from ..errors import CtaviewerError
from .process import add_dl3_arguments, dl3_options, expand_inputs, log

EPILOG = """examples:
  ctaviewer dl3 'out/*.dl1_dl2.h5' -o out/dl3 --site CTAO-South
  ctaviewer dl3 gamma.dl2.h5 proton.dl2.h5 -o dl3/ --point-like --theta-cut 0.2
  ctaviewer dl3 ctapipe_gamma.h5 ctapipe_proton.h5 -o dl3/ --gammaness-cut 0.7
"""


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="+",
                        help="DL2 HDF5 files (ours or ctapipe's) or glob patterns; at least "
                             "one of simulated gammas")
    parser.add_argument("--literal", action="store_true",
                        help="take the inputs as file names, never as glob patterns")
    parser.add_argument("--output", "-o", required=True, help="the DL3 folder to write")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the files of an existing DL3 folder")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")
    add_dl3_arguments(parser.add_argument_group("observations and IRFs"))


def run(args) -> int:
    from ..batch.dl3 import write_dl3

    options = dl3_options(args)  # a bad option says so before any file is read
    inputs = expand_inputs(args.inputs, args.literal)
    missing = [p for p in inputs if not os.path.isfile(p)]
    if missing:
        raise CtaviewerError(f"{missing[0]}: no such file")
    out = os.path.abspath(args.output)
    parent = os.path.dirname(out)
    if not os.path.isdir(parent):
        raise CtaviewerError(f"{args.output}: cannot write DL3 there: the folder {parent} "
                             "does not exist")
    info = write_dl3(options, inputs, out, overwrite=args.overwrite, log=log, folder=out)
    if args.json:
        print(json.dumps(info, default=str))
    return 0
