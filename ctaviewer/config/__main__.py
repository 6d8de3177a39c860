"""``python -m ctaviewer.config``: the table of settings of the user guide, in Markdown."""

from .guide import settings_table

print(settings_table(), end="")
