"""The Train estimators dialog: real files in, a loadable lookup-table file out, the same
report as ``ctaviewer train``, errors in a message box, cancel writes nothing."""

from __future__ import annotations

import os

import pytest

from .conftest import simtel

pytestmark = pytest.mark.gui
pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtWidgets  # noqa: E402

CONTROLS = (QtWidgets.QAbstractButton, QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox,
            QtWidgets.QLineEdit, QtWidgets.QAbstractItemView, QtWidgets.QPlainTextEdit,
            QtWidgets.QProgressBar, QtWidgets.QGroupBox)


@pytest.fixture
def dialog(qtbot):
    from ctaviewer.app.train_dialog import TrainDialog

    d = TrainDialog()
    qtbot.addWidget(d)
    d.show()
    yield d
    if d.running:
        d.cancel()
        d.wait(30)


def test_every_control_has_a_tooltip(dialog):
    controls = [w for cls in CONTROLS for w in dialog.findChildren(cls)]
    assert len(controls) >= 15
    missing = [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
               for w in controls if not w.toolTip().strip()]
    assert not missing, missing


def test_trains_real_files_and_writes_loadable_tables(dialog, qtbot, tmp_path):
    from ctaviewer.estimators.model import LookupModel

    gamma, proton = simtel("gamma_4lst.simtel.zst"), simtel("proton_4lst_15flashcam.simtel.zst")
    assert dialog.gammas.add_pattern(str(gamma.parent / "gamma_4ls?.simtel.zst")) == 1
    dialog.gammas.add_files([str(gamma)])  # a duplicate is ignored
    dialog.protons.add_files([str(proton)])
    assert dialog.gammas.paths() == [str(gamma)] and dialog.protons.paths() == [str(proton)]
    out = tmp_path / "tables.h5"
    assert not dialog.train_button.isEnabled()  # no output file yet
    dialog.output.setText(str(out))
    assert dialog.train_button.isEnabled()
    finished = []
    dialog.finished.connect(lambda summary, path: finished.append((summary, path)))
    assert dialog.start()
    assert dialog.running and not dialog.train_button.isEnabled()
    assert dialog.cancel_button.isEnabled() and not dialog.gammas.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120000)
    assert dialog.error is None and dialog.error_box is None, dialog.log.toPlainText()
    assert out.exists() and sorted(os.listdir(tmp_path)) == ["tables.h5"]
    model = LookupModel.load(out)
    assert model.n_events["gamma"] == 3 and model.n_images["gamma"] == 9
    assert "LST_LSTS-design_LSTS-design" in model.energy  # ctapipe's name, from the metadata
    assert finished and finished[0][1] == str(out)
    assert finished[0][0] == model.summary() | {"class_events": finished[0][0]["class_events"]}
    # the report is the command line's: events and images, then filled bins per type
    log = dialog.log.toPlainText()
    assert "pass 1/2" in log and "pass 2/2" in log
    assert f"trained on 3 gamma events (9 images) and 0 proton events (0 images) -> {out}" in log
    assert any(line.startswith("  LST_LSTS-design_LSTS-design: 9 images in ")
               and "/400 bins" in line
               for line in dialog.report_lines)
    assert "warning: very few training events" in log
    assert dialog.progress.value() == 1000 and dialog.train_button.isEnabled()


def test_bad_input_fails_in_a_message_box_and_writes_nothing(dialog, qtbot, tmp_path):
    out = tmp_path / "tables.h5"
    dialog.gammas.add_files([str(simtel("bad_header_only.simtel.gz"))])
    dialog.output.setText(str(out))
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120000)
    assert dialog.error and "bad_header_only" in dialog.error
    box = dialog.error_box
    assert box is not None and box.isVisible() and box.windowTitle() == "Training failed"
    assert "bad_header_only" in box.text()
    assert os.listdir(tmp_path) == []
    box.close()


def test_errors_from_the_training_process_read_as_on_the_command_line():
    """The child's exception comes back typed (procmsg): ctaviewer's errors say file and
    cause, anything else its type too."""
    from ctaviewer.app.train_dialog import error_text
    from ctaviewer.errors import HeaderOnlyFileError
    from ctaviewer.procmsg import portable_error, rebuild_error

    typed = rebuild_error(portable_error(HeaderOnlyFileError("/d/x.simtel", "no events")))
    assert isinstance(typed, HeaderOnlyFileError)
    assert error_text(typed) == "/d/x.simtel: no events"
    assert error_text(rebuild_error(portable_error(KeyError("hillas")))) == "KeyError: 'hillas'"


def test_form_problems_are_shown_before_starting(dialog, tmp_path):
    dialog.output.setText(str(tmp_path / "t.h5"))
    assert not dialog.start()  # no gamma file
    assert dialog.error_box is not None and "gamma" in dialog.error_box.text()
    dialog.error_box.close()
    dialog.gammas.add_files([str(tmp_path / "missing.simtel.zst")])
    assert not dialog.start()
    assert "do not exist" in dialog.error_box.text()
    dialog.error_box.close()
    dialog.gammas.files.clear()
    dialog.gammas.add_files([str(simtel("gamma_4lst.simtel.zst"))])
    dialog.config_path.setText(str(tmp_path / "nothing.toml"))
    assert not dialog.start()
    assert "nothing.toml" in dialog.error_box.text()
    assert not dialog.running


def test_cancel_writes_nothing(dialog, qtbot, tmp_path):
    out = tmp_path / "tables.h5"
    dialog.gammas.add_files([str(simtel("gamma_70sst1m.simtel.zst"))])
    dialog.output.setText(str(out))
    assert dialog.start()
    dialog.cancel()
    assert not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120000)
    assert "no tables written" in dialog.status.text()
    assert dialog.error is None and os.listdir(tmp_path) == []


def test_menu_action_opens_the_dialog_with_the_current_settings(make_window):
    from ctaviewer.app.train_dialog import TrainDialog

    window = make_window(restore=False)
    action = window.actions_by_id["tools.train"]
    assert action.statusTip() and action.toolTip()
    action.trigger()
    dialog = window.findChild(TrainDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.config == window.session.config  # the object itself, not its TOML
    action.trigger()  # raises the same dialog
    assert window.findChildren(TrainDialog) == [dialog]
    dialog.close()
