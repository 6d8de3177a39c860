"""The Performance dock: pyirf performance plots of DL2 files, cuts, event links."""
