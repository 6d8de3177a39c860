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
- ``gui_jump_indexed_s``: once the file is indexed, asking for event index 500 (never read
  before, so in no cache) until it is drawn;
- ``gui_index_s``: from asking to open until the index is complete;
- ``gui_rss_mb_start`` / ``gui_rss_mb_end``: resident memory of the window's process after
  the first event, and after stepping through every event (each one drawn; the helper
  process is not counted);
- ``gui_step_max_block_ms``: the longest heartbeat gap while stepping through every event
  (each "next event" asked from the event loop, as a key press does, and drawn);
- ``gui_full_repaint_ms``: the whole window repainted at once, as on an expose (median of
  5, outside the heartbeat measures: the window never does that on its own when an event
  changes, it paints what changed).

"Drawn" means: the window's pending drawing done (first drawings of a file and the
telescope grid's cells come over several event-loop turns) and painted.

``--where`` also samples the GUI thread's stack while it does not answer and prints, for
each block over 100 ms, how long the GUI thread was on the CPU meanwhile (the rest: other
threads holding the GIL, or other processes) and where it was (its innermost frames; in Qt
code, what the other threads ran); ``--no-step`` leaves out the stepping through every
event. ``load_1min`` is the machine's load average at the end.

The last line is one JSON object.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.simplefilter("ignore")

JUMP_TO = 1000
JUMP_INDEXED = 500  # an event never read before: not in any cache, nor read ahead
TIMEOUT_S = 300.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class BlockSampler:
    """Samples the GUI thread's stack every few ms while its heartbeat is late: where the
    long blocks are spent (``report``)."""

    LATE_S = 0.03

    def __init__(self, last_beat: list):
        self.last = last_beat
        self.gui = threading.get_ident()
        self.samples: dict[float, list] = collections.defaultdict(list)  # block start ->
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _where(frame, depth: int = 6) -> str:
        out = []
        while frame is not None and len(out) < depth:
            f = frame.f_code.co_filename
            out.append(f"{os.path.basename(f)}:{frame.f_code.co_name}:{frame.f_lineno}")
            frame = frame.f_back
        return " < ".join(out)

    def _run(self) -> None:
        while not self._stop.wait(0.004):
            start = self.last[0]
            if time.perf_counter() - start > self.LATE_S:
                frames = sys._current_frames()
                where = self._where(frames.get(self.gui))
                if where.startswith("gui_scale.py"):  # in Qt: what the other threads run
                    others = [self._where(f, 2) for t, f in frames.items()
                              if t not in (self.gui, threading.get_ident())]
                    where += " | others: " + "; ".join(
                        o for o in others if "wait" not in o and "select" not in o)
                self.samples[start].append(where)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, gaps_at: list, threshold_s: float = 0.1) -> None:
        for start, length, cpu in gaps_at:
            if length < threshold_s:
                continue
            counts = collections.Counter(self.samples.get(start, []))
            print(f"block of {1e3 * length:.0f} ms, GUI thread on the CPU {1e3 * cpu:.0f} ms "
                  f"({sum(counts.values())} samples):")
            for where, n in counts.most_common(6):
                print(f"  {n:3d}  {where}")


def indexing(session) -> bool:
    """Whether the open file is still being indexed (False on versions that index it whole
    before showing anything)."""
    return bool(getattr(session, "indexing", False)) or session.opening


