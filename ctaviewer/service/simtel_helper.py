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

import contextlib
import dataclasses
import multiprocessing as mp
import os
import shutil
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..errors import Cancelled, InputFileError, MessageError, reader_error
from ..io import open_indexed as open_here
from ..io.decompression import compression_of, open_copy
from ..io.simtel import SimTelSource
from ..io.simtel_index import make_temp_dir
from ..procmsg import Channel, Message, portable_error, rebuild_error
from ..warning_capture import isolated_warnings
from .background_index import SCAN_NICENESS, BackgroundIndex, ScanEnd

_POLL_S = 0.05
_CLOSE_WAIT_S = 0.1  # the longest a close waits for another request to the helper
#: files smaller than this (bytes on disk) are indexed whole before an open returns, even a
#: progressive one: they take well under a second, and their list comes complete at once
WHOLE_BELOW_BYTES = 24_000_000
_START_TIMEOUT_S = 30.0
#: requests (caller -> helper), answers (helper -> caller), and what the helper says of the
#: file it indexes while the caller does other things: "rows" (a batch of new events),
#: "indexed" (the end of the scan)
TAGS = ("open", "event", "process", "close", "ready", "progress", "done", "rows", "indexed")
_INDEX_TAGS = ("rows", "indexed")
#: a handler that has sent its answer itself
_ANSWERED = object()


