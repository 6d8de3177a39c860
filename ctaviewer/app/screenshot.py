"""Screenshot of the real application window: ``python -m ctaviewer.app.screenshot FILE OUT``.

Runs the normal event loop (use a real display or ``xvfb-run``), opens FILE as a user would
(indexing and processing in the background), waits until the first event is processed,
selects its brightest pixel so the waveform view has content, and saves the window. A file
that cannot be opened (or an event not shown within 60 s) is reported on stderr, exit code
not 0, and nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("out")
    parser.add_argument("--event", type=int, default=0)
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args(argv)
    from ..errors import CtaviewerError
    from ..io import check_input_path

    if args.file is not None:
        try:
            check_input_path(args.file)
        except CtaviewerError as exc:
            print(f"screenshot: error: {exc}", file=sys.stderr)
            return 2
    from .main import build_window, make_application
    from .qt import QtCore

    app = make_application()
    window = build_window(args.file, args.event, restore=False)
    window.resize(*map(int, args.size.split("x")))
    window.show()
    s = window.session
    state = {"ticks": 0, "code": 1, "error": None}

    def failed(title, message):  # instead of a dialog no one would close: say it and stop
        state["error"] = f"{title}: {' '.join(message.split())}"
        window.close()
        app.quit()

    s.error.disconnect(window.show_error)
    s.error.connect(failed)

    def poll():
        state["ticks"] += 1
        ready = (s.array_event is not None and (s.result is not None or not s.can_process)
                 and not window.drawing)
        if ready and not s.selected_pixels:
            tr = s.tel_result(s.selected_tel)
            img = tr.image if tr is not None else s.array_event.tel[s.selected_tel].raw_sum
            s.select_pixels([int(img.argmax())])
            return
        if not ready and state["ticks"] > 600:
            state["error"] = f"{args.file}: the event was not shown within 60 s"
            window.close()
            app.quit()
        elif ready:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            ok = window.grab().save(args.out)
            state["code"] = 0 if ok else 1
            print(args.out if ok else f"could not write {args.out}")
            window.close()
            app.quit()

    timer = QtCore.QTimer(interval=100)
    timer.timeout.connect(poll)
    timer.start()
    app.exec()
    if state["error"] is not None:
        print(f"screenshot: error: {state['error']}", file=sys.stderr)
        return 1
    return state["code"]


if __name__ == "__main__":
    sys.exit(main())
