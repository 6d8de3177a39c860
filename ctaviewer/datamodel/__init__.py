"""Data models of the files ctaviewer writes and reads, each in one module."""