def main(path: str, where: bool = False, step: bool = True) -> dict:
    from ctaviewer.app.main import make_application
    from ctaviewer.app.main_window import MainWindow
    from ctaviewer.app.qt import QtCore

    app = make_application()
    window = MainWindow(restore=False)
    window.resize(1600, 1000)
    window.show()
    s = window.session

    # One turn of the event loop as the application's own loop makes it: it sleeps until
    # an event comes (a spinning processEvents would take a core from the reading helper
    # and the decompression, on this 2-core machine half of what there is); this timer
    # wakes it at least every 5 ms, so that the conditions below are looked at.
    waker = QtCore.QTimer(interval=5)
    waker.start()

    def turn() -> None:
        app.processEvents(QtCore.QEventLoop.AllEvents | QtCore.QEventLoop.WaitForMoreEvents)

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            turn()

    def wait(cond, what: str) -> float:
        t0 = time.perf_counter()
        while not cond():
            turn()
            if time.perf_counter() - t0 > TIMEOUT_S:
                raise TimeoutError(f"waiting for {what}")
        return time.perf_counter()

    def drawn() -> None:
        """Until the window has drawn what it has to (the views' first drawings of a file
        and the telescope grid's cells are spread over event-loop turns), then painted."""
        t0 = time.perf_counter()
        # (versions without ``drawing`` draw all but the grid in the event's turn)
        while getattr(window, "drawing", window.camera_grid.building) \
                and time.perf_counter() - t0 < 10:
            turn()
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)  # its paint (posted)

    def ask(index: int) -> None:
        """Go to event ``index`` from the event loop, as a key press or a click does."""
        QtCore.QTimer.singleShot(0, lambda: s.go_to(index))

    def full_repaint_ms() -> float:
        """The whole window repainted at once (as on an expose), outside the heartbeat."""
        t0 = time.perf_counter()
        window.repaint()
        return 1e3 * (time.perf_counter() - t0)

    pump(3.0)  # the helper process starts while the window is built, as at start-up

    gaps, last, gaps_at, cpu = [], [time.perf_counter()], [], [time.thread_time()]

    def beat():
        now, now_cpu = time.perf_counter(), time.thread_time()
        gaps.append(now - last[0])
        gaps_at.append((last[0], now - last[0], now_cpu - cpu[0]))
        last[0], cpu[0] = now, now_cpu

    timer = QtCore.QTimer(interval=5)
    timer.timeout.connect(beat)
    timer.start()
    sampler = BlockSampler(last) if where else None
    t_open = last[0] = time.perf_counter()
    cpu[0] = time.thread_time()
    window.open_path(path)
    wait(lambda: s.array_event is not None, "the first event")
    drawn()
    first_s = time.perf_counter() - t_open
    rss_start = rss_mb()
    n_first = s.n_events

    t_jump = time.perf_counter()
    ask(JUMP_TO)
    wait(lambda: s.event_index == JUMP_TO, f"event {JUMP_TO}")
    drawn()
    jump_s = time.perf_counter() - t_jump
    wait(lambda: not indexing(s), "the end of indexing")
    index_s = time.perf_counter() - t_open
    pump(0.5)  # what the end of indexing brings
    t_jump = time.perf_counter()
    ask(JUMP_INDEXED)
    wait(lambda: s.event_index == JUMP_INDEXED, f"event {JUMP_INDEXED}")
    drawn()
    jump_indexed_s = time.perf_counter() - t_jump
    max_block_ms = 1e3 * max(gaps)
    timer.stop()
    repaint_ms = sorted(full_repaint_ms() for _ in range(5))[2]
    timer.start()
    if sampler is not None:
        sampler.report(gaps_at)
    print(f"first event after {first_s:.2f} s ({n_first} events indexed then); event "
          f"{JUMP_TO} {jump_s:.3f} s after asking; indexed after {index_s:.2f} s; longest "
          f"GUI block {max_block_ms:.0f} ms over {len(gaps)} beats", flush=True)

    n_events = s.n_events
    n = n_events if step else 0
    gaps.clear()
    gaps_at.clear()
    t0 = last[0] = time.perf_counter()
    cpu[0] = time.thread_time()
    for i in range(n):
        ask(i)
        wait(lambda i=i: s.event_index == i, f"event {i}")
        drawn()
        if i % 250 == 0:
            print(f"event {i}: RSS {rss_mb():.0f} MB", flush=True)
    pump(0.2)
    step_s = time.perf_counter() - t0
    step_block_ms = 1e3 * max(gaps)
    timer.stop()
    if sampler is not None:
        sampler.report(gaps_at)
        sampler.stop()
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
        "gui_jump_indexed_s": round(jump_indexed_s, 3),
        "gui_index_s": round(index_s, 2),
        "gui_rss_mb_start": round(rss_start, 1),
        "gui_rss_mb_end": round(rss_end, 1),
        "gui_step_max_block_ms": round(step_block_ms, 1),
        "gui_full_repaint_ms": round(repaint_ms, 1),
        "n_events": n_events,
        "load_1min": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 1 or flags - {"--where", "--no-step"}:
        sys.exit(__doc__)
    print(json.dumps(main(args[0], where="--where" in flags, step="--no-step" not in flags)))
