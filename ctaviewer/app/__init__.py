"""The desktop application (the only package that imports Qt and pyqtgraph)."""