class IndexNews(NamedTuple):
    """What changed in a ``HelperSource``'s index since the last ``poll_index``: events
    ``start`` to ``stop`` (exclusive) are new; ``fraction`` of the file is indexed; ``done``
    once the scan has ended (said once), with the ``warnings`` (text) it calls for, or the
    ``error`` that stopped it (the events before it stay readable)."""

    start: int
    stop: int
    fraction: float
    done: bool
    warnings: list
    error: BaseException | None


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
        #: token -> the source (weak) whose file the helper is indexing
        self.followers: dict[int, weakref.ref] = {}

    def dispatch(self, msg: Message) -> None:
        """A message about a file the helper indexes: to its source here (dropped when that
        is gone)."""
        token = msg.args[0]
        ref = self.followers.get(token)
        source = ref() if ref is not None else None
        if msg.tag == "indexed":
            self.followers.pop(token, None)
        if source is not None:
            source.take_index_message(msg)

    def drain(self) -> None:
        """Take every message waiting (index news; nothing else comes unasked)."""
        while True:
            msg = self.channel.receive(0)
            if msg is None:
                return
            if msg.tag in _INDEX_TAGS:
                self.dispatch(msg)

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
    #: what the helper said of the scan and no poll_index has reported yet
    _news: dict | None = None
    #: a large file (opened progressively): an event not in the cache is best read in the
    #: helper (``read_ahead``) before it is shown, not parsed in the caller's thread
    read_in_background = False

    def follow(self, helper: _Helper, token: int) -> None:
        """Hear of the scan the helper runs on this file (``poll_index``)."""
        self._held = (helper, token)
        self._news = {"reported": 0, "fraction": 0.0, "end": None, "said": False}
        self._news_lock = threading.Lock()
        helper.followers[token] = weakref.ref(self)

    @property
    def scan_fraction(self) -> float:
        """The part of the file the helper has indexed, as it last said (0 to 1)."""
        return self._news["fraction"] if self._news is not None else 1.0

    @property
    def scan_end(self) -> tuple[list, BaseException | None] | None:
        """How the helper's scan ended, once it has: (warnings as (category, text), error
        or None); None before."""
        return self._news["end"] if self._news is not None else None

    @property
    def indexing(self) -> bool:
        """Whether the helper is still indexing the file (``len`` grows meanwhile)."""
        index = self.index
        return index is not None and not index.complete

    def poll_index(self, timeout: float = 0.05) -> IndexNews:
        """Take what the helper said of the scan (waiting at most ``timeout`` s for another
        request to the helper to end) and report what is new since the last call."""
        held = self._held
        if self.indexing and held is not None and _LOCK.acquire(timeout=timeout):
            try:
                if not held[0].serving():
                    self._stopped("the file-reading helper process ended")
                elif held[0].followers.get(held[1]) is None:
                    self._stopped("another file was opened meanwhile")
                else:
                    held[0].drain()
            except (EOFError, OSError, MessageError):
                held[0].stop()
                self._stopped("the file-reading helper process ended")
            finally:
                _LOCK.release()
        return self._report()

    def _report(self) -> IndexNews:
        news = self._news
        if news is None:
            n = self.n_events_known or 0
            return IndexNews(n, n, 1.0, False, [], None)
        with self._news_lock:
            n = self.n_events_known or 0
            start, news["reported"] = news["reported"], n
            end = news["end"]
            done = end is not None and not news["said"]
            if done:
                news["said"] = True
            return IndexNews(start, n, 1.0 if end else news["fraction"], done,
                             [text for _, text in end[0]] if done else [],
                             end[1] if done else None)

    def take_index_message(self, msg: Message) -> None:
        """A "rows" or "indexed" message of the helper about this file."""
        if self._news is None or self.index is None:
            return  # closed meanwhile
        with self._news_lock:
            index = self.index
            if msg.tag == "rows":
                _, chunk, fraction = msg.args
                if not index.complete:
                    self.attach_index(index.extend(chunk))
                    self._news["fraction"] = fraction
                return
            _, info, error, found = msg.args
            if info is not None:
                index_error = info.pop("error")
                info["error"] = None if index_error is None else rebuild_error(index_error)
                self.attach_index(dataclasses.replace(index, complete=True, **info))
            else:
                self.attach_index(dataclasses.replace(index, complete=True))
            self._news["end"] = (list(found), None if error is None else _error(
                Message("error", (error,)), self.path))

    def _stopped(self, reason: str) -> None:
        """The scan ends here without its end being heard: the events indexed stay."""
        with self._news_lock:
            index = self.index
            if index is None or index.complete:
                return
            self.attach_index(dataclasses.replace(index, complete=True))
            self._news["end"] = ([], InputFileError(
                self.path, f"indexing stopped after {len(index)} events: {reason}; the "
                "events after them are not listed (open the file again to list them)"))

    def _holder(self) -> tuple[_Helper, int] | None:
        held = self._held
        return held if held is not None and held[0].serving() else None

    def read_ahead(self, i: int) -> bool:
        """Read event ``i`` in the helper into this source's cache. False (nothing done)
        when it is cached already or the helper no longer holds the file."""
        n = self.n_events_known
        if n is None or not 0 <= i < n or self.is_cached(i) or self._holder() is None:
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
        busy: its next open closes it anyway; never blocks for long). A scan still going
        on stops there."""
        held, self._held = self._held, None
        if held is not None:
            held[0].followers.pop(held[1], None)
        # a poll of the index holds the lock for a moment: wait for it while indexing
        wait = _CLOSE_WAIT_S if self.indexing else 0.0
        if held is not None and _LOCK.acquire(timeout=wait if wait else -1,
                                              blocking=bool(wait)):
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
    progressive: bool = False,
    whole_below: int = WHOLE_BELOW_BYTES,
    **kwargs,
) -> SimTelSource:
    """A ``HelperSource`` of ``path`` with its index built, parsed in the helper process.

    ``kwargs`` are SimTelSource's (allowed_tels, max_events, skip_calibration); event
    ``first`` (if given and present) is read too and waits in the source's cache.
    ``progress(fraction)`` is called from this thread; when ``should_stop()`` turns True the
    helper is ended at once and ``errors.Cancelled`` (a ``concurrent.futures.CancelledError``)
    is raised. Where the helper cannot start, a plain ``SimTelSource`` opened in this thread
    is returned.

    With ``progressive`` it returns as soon as event ``first`` (0 if None) is indexed and
    read, while the helper goes on indexing: the source's ``indexing`` is True until
    ``poll_index`` (called by whoever follows the index) has heard the scan end; ``len``
    counts the events indexed so far. Files smaller than ``whole_below`` bytes are indexed
    whole all the same.
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
        helper.followers.clear()  # the helper lets the file it indexes go for this one
        # named after this process: swept by a later one if this one is killed
        tmpdir = make_temp_dir(path) if compression_of(path) else None
        token = next(_TOKENS)
        whole = not progressive or os.path.getsize(path) < whole_below
        source = None
        try:
            msg = _request(helper, path, "open", token, path, kwargs, tmpdir, first, whole,
                           progress=progress, should_stop=should_stop)
            if msg.tag == "error":
                raise _error(msg, path)
            headers, index, caught, event = msg.args
            index = dataclasses.replace(index, temporary_dir=tmpdir, complete=False)
            source = HelperSource.from_headers(path, headers, index, **kwargs)
            source.follow(helper, token)
            source.read_in_background = not whole
            if event is not None:
                source.cache_event(event.index, _frozen(event))
            if whole:
                _wait_indexed(helper, source, progress, should_stop)
                found, error = source.scan_end
                if error is not None:
                    raise error
                caught = list(caught) + found
        except BaseException:
            if source is not None:
                source.close()  # and its temporary folder
            elif tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    for category, message in caught:
        warnings.warn(category(message), stacklevel=2)
    return source


