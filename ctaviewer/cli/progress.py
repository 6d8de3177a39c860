"""The progress bar of long commands (``process``, ``train``, ``render --all/--events``).

A tqdm bar (tqdm is already required by pyirf) drawn on stderr only when stdout and stderr
are both terminals and ``-q`` was not given: a pipe, a redirection or a log file never gets
one, so what scripts read is unchanged. While the bar is shown, log lines are written above
it.
"""

from __future__ import annotations

import contextlib
import logging
import sys


def wanted(args) -> bool:
    """Whether a progress bar is drawn for these command-line arguments."""
    return (not getattr(args, "quiet", False) and sys.stdout.isatty()
            and sys.stderr.isatty())


class ProgressBar:
    """A tqdm bar on stderr over ``total`` (a count, or 1.0 for a fraction); nothing at all
    unless ``enabled``. ``bar_format`` is tqdm's (``{desc}``, ``{n_fmt}``, ...)."""

    def __init__(self, total: float, enabled: bool, desc: str = "",
                 bar_format: str = "{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]"):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=sys.stderr, leave=False, dynamic_ncols=True,
                            desc=desc, bar_format=bar_format)

    @property
    def enabled(self) -> bool:
        return self.bar is not None

    def update(self, n: float, desc: str | None = None, refresh: bool = False) -> None:
        """Move the bar to ``n`` (drawn at most every 0.1 s unless ``refresh``)."""
        if self.bar is None:
            return
        if desc is not None:
            self.bar.set_description_str(desc, refresh=False)
        if refresh:
            self.bar.n = n
            self.bar.refresh()
        else:
            self.bar.update(n - self.bar.n)

    @contextlib.contextmanager
    def active(self):
        """While the bar is shown, log lines are written above it; closed at the end."""
        if self.bar is None:
            yield self
            return
        from tqdm.contrib.logging import logging_redirect_tqdm

        try:
            with logging_redirect_tqdm(loggers=[logging.getLogger("ctaviewer")]):
                yield self
        finally:
            self.bar.close()
