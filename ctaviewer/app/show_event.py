"""Showing an event of a file in the main window, for the views that list events of other
files (the DL3 browser, the performance dock): open the file there (unless it is open
already) and go to the event id once the file's first event is shown (``service.goto``)."""

from __future__ import annotations

import os

from ..service.goto import GoToRequest


def _same(a, b) -> bool:
    """Whether ``a`` and ``b`` name one file (a link and its target too)."""
    if a is None or b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def show_event_in(main_window, path: str, event_id: int) -> None:
    """Show event ``event_id`` of the file ``path`` in ``main_window`` (a ``MainWindow``)."""
    session = main_window.session
    request = GoToRequest("id", int(event_id))

    def go(*_):
        target = session.go_to_request(request)
        if target.message:
            main_window.statusBar().showMessage(target.message, 8000)

    main_window.show()  # (hidden when the application started on DL3 data)
    main_window.raise_()
    main_window.activateWindow()
    if _same(session.path, path):
        go()
        return

    # the new file shows its first event once open: go on from there (going earlier, the
    # opening's own first event would replace the one asked for)
    def done(*_):
        session.event_changed.disconnect(first_shown)
        session.error.disconnect(done)

    def first_shown():
        if _same(session.path, path):  # (not an event of the file open before)
            done()
            go()

    session.event_changed.connect(first_shown)
    session.error.connect(done)  # the open failed later: the dialog says why
    if not main_window.open_path(path):
        done()
