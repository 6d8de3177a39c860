"""Open, index and read sim_telarray files in a helper process, away from a GUI's GIL.

Parsing the run headers, scanning a file's objects and parsing events are Python loops and
long calls into eventio's compiled parsers, which hold the GIL (up to ~100 ms per call for
the large cameras of a 126-telescope file). In a worker thread they would freeze the GUI
thread for that long, whatever ``sys.setswitchinterval`` says. Here they run in a spawned
helper process that stays alive between files; the calling thread only waits on a pipe.

The helper sends back the parsed headers and the index (offsets, ids, monitoring data; a
compressed file's decompressed copy stays on disk in a folder the calling process owns),
from which ``SimTelSource`` is rebuilt without parsing anything again, together with the
first event to show. It keeps the file open, so that later events can be read ahead
(``read_ahead``) into the source's cache, and processed (``process``: the numba kernels
load and run there), again without holding the calling process's GIL.

    start_helper()                                   # optional: spawn it ahead of time
    source = open_indexed(path, progress, should_stop, first=0)
    read_ahead(source, 1)                            # source[1] is then a cache hit
    result = process(source, 1, config)              # an EventResult, or None

Errors are the same typed errors ``SimTelSource(path)`` raises, and the warnings it emits
(truncated file, unknown camera) are re-emitted in the caller. The helper is started with
multiprocessing's "spawn", which re-imports the main script: a script that uses this must
guard its entry point (``if __name__ == "__main__":``). If the helper cannot start, files
are opened in the calling thread instead.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import pickle
import shutil
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import CancelledError

import numpy as np

from ..errors import InputFileError, reader_error

_POLL_S = 0.05
_START_TIMEOUT_S = 30.0


class _Helper:
    """One spawned process serving requests, one at a time, over a pipe."""

    def __init__(self):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_serve, args=(child,), name="ctaviewer-simtel-helper", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False  # set once it has said so (its first message)

    def alive(self) -> bool:
        return self.process.is_alive()

    def wait_ready(self, should_stop=None) -> bool:
        """Wait until the helper has started; False if it died or did not start in time."""
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self.ready:
            if should_stop is not None and should_stop():
                raise CancelledError("cancelled")
            try:
                if self.conn.poll(_POLL_S):
                    self.ready = self.conn.recv() == ("ready", None)
                    if not self.ready:
                        return False
                elif not self.alive() or time.monotonic() > deadline:
                    return False
            except (EOFError, OSError):
                return False
        return True

    def stop(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5.0)


_HELPER: _Helper | None = None
_BROKEN = False  # a helper failed to start: open files in the calling thread from then on
_LOCK = threading.Lock()  # one request at a time; guards _HELPER
_TOKENS = iter(range(1, 1 << 62))  # names the file a helper holds open


def _ensure_helper() -> _Helper:
    global _HELPER
    if _HELPER is None or not _HELPER.alive():
        if _HELPER is not None:
            _HELPER.stop()
        _HELPER = _Helper()
    return _HELPER


def serves(path) -> bool:
    """True when ``path`` is read through the helper process (a sim_telarray file)."""
    if path is None:
        return False
    from .simtel import SimTelSource

    return SimTelSource.check(str(path)) is None


def start_helper() -> None:
    """Spawn the helper now, if none is running, so that an open need not wait for it.

    Never blocks: when a request is running, the helper is alive anyway.
    """
    if not _BROKEN and _LOCK.acquire(blocking=False):
        try:
            _ensure_helper()
        finally:
            _LOCK.release()


def stop_helper() -> None:
    """End the helper process (a later open starts a new one)."""
    global _HELPER
    with _LOCK:
        if _HELPER is not None:
            _HELPER.stop()
            _HELPER = None


def open_indexed(
    path,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    first: int | None = None,
    **kwargs,
):
    """A ``SimTelSource`` of ``path`` with its index built, parsed in the helper process.

    ``kwargs`` are SimTelSource's (allowed_tels, max_events, skip_calibration); event
    ``first`` (if given and present) is read too and waits in the source's cache.
    ``progress(fraction)`` is called from this thread; when ``should_stop()`` turns True the
    helper is ended at once and ``concurrent.futures.CancelledError`` is raised.
    """
    from .simtel import SimTelSource
    from .simtel_index import compression_of, make_temp_dir

    global _BROKEN
    path = os.fspath(path)
    if _BROKEN:
        return _open_here(path, progress, should_stop, **kwargs)
    with _LOCK:
        helper = _ensure_helper()
        if not helper.wait_ready(should_stop):
            helper.stop()
            _BROKEN = True
            warnings.warn(
                f"the file-reading helper process did not start (exit code "
                f"{helper.process.exitcode}); opening {path} in this process",
                RuntimeWarning,
                stacklevel=2,
            )
            return _open_here(path, progress, should_stop, **kwargs)
        # named after this process: swept by a later one if this one is killed
        tmpdir = make_temp_dir(path) if compression_of(path) else None
        token = next(_TOKENS)
        try:
            kind, value = _request(
                helper, ("open", token, path, kwargs, tmpdir, first), path, progress,
                should_stop)
            if kind == "error":
                raise _rebuild_error(value)
            headers, index, index_error, caught, event = value
            index.error = _rebuild_error(index_error) if index_error else None
        except BaseException:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    for category, message in caught:
        warnings.warn(category(message), stacklevel=2)
    source = SimTelSource._from_headers(path, headers, index, **kwargs)
    source._helper = (helper, token)
    if event is not None:
        source._remember(event.index, _frozen(event))
    return source


def read_ahead(source, i: int) -> bool:
    """Read event ``i`` of a source from ``open_indexed`` in the helper, into the source's
    cache. False (nothing done) when the helper no longer holds that file."""
    held = getattr(source, "_helper", None)
    if held is None or source.index is None or source.is_cached(i):
        return False
    helper, token = held
    with _LOCK:
        if helper is not _HELPER or not helper.alive() or not helper.ready:
            return False
        kind, value = _request(helper, ("event", token, i), source.path)
    if kind == "error":
        raise _rebuild_error(value)
    if value is None:
        return False
    source._remember(i, _frozen(value))
    return True


def process(source, i: int, config):
    """The ``EventResult`` of event ``i`` of a source from ``open_indexed`` under ``config``
    (a ProcessingConfig), computed in the helper; None when the helper no longer holds
    that file (process it here then). Processing errors are raised here."""
    held = getattr(source, "_helper", None)
    if held is None:
        return None
    helper, token = held
    with _LOCK:
        if helper is not _HELPER or not helper.alive() or not helper.ready:
            return None
        kind, value = _request(helper, ("process", token, i, config.to_toml()), source.path)
    if kind == "error":
        raise _rebuild_error(value)
    return None if value is None else _frozen(value)


def forget(source) -> None:
    """Let the helper close the file of ``source`` (skipped when the helper is busy: its
    next open closes it anyway). Never blocks for long."""
    held = getattr(source, "_helper", None)
    source._helper = None
    if held is None or not _LOCK.acquire(blocking=False):
        return
    try:
        helper, token = held
        if helper is _HELPER and helper.alive() and helper.ready:
            _request(helper, ("close", token), source.path)
    except InputFileError:
        pass
    finally:
        _LOCK.release()


def _open_here(path, progress, should_stop, **kwargs):
    from . import open_indexed

    return open_indexed(path, progress, should_stop, reader="simtel", **kwargs)


def _frozen(record):
    """Arrays of an unpickled event or result made read-only again, as they were made:
    those of the record, of its dataclass fields and of the values of its ``tel`` dict."""
    todo = [record, *getattr(record, "tel", {}).values()]
    todo += [getattr(record, f.name) for f in dataclasses.fields(record)]
    for item in todo:
        if not dataclasses.is_dataclass(item):
            continue
        for f in dataclasses.fields(item):
            value = getattr(item, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    return record


def _request(helper: _Helper, message, path, progress=None, should_stop=None):
    """Send one request and wait for its answer ("done" or "error", payload)."""
    if should_stop is not None and should_stop():
        raise CancelledError(f"opening {path} was cancelled")
    conn = helper.conn
    try:
        conn.send(message)
        while True:
            if should_stop is not None and should_stop():
                raise CancelledError(f"opening {path} was cancelled")
            if not conn.poll(_POLL_S):
                if not helper.alive():
                    raise EOFError
                continue
            kind, value = conn.recv()
            if kind == "progress":
                if progress is not None:
                    progress(value)
            else:
                return kind, value
    except (EOFError, ConnectionError, pickle.UnpicklingError):
        helper.stop()
        raise InputFileError(
            path,
            "the helper process reading the file ended unexpectedly "
            f"(exit code {helper.process.exitcode})",
        ) from None
    except BaseException:  # cancelled or interrupted: its answer would be stale
        helper.stop()
        raise


def _portable_error(exc: BaseException, path: str) -> tuple:
    """What rebuilds ``exc`` in the other process (``_rebuild_error``).

    Typed input errors take (path, cause) arguments, so they do not unpickle as themselves:
    they travel as (class, path, cause, attributes). Other errors travel pickled when they
    survive it, else as an InputFileError naming their type.
    """
    text = "".join(traceback.format_exception(exc))
    if isinstance(exc, InputFileError):
        extra = {k: v for k, v in vars(exc).items() if k not in ("path", "cause")}
        try:
            pickle.loads(pickle.dumps(extra))
        except Exception:
            extra = {}
        return "input", type(exc), exc.path, exc.cause, extra
    try:
        return "pickled", pickle.loads(pickle.dumps(exc)), text
    except Exception:
        return ("input", InputFileError, path, f"{type(exc).__name__}: {exc}",
                {"helper_traceback": text})


def _rebuild_error(portable: tuple) -> BaseException:
    if portable[0] == "pickled":
        exc, text = portable[1:]
        exc.helper_traceback = text
        return exc
    cls, path, cause, extra = portable[1:]
    exc = cls.__new__(cls)
    InputFileError.__init__(exc, path, cause)
    exc.__dict__.update(extra)
    return exc


def _forwarded(category) -> bool:
    return issubclass(category, Warning) and category.__module__.startswith("ctaviewer")


# ------------------------------------------------------------------------ helper process
class _Server:
    """The helper's side: the file it holds open (token, source) and the requests."""

    def __init__(self, conn):
        self.conn = conn
        self.token = None
        self.source = None
        self.pipelines: dict[str, object] = {}  # config (TOML) -> Pipeline, this file
        self.warm = False

    def serve(self) -> None:
        from . import simtel  # noqa: F401 - imported before saying ready

        self.conn.send(("ready", None))
        # what opening a file needs, imported while no request is waiting: scipy.spatial
        # (camera geometry) alone takes ~0.25 s
        import eventio.simtel  # noqa: F401
        import scipy.sparse  # noqa: F401
        import scipy.spatial  # noqa: F401

        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                return
            handler = getattr(self, "_" + message[0])
            self.conn.send(handler(*message[1:]))
            if message[0] == "open" and not self.warm:
                self._warm_up()  # while the caller shows the first event

    def _warm_up(self) -> None:
        """Import the processing chain and load its numba kernels (once)."""
        self.warm = True
        try:
            from ..pipeline import warm_up

            warm_up()
        except Exception:  # the first processing request reports what is wrong
            pass

    def _release(self) -> None:
        if self.source is not None:
            self.source.close()
        self.token = self.source = None
        self.pipelines = {}

    def _open(self, token, path, kwargs, tmpdir, first) -> tuple:
        from .simtel import SimTelSource

        self._release()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                source = SimTelSource(path, **kwargs)
                try:
                    index = source._scan(
                        lambda f: self.conn.send(("progress", f)), None, tmpdir)
                except BaseException:
                    source.close()
                    raise
            except Exception as exc:
                return "error", _portable_error(reader_error(path, exc), path)
        error = index.error
        index.error = None
        found = [(w.category, str(w.message)) for w in caught if _forwarded(w.category)]
        sub = source.subarray
        for g in {id(d.camera.geometry): d.camera.geometry for d in sub.tels.values()}.values():
            # cached on the geometry, so they travel with it: the caller neither computes
            # them nor imports scipy (for the neighbours) to draw the cameras
            g.neighbors, g.polygons, g.pixel_width, g.radius  # noqa: B018
        event = None
        try:
            # keep the file open to read events ahead; the caller owns the temporary folder
            source._release_header_stream()
            source._attach_index(dataclasses.replace(index, temporary_dir=None))
            self.token, self.source = token, source
            if first is not None and 0 <= first < len(source):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    event = source[first]
        except Exception:  # the caller reads the event itself and reports what is wrong
            self._release()
        return "done", (
            source._headers(),
            index,
            _portable_error(error, path) if error is not None else None,
            found,
            event,
        )

    def _close(self, token) -> tuple:
        if token == self.token:
            self._release()
        return "done", None

    def _process(self, token, i, config_toml) -> tuple:
        if token != self.token or self.source is None:
            return "done", None
        try:
            pipeline = self.pipelines.get(config_toml)
            if pipeline is None:
                from ..config import ProcessingConfig
                from ..pipeline import Pipeline

                config = ProcessingConfig.from_toml(config_toml)
                other = next(iter(self.pipelines.values()), None)
                pipeline = (other.with_config(config) if other is not None  # shared caches
                            else Pipeline(self.source.subarray, config))
                self.pipelines = {config_toml: pipeline}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                event = self.source[i]
            return "done", pipeline.process(event)
        except Exception as exc:
            return "error", _portable_error(exc, self.source.path)

    def _event(self, token, i) -> tuple:
        if token != self.token or self.source is None:
            return "done", None
        try:
            return "done", self.source[i]
        except IndexError as exc:
            return "error", _portable_error(exc, self.source.path)
        except Exception as exc:
            return "error", _portable_error(reader_error(self.source.path, exc),
                                            self.source.path)


def _serve(conn) -> None:
    """The helper's main loop: answer requests until the pipe closes."""
    _Server(conn).serve()


__all__ = ["forget", "open_indexed", "process", "read_ahead", "start_helper", "stop_helper"]
