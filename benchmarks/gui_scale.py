"""The window on a production-size file: first event, responsiveness, jumps, memory.

    python benchmarks/gui_scale.py FILE      # e.g. the file benchmarks/make_production.py makes

Opens FILE in the main window (offscreen unless QT_QPA_PLATFORM says otherwise; run it
under ``xvfb-run`` too) with the reading helper already started, as after start-up, and
measures:

- ``gui_first_event_s``: from asking to open to the first event drawn;
- ``gui_max_block_ms``: the longest gap of a 5 ms QTimer heartbeat from asking to open until
  the file is indexed to its end (the longest time the GUI thread did not answer);
- ``gui_jump_1000_s``: asking for event index 1000 right after the first event shows, until
  it is drawn (when the index has not reached it yet: as soon as it does, then read);
- ``gui_index_s``: from asking to open until the index is complete;
- ``gui_rss_mb_start`` / ``gui_rss_mb_end``: resident memory of the window's process after
  the first event, and after stepping through every event (each one drawn; the helper
  process is not counted).

The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.simplefilter("ignore")

JUMP_TO = 1000
TIMEOUT_S = 300.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def indexing(session) -> bool:
    """Whether the open file is still being indexed (False on versions that index it whole
    before showing anything)."""
    return bool(getattr(session, "indexing", False)) or session.opening


def main(path: str) -> dict:
    from ctaviewer.app.main import make_application
    from ctaviewer.app.main_window import MainWindow
    from ctaviewer.app.qt import QtCore

    app = make_application()
    window = MainWindow(restore=False)
    window.resize(1600, 1000)
    window.show()
    s = window.session

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)

    def wait(cond, what: str) -> float:
        t0 = time.perf_counter()
        while not cond():
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)
            if time.perf_counter() - t0 > TIMEOUT_S:
                raise TimeoutError(f"waiting for {what}")
        return time.perf_counter()

    def drawn() -> None:
        app.processEvents()
        window.repaint()

    pump(3.0)  # the helper process starts while the window is built, as at start-up

    gaps, last = [], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QtCore.QTimer(interval=5)
    timer.timeout.connect(beat)
    timer.start()
    t_open = last[0] = time.perf_counter()
    window.open_path(path)
    wait(lambda: s.array_event is not None, "the first event")
    drawn()
    first_s = time.perf_counter() - t_open
    rss_start = rss_mb()
    n_first = s.n_events

    t_jump = time.perf_counter()
    s.go_to(JUMP_TO)
    wait(lambda: s.event_index == JUMP_TO, f"event {JUMP_TO}")
    drawn()
    jump_s = time.perf_counter() - t_jump
    wait(lambda: not indexing(s), "the end of indexing")
    index_s = time.perf_counter() - t_open
    timer.stop()
    max_block_ms = 1e3 * max(gaps)
    print(f"first event after {first_s:.2f} s ({n_first} events indexed then); event "
          f"{JUMP_TO} {jump_s:.3f} s after asking; indexed after {index_s:.2f} s; longest "
          f"GUI block {max_block_ms:.0f} ms over {len(gaps)} beats", flush=True)

    n = s.n_events
    t0 = time.perf_counter()
    for i in range(n):
        s.go_to(i)
        wait(lambda i=i: s.event_index == i, f"event {i}")
        drawn()
    step_s = time.perf_counter() - t0
    pump(1.0)
    rss_end = rss_mb()
    print(f"stepped through {n} events in {step_s:.1f} s; RSS {rss_start:.0f} -> "
          f"{rss_end:.0f} MB", flush=True)
    window.close()
    window.deleteLater()
    app.processEvents()
    return {
        "gui_first_event_s": round(first_s, 3),
        "gui_max_block_ms": round(max_block_ms, 1),
        "gui_jump_1000_s": round(jump_s, 3),
        "gui_index_s": round(index_s, 2),
        "gui_rss_mb_start": round(rss_start, 1),
        "gui_rss_mb_end": round(rss_end, 1),
        "n_events": n,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(main(sys.argv[1])))