def _wait_indexed(helper: _Helper, source: HelperSource, progress, should_stop) -> None:
    """Receive the helper's news of ``source``'s scan until it ends."""
    try:
        while source.indexing:
            if should_stop is not None and should_stop():
                raise Cancelled(f"opening {source.path} was cancelled")
            msg = helper.channel.receive(_POLL_S)
            if msg is None:
                if not helper.alive():
                    raise EOFError
            elif msg.tag in _INDEX_TAGS:
                helper.dispatch(msg)
                if progress is not None and source.indexing:
                    progress(source.scan_fraction)
    except (EOFError, ConnectionError, MessageError):
        helper.stop()
        raise InputFileError(
            source.path,
            "the helper process reading the file ended unexpectedly "
            f"(exit code {helper.process.exitcode})",
        ) from None
    except BaseException:  # cancelled or interrupted
        helper.stop()
        raise


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
            elif msg.tag in _INDEX_TAGS:  # news of a scan, come while we wait
                helper.dispatch(msg)
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
def copy_niceness() -> int:
    """The niceness of the process that decompresses a file beside the window.

    With two cores or more, the window's own: whatever the user asks for beyond the first
    event waits for it (at the scan's niceness 5, sharing two cores with the window and the
    first event's reading, it took 1.0-1.5 s for a file it decompresses in 0.65 s alone,
    and event 1000 of 1240 showed 0.46-0.98 s after asking). On one core, the scan's: at
    the window's it would take half of the window's time while it runs."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 0 if cores > 1 else SCAN_NICENESS


class _Server:
    """The helper's side: the file it holds open (token, source) and the requests."""

    def __init__(self, conn):
        self.channel = Channel(conn, TAGS)
        self.token = None
        self.source = None
        self.scan: BackgroundIndex | None = None  # indexing self.source
        self.pipelines: dict[object, object] = {}  # ProcessingConfig -> Pipeline, this file
        self.warm = False

    def serve(self) -> None:
        self.channel.send("ready")
        # what opening a file needs, imported while no request is waiting
        import eventio.simtel  # noqa: F401

        handlers = {"open": self._open, "event": self._event, "process": self._process,
                    "close": self._close}
        while True:
            try:
                # the kernels load once the helper is idle (no file yet, or its scan
                # over): a scan going on is not slowed by it (a processing request loads
                # them at once). Started ahead of a file, the helper is warm when the file
                # comes: numba's first kernel costs ~1 s of imports, which opening a file
                # (its cameras' neighbours) and showing its first event need anyway
                idle = not self.warm and (self.scan is None or self.scan.end is not None)
                msg = self.channel.receive(0.2 if not self.warm else None)
                if msg is None:
                    if idle:
                        self._warm_up()
                    continue
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
            if answer is _ANSWERED:
                pass
            elif answer is None:
                self.channel.send("done", None)
            elif isinstance(answer, BaseException):
                self.channel.send_error(answer)
            else:
                self.channel.send("done", *answer)

    def _warm_up(self) -> None:
        """Import the processing chain and load its numba kernels (once)."""
        self.warm = True
        try:
            from ..pipeline import warm_up

            warm_up()
        except Exception:  # the first processing request reports what is wrong
            pass

    def _release(self) -> None:
        if self.scan is not None:
            self.scan.stop()
        if self.source is not None:
            self.source.close()
        self.token = self.source = self.scan = None
        self.pipelines = {}

    def _open(self, token, path, kwargs, tmpdir, first, whole):
        """Answers (headers, the index so far, warnings, the first event) as soon as event
        ``first`` is indexed and read (with ``whole``: once the file is indexed), then sends
        the scan's news ("rows", "indexed") as it goes on; or the error."""
        self._release()
        # decompression starts first: in a process of its own, it runs beside the parsing
        # of the run headers (a compressed file comes with the folder for its copy)
        copy = None
        if tmpdir is not None:
            try:
                copy = open_copy(path, tmpdir, niceness=copy_niceness())
            except Exception as exc:
                return reader_error(path, exc)
        with isolated_warnings(record=True, action="always") as caught:
            try:
                source = SimTelSource(path, **kwargs)
            except Exception as exc:
                if copy is not None:
                    copy.close()
                return reader_error(path, exc)
        found = [(w.category, str(w.message)) for w in caught if _forwarded(w.category)]
        try:
            sub = source.subarray
            for g in {id(d.camera.geometry): d.camera.geometry
                      for d in sub.tels.values()}.values():
                # cached on the geometry, so they travel with it: the caller neither
                # computes them nor runs the neighbour kernels to draw the cameras
                g.neighbors, g.polygons, g.pixel_width, g.radius  # noqa: B018
            # keep the file open to read events ahead; the caller owns the temporary folder
            source.release_header_stream()
        except Exception:
            if copy is not None:
                copy.close()
            source.close()
            raise
        scan = BackgroundIndex(source, tmpdir, copy)  # closes the copy when it ends
        self.token, self.source, self.scan = token, source, scan
        wanted = max(first or 0, 0)
        while not scan.wait_for(wanted, _POLL_S):
            self.channel.send("progress", scan.fraction)
        if source.index is None:  # the scan failed before any event
            error = scan.end.error
            self._release()
            return reader_error(path, error)
        event = None
        if first is not None and 0 <= first < (source.n_events_known or 0):
            try:
                with isolated_warnings(action="ignore"), scan.paused():
                    event = source[first]
            except Exception:  # the caller reads the event itself and reports what is wrong
                event = None
        if whole:
            scan.wait_for(1 << 62)

        def answer(index):
            # its error (a whole index's) goes with the end, as procmsg carries errors
            index = dataclasses.replace(index, error=None)
            self.channel.send("done", source.headers, index, found, event)

        scan.announce(answer, lambda chunk, fraction: self._send_rows(token, chunk, fraction),
                      lambda end: self._send_end(token, path, end))
        return _ANSWERED

    def _send_rows(self, token, chunk, fraction) -> None:
        # the monitoring data goes once, with the end
        chunk = dataclasses.replace(chunk, camera_monitoring={}, laser_calibration={})
        self.channel.try_send("rows", token, chunk, fraction)

    def _send_end(self, token, path, end: ScanEnd) -> None:
        info = None
        if end.index is not None:
            index = end.index
            info = {"truncated": index.truncated, "run_end": index.run_end,
                    "trailing_bytes": index.trailing_bytes,
                    "shower_primaries": index.shower_primaries,
                    "camera_monitoring": index.camera_monitoring,
                    "laser_calibration": index.laser_calibration,
                    "error": None if index.error is None else portable_error(index.error)}
        error = None if end.error is None else portable_error(reader_error(path, end.error))
        found = [(c, t) for c, t in end.warnings if _forwarded(c)]
        self.channel.try_send("indexed", token, info, error, found)

    def _scan_paused(self):
        """The scan of the open file paused while the caller waits for an answer."""
        return self.scan.paused() if self.scan is not None else contextlib.nullcontext()

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
            with isolated_warnings(action="ignore"):
                event = self.source[i]
            return (pipeline.process(event),)
        except Exception as exc:
            return exc

    def _event(self, token, i):
        if token != self.token or self.source is None:
            return None
        try:
            with self._scan_paused():
                return (self.source[i],)
        except IndexError as exc:
            return exc
        except Exception as exc:
            return reader_error(self.source.path, exc)


def _serve(conn) -> None:
    """The helper's main loop: answer requests until the pipe closes."""
    _Server(conn).serve()


__all__ = ["HelperSource", "open_indexed", "serves", "start_helper", "stop_helper"]
