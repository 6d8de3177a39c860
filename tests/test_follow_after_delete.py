"""The index follower's thread may outlive the session model (the application ends while a
file still indexes): its news is then dropped, not raised in that thread."""

import shiboken6

from ctaviewer.app.models.session import SessionModel, _while_alive


def test_news_after_the_model_is_deleted_is_dropped(qtbot):
    model = SessionModel()
    got = []
    model._index_progress.connect(lambda source, fraction: got.append(fraction))
    emit = _while_alive(model._index_progress)
    emit(None, 0.5)
    qtbot.waitUntil(lambda: got == [0.5])
    shiboken6.delete(model)
    emit(None, 0.75)  # raised RuntimeError ("Signal source has been deleted") before
    assert got == [0.5]
