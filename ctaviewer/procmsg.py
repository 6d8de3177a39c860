"""Tagged messages between processes: one small protocol for pipes and queues.

The GUI's reading helper and the batch workers (a pipe each) and the training process (a
queue) talk the same way. A message is a tag and its arguments (``Message``); ``Channel``
wraps one end of a ``multiprocessing`` pipe or queue, sends and receives messages and
refuses tags outside the protocol it was made with. An exception travels as an ``"error"``
message, and ``Message.error()`` makes the same exception type again on the other side,
with its message and attributes (a typed input error keeps its path and cause), and the
traceback of where it was raised as ``remote_traceback``:

    # child                                  # parent
    out = Channel(queue, TAGS)                inbox = Channel(queue, TAGS)
    out.send("progress", 0.5)                 msg = inbox.receive(timeout=0.1)
    try: ...                                  if msg is None: ...          # nothing yet
    except Exception as exc:                  elif msg.tag == ERROR: raise msg.error()
        out.send_error(exc)                   elif msg.tag == "progress": show(*msg.args)

An exception whose type cannot be pickled, or cannot be imported where it is received,
arrives as the ``fallback`` error of ``Message.error`` (``CtaviewerError`` unless given)
naming the original type and message.

Failures of the channel itself: a closed or broken pipe raises ``EOFError`` or ``OSError``
from ``receive`` (``try_send`` returns False instead, for a sender that outlives its
reader); a message that arrived but cannot be read (its sender died half-way through it, or
it does not unpickle here) raises ``MessageError``, and the channel stays usable. ``wait``
waits on several pipe channels and process sentinels at once, as a parent watching its
workers does.
"""

from __future__ import annotations

import pickle
import queue as _queue
import threading
import traceback
from collections.abc import Callable, Iterable
from multiprocessing import connection as _connection
from typing import NamedTuple

from .errors import CtaviewerError, MessageError

#: the tag of a message carrying an exception; every channel accepts it
ERROR = "error"


def portable_error(exc: BaseException) -> tuple:
    """``exc`` in a form that crosses a process boundary: (pickled bytes or None, type name,
    message, traceback text).

    The exception is pickled without calling its constructor again (``rebuild_error`` makes
    it with ``__new__`` and restores ``args`` and attributes): typed errors whose
    constructor takes other arguments than their message (``InputFileError(path, cause)``)
    come back as themselves. Attributes that do not pickle are left out.
    """
    text = "".join(traceback.format_exception(exc))
    state = {}
    for key, value in vars(exc).items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        state[key] = value
    try:
        blob = pickle.dumps((type(exc), exc.args, state))
    except Exception:  # a local class, or arguments that do not pickle
        blob = None
    return blob, type(exc).__name__, str(exc), text


def rebuild_error(portable: tuple,
                  fallback: Callable[[str], BaseException] | None = None) -> BaseException:
    """The exception ``portable_error`` described, or ``fallback("Type: message")`` (a
    ``CtaviewerError`` by default) where it cannot be made again here."""
    blob, type_name, message, text = portable
    exc = None
    if blob is not None:
        try:
            cls, args, state = pickle.loads(blob)
            exc = cls.__new__(cls)
            exc.args = args
            exc.__dict__.update(state)
        except Exception:  # its module is not importable here, or it refuses __new__
            exc = None
    if exc is None:
        cause = f"{type_name}: {message}" if message else type_name
        exc = (fallback or CtaviewerError)(cause)
    exc.remote_traceback = text
    return exc


class Message(NamedTuple):
    """One message: its tag and its arguments."""

    tag: str
    args: tuple = ()

    def error(self, fallback: Callable[[str], BaseException] | None = None) -> BaseException:
        """The exception an ``"error"`` message carries (see ``rebuild_error``)."""
        if self.tag != ERROR:
            raise ValueError(f"a {self.tag!r} message carries no error")
        return rebuild_error(self.args[0], fallback)


class Channel:
    """One end of a ``multiprocessing`` pipe (``Connection``) or queue, carrying messages
    whose tags are ``tags`` (and ``ERROR``).

    Sending is thread-safe (a worker's warnings and its job's progress may come from
    different threads). A closed pipe raises ``EOFError`` or ``OSError`` from ``send`` and
    ``receive``, as the connection does; a message with a tag outside the protocol raises
    ``ValueError``; one that cannot be read, ``MessageError``.
    """

    def __init__(self, end, tags: Iterable[str]):
        self.end = end
        self.tags = frozenset(tags) | {ERROR}
        self.is_pipe = hasattr(end, "recv")
        self._lock = threading.Lock()

    def _check(self, tag: str) -> None:
        if tag not in self.tags:
            raise ValueError(f"message tag {tag!r} is not one of {sorted(self.tags)}")

    def send(self, tag: str, *args) -> None:
        self._check(tag)
        item = (tag, args)
        with self._lock:
            if self.is_pipe:
                self.end.send(item)
            else:
                self.end.put(item)

    def try_send(self, tag: str, *args) -> bool:
        """``send``, returning False instead of raising when the other end is gone (a
        closed or broken pipe). A tag outside the protocol still raises ``ValueError``."""
        self._check(tag)
        try:
            self.send(tag, *args)
        except (OSError, EOFError):
            return False
        return True

    def send_error(self, exc: BaseException) -> None:
        """Send ``exc`` as an ``"error"`` message."""
        self.send(ERROR, portable_error(exc))

    def receive(self, timeout: float | None = None) -> Message | None:
        """The next message; None when none came within ``timeout`` seconds (None: wait
        for one; 0: do not wait)."""
        if self.is_pipe:
            if timeout is not None and not self.end.poll(timeout):
                return None
            read = self.end.recv
        else:
            def read():
                return (self.end.get_nowait() if timeout == 0
                        else self.end.get(timeout=timeout))
        try:
            tag, args = read()
            args = tuple(args)
        except (EOFError, OSError):  # closed, or broken (EOFError: the other end is gone)
            raise
        except _queue.Empty:
            return None
        except Exception as exc:  # truncated bytes, a class that is not importable here
            raise MessageError(
                f"a message could not be read ({type(exc).__name__}: {exc})") from exc
        self._check(tag)
        return Message(tag, args)

    def empty(self) -> bool:
        """Whether no message is waiting (a hint for queues, as ``Queue.empty`` is)."""
        return not self.end.poll(0) if self.is_pipe else self.end.empty()

    def close(self) -> None:
        """Close this end (a pipe's connection; a queue is left to its owner)."""
        if self.is_pipe:
            self.end.close()


def wait(objects: Iterable, timeout: float | None = None) -> list:
    """Those of ``objects`` that are ready, waiting up to ``timeout`` seconds (None: until
    one is): pipe channels with a message waiting or a closed other end, and whatever
    ``multiprocessing.connection.wait`` takes (a process's ``sentinel`` is ready once the
    process has ended). Queue channels cannot be waited on (``TypeError``)."""
    handles = {}
    for obj in objects:
        if isinstance(obj, Channel):
            if not obj.is_pipe:
                raise TypeError("only channels over pipes can be waited on")
            handles[obj.end] = obj
        else:
            handles[obj] = obj
    return [handles[h] for h in _connection.wait(list(handles), timeout)]


__all__ = ["ERROR", "Channel", "Message", "portable_error", "rebuild_error", "wait"]
