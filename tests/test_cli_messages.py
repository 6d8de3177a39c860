"""Messages of every command: -v/-q on each, log levels on stderr, stdout unchanged for
scripts, and a progress bar only on a terminal (``train``, ``render --all/--events``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ctaviewer.cli import COMMANDS, main

from .conftest import simtel
from .test_cli_process import _run_in_terminal

SMALL = "gamma_4lst.simtel.zst"


@pytest.mark.parametrize("command", [*COMMANDS, None])
def test_every_command_takes_verbose_and_quiet(command, capsys):
    argv = [command] if command else []
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "--verbose" in text and "--quiet" in text
    with pytest.raises(SystemExit) as done:
        main([*argv, "-v", "-q", "--help"] if command else ["-v", "-q"])
    assert done.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_train_messages_at_each_level(tmp_path, capsys):
    g = str(simtel(SMALL))
    argv = ["train", "--gammas", g, "-o"]
    assert main([*argv, str(tmp_path / "a.h5")]) == 0
    out = capsys.readouterr()
    assert "pass 1/2" in out.err and f"{g}: 4 events" in out.err  # INFO
    assert "warning: very few training events" in out.err  # WARNING
    assert "opened" not in out.err  # DEBUG
    assert out.out.startswith("trained on ") and "pass" not in out.out  # the report
    assert main([*argv, str(tmp_path / "b.h5"), "-v"]) == 0
    assert f"{g}: opened (simtel reader" in capsys.readouterr().err
    assert main([*argv, str(tmp_path / "c.h5"), "-q"]) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == ["warning: very few training events: tables are sparse, "
                                    "many events will get NaN energy/gammaness"]
    assert main([*argv, str(tmp_path / "d.h5"), "-q", "--json"]) == 0
    out = capsys.readouterr()
    assert out.err == "" and json.loads(out.out)["events"]["gamma"] >= 1


def test_render_messages_at_each_level(tmp_path, capsys):
    f = str(simtel(SMALL))
    png = str(tmp_path / "e.png")
    assert main(["render", f, "--out", png]) == 0
    out = capsys.readouterr()
    assert out.out == f"{png}\n"  # what scripts read
    assert out.err.startswith("ctaviewer render: event 0 in ") and "rendering" not in out.err
    assert main(["render", f, "--out", png, "-v"]) == 0
    assert f"{f}: 4 events; rendering event 0 to {png} (png)" in capsys.readouterr().err
    assert main(["render", f, "--out", png, "-q", "--events", "0:3"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{png}\n" and out.err == ""
    assert main(["render", f, "--out", png, "-q", "--events", "0:3", "--tel", "3"]) == 0
    err = capsys.readouterr().err  # a warning is shown even with -q
    assert err.startswith("ctaviewer render: telescope 3 has data in 1 of the 3 ")


def test_info_warnings_are_shown_even_when_quiet(tmp_path, capsys):
    data = simtel("gamma_70sst1m.simtel.zst").read_bytes()
    cut = tmp_path / "cut.simtel.zst"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    assert main(["info", str(cut), "-q", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["truncated"]
    (line,) = out.err.splitlines()
    assert line.startswith(f"warning: {cut}") and "Traceback" not in out.err


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "ctaviewer", *map(str, args)]


@pytest.mark.parametrize("what", ["render", "train"])
def test_progress_bar_on_a_terminal_only(tmp_path, what):
    pytest.importorskip("pty")
    f = simtel(SMALL)
    if what == "render":
        def cmd(name):
            return _command("render", f, "--all", "--out", tmp_path / f"{name}.png")
        shown_on_bar = "/4 events"
    else:
        def cmd(name):
            return _command("train", "--gammas", f, "-o", tmp_path / f"{name}.h5")
        shown_on_bar = "training"
    status, shown = _run_in_terminal(cmd("tty"))
    assert status == 0, shown
    assert "%|" in shown and shown_on_bar in shown, shown  # tqdm's bar
    done = subprocess.run(cmd("pipe"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "%|" not in done.stderr and "\r" not in done.stderr  # silent in a pipe
    status, shown = _run_in_terminal([*cmd("quiet"), "-q"])
    assert status == 0 and "%|" not in shown
