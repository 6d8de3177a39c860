"""Cost of the expression language: the event-list filter over many rows, the quality query on
one telescope's parameters, and checking (parsing) the longest expression allowed.

    python benchmarks/expressions.py [--rows N] [--repeat N]

``filter_ms`` is the best time to filter N event rows (dicts, as the event list holds them)
with a typical and with the most expensive expression accepted (MAX_NODES terms), both
evaluated over the whole list with numpy. ``quality_us`` is the median time of one call of
the default quality query on one parameter dict (the pipeline calls it once per telescope).
``check_ms`` is the time to check an expression of MAX_LENGTH characters. The rows are
random numbers (no file is read): the cost depends on the row count and the expression
only. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def best_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return min(times)


def largest(term: str, joint: str, make):
    """The expression of the most copies of ``term`` that ``make`` accepts (the limits of
    length and size)."""
    from ctaviewer.errors import ExpressionError

    best = make(term)
    for k in range(2, 2000):
        try:
            best = make(joint.join([term] * k))
        except ExpressionError:
            return best
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from ctaviewer.app.models.event_filter import EventFilter
    from ctaviewer.config import QualityConfig
    from ctaviewer.expressions import MAX_NODES, Expression
    from ctaviewer.reco import QualityQuery
    from ctaviewer.results import IMAGE_PARAMETER_NAMES, empty_parameters

    rng = np.random.default_rng(1)
    n = args.rows
    rows = [{"index": i, "event_id": 100 * i, "energy": float(e), "n_tel": int(t)}
            for i, (e, t) in enumerate(zip(rng.lognormal(0, 1, n), rng.integers(1, 20, n)))]
    for i in range(0, n, 3):  # a third of the events processed
        rows[i].update(n_tel_reco=rows[i]["n_tel"], reco_alt=70.0, reco_az=1.0,
                       reco_energy=rows[i]["energy"])
    typical = EventFilter("n_tel >= 4 and energy > 1 or reco_alt < 60")
    expensive = largest("(energy * 2 + n_tel > 1)", " and ", EventFilter)
    n_terms = expensive.text.count(" and ") + 1
    kept = int(typical.mask(rows).sum())

    query = QualityQuery(QualityConfig().query, IMAGE_PARAMETER_NAMES)
    params = empty_parameters()
    params.update(hillas_intensity=80.0, leakage_intensity_width_2=0.1, hillas_width=0.05)
    calls = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for _ in range(10_000):
            query(params)
        calls.append(1e6 * (time.perf_counter() - t0) / 10_000)

    longest = largest("abs(hillas_psi) > 80", " or ",
                      lambda t: Expression(t, IMAGE_PARAMETER_NAMES)).text
    result = {
        "rows": n,
        "rows_kept_typical": kept,
        "filter_ms_typical": best_ms(lambda: typical.mask(rows), args.repeat),
        "filter_ms_expensive": best_ms(lambda: expensive.mask(rows), args.repeat),
        "expensive_terms": n_terms,
        "quality_us": statistics.median(calls),
        "check_ms": best_ms(lambda: Expression(longest, IMAGE_PARAMETER_NAMES), args.repeat),
        "check_length": len(longest),
        "max_nodes": MAX_NODES,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
