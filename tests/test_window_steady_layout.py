"""The window's layout as a file opens: its first size is its own (not the width of its docks
side by side), the status bar's progress text fits, and captions do not resize the plots
above them with the first event."""

from ctaviewer.app.main_window import MainWindow


def test_first_size_is_the_windows_own(qtbot, isolated_settings):
    from ctaviewer.app.main import make_application

    make_application()
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    # the layout's minimum was that of the bottom docks side by side (~1960 px) until
    # they were tabified: the window opened wider than a 1920-px screen
    assert window.size().width() == 1600
    assert window.minimumWidth() < 1300
    window.resize(1300, 800)
    assert window.size().width() == 1300


def test_index_progress_text_fits_its_bar(make_window):
    window = make_window(restore=False)
    bar = window.progress
    text = "100000 events · 100%"
    assert bar.minimumWidth() >= bar.fontMetrics().horizontalAdvance(text)
    assert bar.minimumWidth() <= bar.maximumWidth()


def test_array_caption_keeps_three_lines_before_any_event(make_window, qtbot):
    window = make_window(restore=False)
    legend = window.array_view.legend
    legend.setText("")
    assert legend.minimumHeight() >= 3 * legend.fontMetrics().lineSpacing()
    label = window.camera_view.sample_label
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance("000 / 000")


def test_highlight_box_is_readable_at_1400_px(make_window, qtbot):
    """The camera view's Highlight box keeps room for its placeholder's start at the
    documentation's window size (it was squeezed to ~20 px there, "p..." showing)."""
    window = make_window(restore=False)
    window.resize(1400, 880)
    window.layout().activate()
    qtbot.wait(50)
    edit = window.camera_view.highlight_edit
    assert edit.placeholderText().startswith("highlight")
    assert edit.width() >= edit.fontMetrics().horizontalAdvance("highlight: 12")
