"""What processes that no longer run left behind: the liveness test of a process id, and
the sweep of the decompressed copies of sim_telarray files (``io.simtel_index`` makes them
under ``TEMP_PREFIX``) that killed processes could not remove.

Standard library only: the command line sweeps in a background thread at start-up, and a
thread that imported the package's modules while the main thread imports them too could
meet Python's import-deadlock detection, which hands one of them a half-initialised module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import tempfile

#: temporary folders: TEMP_PREFIX + "<pid>-<host tag>-" + random
TEMP_PREFIX = "ctaviewer-raw-"


def host_tag() -> str:
    """A short tag of this host (process ids are only meaningful on the host that ran them)."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs (another user's process counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temp_dirs(folder: str | None = None) -> list[str]:
    """Remove the decompressed copies left by processes of this user on this host that no
    longer run (killed before they could clean up); return the folders removed.

    A folder is removed only when its name carries this host's tag and a process id that
    is not running, and it is a real folder (not a link) owned by this user.
    """
    if os.name != "posix":  # os.kill(pid, 0) is no liveness test elsewhere
        return []
    folder = folder or tempfile.gettempdir()
    host, me, uid = host_tag(), os.getpid(), os.getuid()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        parts = entry.name[len(TEMP_PREFIX):].split("-", 2)
        if len(parts) != 3 or not parts[0].isdigit() or parts[1] != host:
            continue
        pid = int(parts[0])
        if pid == me or pid_alive(pid):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


__all__ = ["TEMP_PREFIX", "host_tag", "pid_alive", "sweep_stale_temp_dirs"]
