"""Entry point of the bundled application (PyInstaller)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # batch workers are processes
    from ctaviewer.cli import main

    sys.exit(main())
