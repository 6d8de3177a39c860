"""Open, index and read sim_telarray files in a helper process, away from a GUI's GIL.

Parsing the run headers, scanning a file's objects and parsing events are Python loops and
long calls into eventio's compiled parsers, which hold the GIL (up to ~100 ms per call for
the large cameras of a 126-telescope file). In a worker thread they would freeze the GUI
thread for that long, whatever ``sys.setswitchinterval`` says. Here they run in a spawned
helper process that stays alive between files; the calling thread only waits on a pipe.

The helper sends back the run headers and the index (offsets, ids, monitoring data; a
compressed file's decompressed copy stays on disk in a folder the calling process owns),
from which the source is made again without parsing anything (``SimTelSource.from_headers``),
together with the first event to show. It keeps the file open, so that later events can be
read ahead into the source's cache and processed (the numba kernels load and run there),
again without holding the calling process's GIL:

    start_helper()                                   # optional: spawn it ahead of time
    source = open_indexed(path, progress, should_stop, first=0)   # a HelperSource
    source.read_ahead(1)                             # source[1] is then a cache hit
    result = source.process(1, config)               # an EventResult, or None

Errors are the same typed errors ``SimTelSource(path)`` raises, and the warnings it emits
(truncated file, unknown camera) are re-emitted in the caller. Requests and answers are
``procmsg`` messages over one pipe. The helper is started with multiprocessing's "spawn",
which re-imports the main script: a script that uses this must guard its entry point
(``if __name__ == "__main__":``). If the helper cannot start, files are opened in the
calling thread instead.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable

import numpy as np

from ..errors import Cancelled, InputFileError, MessageError, reader_error
from ..io import open_indexed as open_here
from ..io.simtel import SimTelSource
from ..io.simtel_index import compression_of, make_temp_dir
from ..procmsg import Channel, Message, portable_error, rebuild_error

_POLL_S = 0.05
_START_TIMEOUT_S = 30.0
#: requests (caller -> helper) and answers (helper -> caller)
TAGS = ("open", "event", "process", "close", "ready", "progress", "done")


class _Helper:
    """One spawned process serving requests, one at a time, over a pipe."""

    def __init__(self):
        ctx = mp.get_context("spawn")
        conn, child = ctx.Pipe(duplex=True)
        self.channel = Channel(conn, TAGS)
        self.process = ctx.Process(
            target=_serve, args=(child,), name="ctaviewer-simtel-helper", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False  # set once it has said so (its first message)

    def alive(self) -> bool:
        return self.process.is_alive()

    def serving(self) -> bool:
        """Whether this is the running helper and it answers requests."""
        return self is _HELPER and self.ready and self.alive()

    def wait_ready(self, should_stop=None) -> bool:
        """Wait until the helper has started; False if it died or did not start in time."""
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self.ready:
            if should_stop is not None and should_stop():
                raise Cancelled("cancelled")
            try:
                msg = self.channel.receive(_POLL_S)
            except (EOFError, OSError, ValueError):
                return False
            if msg is not None:
                self.ready = msg.tag == "ready"
                if not self.ready:
                    return False
            elif not self.alive() or time.monotonic() > deadline:
                return False
        return True

    def stop(self) -> None:
        try:
            self.channel.end.close()
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


class HelperSource(SimTelSource):
    """A ``SimTelSource`` whose file the helper process holds open too: events can be read
    ahead (``read_ahead``) and processed (``process``) there. Once the helper has let the
    file go (another file opened there, the helper ended) both return False/None and the
    source reads and is processed in this process, like any other."""

    _held: tuple[_Helper, int] | None = None

    def _holder(self) -> tuple[_Helper, int] | None:
        held = self._held
        return held if held is not None and held[0].serving() else None

    def read_ahead(self, i: int) -> bool:
        """Read event ``i`` in the helper into this source's cache. False (nothing done)
        when it is cached already or the helper no longer holds the file."""
        if self.index is None or self.is_cached(i) or self._holder() is None:
            return False
        with _LOCK:
            held = self._holder()
            if held is None:
                return False
            msg = _request(held[0], self.path, "event", held[1], i)
        if msg.tag == "error":
            raise _error(msg, self.path)
        event = msg.args[0]
        if event is None:
            return False
        self.cache_event(i, _frozen(event))
        return True

    def process(self, i: int, config):
        """The ``EventResult`` of event ``i`` under ``config`` (a ProcessingConfig),
        computed in the helper; None when the helper no longer holds the file (process
        it here then). Processing errors are raised here."""
        with _LOCK:
            held = self._holder()
            if held is None:
                return None
            msg = _request(held[0], self.path, "process", held[1], i, config)
        if msg.tag == "error":
            raise _error(msg, self.path)
        result = msg.args[0]
        return None if result is None else _frozen(result)

    def close(self) -> None:
        """Close the file here, and let the helper close it (skipped when the helper is
        busy: its next open closes it anyway; never blocks for long)."""
        held, self._held = self._held, None
        if held is not None and _LOCK.acquire(blocking=False):
            try:
                if held[0].serving():
                    _request(held[0], self.path, "close", held[1])
            except InputFileError:
                pass
            finally:
                _LOCK.release()
        super().close()


def open_indexed(
    path,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    first: int | None = None,
    **kwargs,
) -> SimTelSource:
    """A ``HelperSource`` of ``path`` with its index built, parsed in the helper process.

    ``kwargs`` are SimTelSource's (allowed_tels, max_events, skip_calibration); event
    ``first`` (if given and present) is read too and waits in the source's cache.
    ``progress(fraction)`` is called from this thread; when ``should_stop()`` turns True the
    helper is ended at once and ``errors.Cancelled`` (a ``concurrent.futures.CancelledError``)
    is raised. Where the helper cannot start, a plain ``SimTelSource`` opened in this thread
    is returned.
    """
    global _BROKEN
    path = os.fspath(path)
    if _BROKEN:
        return open_here(path, progress, should_stop, reader="simtel", **kwargs)
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
            return open_here(path, progress, should_stop, reader="simtel", **kwargs)
        # named after this process: swept by a later one if this one is killed
        tmpdir = make_temp_dir(path) if compression_of(path) else None
        token = next(_TOKENS)
        try:
            msg = _request(helper, path, "open", token, path, kwargs, tmpdir, first,
                           progress=progress, should_stop=should_stop)
            if msg.tag == "error":
                raise _error(msg, path)
            headers, index, index_error, caught, event = msg.args
            index.error = None if index_error is None else rebuild_error(index_error)
        except BaseException:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    for category, message in caught:
        warnings.warn(category(message), stacklevel=2)
    source = HelperSource.from_headers(path, headers, index, **kwargs)
    source._held = (helper, token)
    if event is not None:
        source.cache_event(event.index, _frozen(event))
    return source


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


def _error(msg: Message, path) -> BaseException:
    """The exception of an "error" answer; one that cannot be made here names the file."""
    return msg.error(fallback=lambda cause: InputFileError(path, cause))


def _request(helper: _Helper, path, tag: str, *args, progress=None,
             should_stop=None) -> Message:
    """Send one request and wait for its answer (a "done" or "error" message)."""
    if should_stop is not None and should_stop():
        raise Cancelled(f"opening {path} was cancelled")
    channel = helper.channel
    try:
        channel.send(tag, *args)
        while True:
            if should_stop is not None and should_stop():
                raise Cancelled(f"opening {path} was cancelled")
            msg = channel.receive(_POLL_S)
            if msg is None:
                if not helper.alive():
                    raise EOFError
            elif msg.tag == "progress":
                if progress is not None:
                    progress(*msg.args)
            else:
                return msg
    except (EOFError, ConnectionError, MessageError):
        helper.stop()
        raise InputFileError(
            path,
            "the helper process reading the file ended unexpectedly "
            f"(exit code {helper.process.exitcode})",
        ) from None
    except BaseException:  # cancelled or interrupted: its answer would be stale
        helper.stop()
        raise


def _forwarded(category) -> bool:
    return issubclass(category, Warning) and category.__module__.startswith("ctaviewer")


# ------------------------------------------------------------------------ helper process
class _Server:
    """The helper's side: the file it holds open (token, source) and the requests."""

    def __init__(self, conn):
        self.channel = Channel(conn, TAGS)
        self.token = None
        self.source = None
        self.pipelines: dict[object, object] = {}  # ProcessingConfig -> Pipeline, this file
        self.warm = False

    def serve(self) -> None:
        self.channel.send("ready")
        # what opening a file needs, imported while no request is waiting: scipy.spatial
        # (camera geometry) alone takes ~0.25 s
        import eventio.simtel  # noqa: F401
        import scipy.sparse  # noqa: F401
        import scipy.spatial  # noqa: F401

        handlers = {"open": self._open, "event": self._event, "process": self._process,
                    "close": self._close}
        while True:
            try:
                msg = self.channel.receive()
            except (EOFError, OSError):
                return
            except MessageError as exc:  # a request that cannot be read: said, not silent
                self.channel.send_error(exc)
                continue
            try:
                answer = handlers[msg.tag](*msg.args)
            except Exception as exc:  # a request of the wrong form: said, not silent
                self.channel.send_error(exc)
                continue
            if answer is None:
                self.channel.send("done", None)
            elif isinstance(answer, BaseException):
                self.channel.send_error(answer)
            else:
                self.channel.send("done", *answer)
            if msg.tag == "open" and not self.warm:
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

    def _open(self, token, path, kwargs, tmpdir, first):
        """(headers, index, its error, warnings, first event), or the error."""
        self._release()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                source = SimTelSource(path, **kwargs)
                try:
                    index = source.scan_index(
                        lambda f: self.channel.send("progress", f), None, tmpdir)
                except BaseException:
                    source.close()
                    raise
            except Exception as exc:
                return reader_error(path, exc)
        error = index.error
        index.error = None  # sent apart: typed errors travel as procmsg describes them
        found = [(w.category, str(w.message)) for w in caught if _forwarded(w.category)]
        sub = source.subarray
        for g in {id(d.camera.geometry): d.camera.geometry for d in sub.tels.values()}.values():
            # cached on the geometry, so they travel with it: the caller neither computes
            # them nor imports scipy (for the neighbours) to draw the cameras
            g.neighbors, g.polygons, g.pixel_width, g.radius  # noqa: B018
        event = None
        try:
            # keep the file open to read events ahead; the caller owns the temporary folder
            source.release_header_stream()
            source.attach_index(dataclasses.replace(index, temporary_dir=None))
            self.token, self.source = token, source
            if first is not None and 0 <= first < len(source):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    event = source[first]
        except Exception:  # the caller reads the event itself and reports what is wrong
            self._release()
        return (source.headers, index,
                portable_error(error) if error is not None else None, found, event)

    def _close(self, token):
        if token == self.token:
            self._release()

    def _process(self, token, i, config):
        if token != self.token or self.source is None:
            return None
        try:
            pipeline = self.pipelines.get(config)
            if pipeline is None:
                from ..pipeline import Pipeline

                other = next(iter(self.pipelines.values()), None)
                pipeline = (other.with_config(config) if other is not None  # shared caches
                            else Pipeline(self.source.subarray, config))
                self.pipelines = {config: pipeline}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                event = self.source[i]
            return (pipeline.process(event),)
        except Exception as exc:
            return exc

    def _event(self, token, i):
        if token != self.token or self.source is None:
            return None
        try:
            return (self.source[i],)
        except IndexError as exc:
            return exc
        except Exception as exc:
            return reader_error(self.source.path, exc)


def _serve(conn) -> None:
    """The helper's main loop: answer requests until the pipe closes."""
    _Server(conn).serve()


__all__ = ["HelperSource", "open_indexed", "serves", "start_helper", "stop_helper"]
