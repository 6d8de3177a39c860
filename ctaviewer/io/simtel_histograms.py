"""The run-end histograms of an indexed sim_telarray file, read by random access.

Iteration meets sim_telarray's Histograms object after the last event and keeps the
simulated-shower histogram from it; a reader that jumps to indexed events never gets there.
``run_histograms`` walks the top-level objects from the last indexed event to the Histograms
object of the run (only their headers, a few objects) and parses it.
"""

from __future__ import annotations

from ..errors import reader_error

_T_HISTOGRAMS = 100


def run_histograms(index) -> dict | None:
    """eventio's parse of the run's Histograms object (None where the index did not reach
    the end of the run: a truncated or damaged file)."""
    if index.run_end is None or len(index.event_offset) == 0:
        return None
    from eventio import EventIOFile

    start = int(index.event_offset[-1])
    try:
        with EventIOFile(index.raw_path) as f:
            f.next = None
            f._next_header_pos = start  # eventio 2.1/2.2 (as SimTelSource._read_at)
            for obj in f:
                if obj.header.type == _T_HISTOGRAMS:
                    return obj.parse()
                if int(f._next_header_pos) > index.run_end:
                    break
    except Exception as exc:
        raise reader_error(index.path, exc, offset=start) from None
    return None
