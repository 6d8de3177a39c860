"""Render the main window on one event to a PNG without a display (offscreen)."""

from __future__ import annotations

import os


def render_event_png(path: str | None, event_index: int, out_path: str,
                     config_path: str | None = None, size=(1600, 1000)) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .main import build_window, make_application
    from .qt import QtWidgets

    app = make_application()
    window = build_window(path, event_index, config_path, synchronous=True, restore=False)
    window.resize(*size)
    window.show()
    session = window.session
    if session.array_event is not None and session.result is None and session.can_process:
        session.process(synchronous=True)
    for _ in range(3):
        app.processEvents()
    if session.selected_pixels == [] and session.array_event is not None:
        tr = session.tel_result(session.selected_tel)
        if tr is not None:
            session.select_pixels([int(tr.image.argmax())])
        else:
            data = session.array_event.tel[session.selected_tel]
            session.select_pixels([int(data.raw_sum.argmax())])
        app.processEvents()
    out_path = os.path.abspath(out_path)
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    if not window.grab().save(out_path):
        raise OSError(f"{out_path}: could not write the PNG")
    window.close()
    QtWidgets.QApplication.processEvents()
    return out_path
