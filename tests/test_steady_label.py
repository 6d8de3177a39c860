"""The caption under the array and sky plots keeps its height from event to event, so
stepping through events does not resize (and lay out and paint again) the plot above it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

LONG = " · ".join(["reconstruction invalid: 1 telescope passed the quality query"] * 4)


def _plot_and_caption(qtbot):
    from ctaviewer.app.qt import QtWidgets
    from ctaviewer.app.views.steady_label import SteadyLabel

    box = QtWidgets.QWidget()
    plot = QtWidgets.QFrame()
    caption = SteadyLabel("one line")
    layout = QtWidgets.QVBoxLayout(box)
    layout.addWidget(plot, 1)
    layout.addWidget(caption)
    box.resize(300, 400)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    return box, plot, caption


def _settle(qtbot, box):
    from ctaviewer.app.qt import QtWidgets

    box.layout().activate()
    QtWidgets.QApplication.processEvents()


def test_caption_height_kept_when_the_text_gets_shorter(qtbot):
    box, plot, caption = _plot_and_caption(qtbot)
    _settle(qtbot, box)
    short_height = caption.height()
    caption.setText(LONG)
    _settle(qtbot, box)
    assert caption.height() > short_height  # the long text is shown whole
    assert caption.height() >= caption.heightForWidth(caption.width())
    plot_height = plot.height()
    for text in ("one line", LONG, "two words", ""):
        caption.setText(text)
        _settle(qtbot, box)
        assert plot.height() == plot_height, text


def test_a_new_width_measures_the_caption_again(qtbot):
    box, plot, caption = _plot_and_caption(qtbot)
    caption.setText(LONG)
    _settle(qtbot, box)
    narrow = caption.height()
    caption.setText("one line")
    _settle(qtbot, box)
    assert caption.height() == narrow
    box.resize(900, 400)  # wider: the short text needs one line, and gets that
    _settle(qtbot, box)
    assert caption.height() < narrow
    assert caption.height() <= caption.heightForWidth(caption.width()) + 2 * caption.margin()


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def test_array_view_plot_keeps_its_size_while_stepping(simtel_file, qtbot, window):
    """The array view's legend says different things per event (the reconstructed core,
    or why there is none): the plot above it stays the same size."""
    assert window.open_path(simtel_file("gamma_70sst1m.simtel.zst"))
    s, view = window.session, window.array_view
    qtbot.waitUntil(lambda: s.result is not None, timeout=30000)
    window.docks["array"].raise_()
    qtbot.waitUntil(lambda: not view.visibleRegion().isEmpty())
    texts, heights = set(), []
    for i in range(12):
        s.go_to(i)
        qtbot.waitUntil(lambda i=i: s.event_index == i and s.result is not None,
                        timeout=30000)
        view.refresh()
        _settle(qtbot, window)
        texts.add(view.legend.text())
        heights.append(view.plot.height())
    assert len(texts) > 2  # the legend changed from event to event
    # taller at most a few times (a text longer than all before), never shorter
    assert heights == sorted(heights, reverse=True)
    assert len(set(heights)) <= 3
