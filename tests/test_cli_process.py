"""``ctaviewer process`` and ``ctaviewer train`` from the command line."""

from __future__ import annotations

import json

from ctaviewer.cli import main

from .conftest import simtel


def test_process_train_and_dl2(tmp_path, capsys):
    g, p = simtel("gamma_4lst.simtel.zst"), simtel("proton_13tel.simtel.zst")
    out = tmp_path / "out"
    assert main(["process", str(g), "--output", str(out), "--json", "--images"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["files"] == 1 and summary["failed"] == 0 and summary["events"] == 4
    assert (out / "gamma_4lst.dl1.h5").exists()
    # refuses to overwrite, replaces with --overwrite
    assert main(["process", str(g), "--output", str(out), "--json"]) == 1
    assert "exists" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])["errors"][0]
    tables = tmp_path / "t.h5"
    assert main(["train", "--gammas", str(g), "--protons", str(p), "-o", str(tables),
                 "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["events"]["gamma"] >= 1
    assert main(["process", str(g), "-o", str(out), "--levels", "dl2", "--estimators",
                 str(tables), "--pattern", "{stem}_x.h5", "--json"]) == 0
    assert (out / "gamma_4lst_x.h5").exists()


def test_bad_arguments_are_clean_errors(tmp_path, capsys):
    g = simtel("gamma_4lst.simtel.zst")
    assert main(["process", str(g), "-o", str(tmp_path), "--levels", "dl9"]) == 2
    assert "unknown level" in capsys.readouterr().err
    assert main(["process", str(tmp_path / "nothing*.simtel"), "-o", str(tmp_path)]) == 2
