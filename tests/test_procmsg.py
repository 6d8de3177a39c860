"""procmsg: tagged messages over pipes and queues, exceptions back as their own type."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from ctaviewer.errors import CorruptFileError, CtaviewerError, HeaderOnlyFileError
from ctaviewer.procmsg import ERROR, Channel, Message, portable_error, rebuild_error

TAGS = ("progress", "done")


def _child(end, kind):
    """A spawned child that reports progress, then fails (or finishes)."""
    out = Channel(end, TAGS)
    out.send("progress", 0.5)
    if kind == "typed":
        out.send_error(CorruptFileError("/data/f.simtel", "bad bytes", offset=12,
                                        n_good_events=3))
    elif kind == "local":
        class Local(Exception):  # cannot be pickled by reference
            pass

        out.send_error(Local("only here"))
    else:
        out.send("done", {"n": 3}, ["a"])


def _roundtrip(exc):
    return rebuild_error(portable_error(exc))


def test_typed_errors_come_back_as_themselves():
    exc = _roundtrip(CorruptFileError("/data/f.simtel", "bad bytes", offset=12,
                                      n_good_events=3))
    assert type(exc) is CorruptFileError
    assert (exc.path, exc.reason, exc.offset, exc.n_good_events) == (
        "/data/f.simtel", "bad bytes", 12, 3)
    assert str(exc) == "/data/f.simtel: corrupted data at byte 12 after 3 complete events: " \
                       "bad bytes"
    header_only = _roundtrip(HeaderOnlyFileError("/x", "no events"))
    assert type(header_only) is HeaderOnlyFileError and header_only.cause == "no events"
    plain = _roundtrip(ValueError("bad value"))
    assert type(plain) is ValueError and str(plain) == "bad value"
    assert "ValueError: bad value" in plain.remote_traceback


def test_an_error_that_cannot_travel_arrives_as_the_fallback():
    class Local(Exception):
        pass

    exc = _roundtrip(Local("only here"))
    assert type(exc) is CtaviewerError and str(exc) == "Local: only here"
    named = rebuild_error(portable_error(Local("x")), lambda text: ValueError(f"f: {text}"))
    assert type(named) is ValueError and str(named) == "f: Local: x"


def test_unpicklable_attributes_are_left_out():
    exc = CtaviewerError("with a lock")
    exc.lock = mp.Lock()
    exc.note = "kept"
    back = _roundtrip(exc)
    assert str(back) == "with a lock" and back.note == "kept" and not hasattr(back, "lock")


def test_tags_outside_the_protocol_are_refused():
    channel = Channel(mp.get_context("spawn").Queue(), TAGS)
    with pytest.raises(ValueError, match="'prgress'"):
        channel.send("prgress", 1.0)
    with pytest.raises(ValueError, match="carries no error"):
        Message("done", ()).error()


@pytest.mark.parametrize("use_pipe", [True, False], ids=["pipe", "queue"])
def test_messages_and_errors_cross_a_process_boundary(use_pipe):
    ctx = mp.get_context("spawn")
    for kind in ("typed", "local", "ok"):
        if use_pipe:
            end, child_end = ctx.Pipe()
        else:
            end = child_end = ctx.Queue()
        process = ctx.Process(target=_child, args=(child_end, kind))
        process.start()
        channel = Channel(end, TAGS)
        assert channel.receive(timeout=60) == Message("progress", (0.5,))
        last = channel.receive(timeout=60)
        process.join(60)
        if kind == "ok":
            assert last == Message("done", ({"n": 3}, ["a"]))
            continue
        assert last.tag == ERROR
        exc = last.error()
        if kind == "typed":
            assert type(exc) is CorruptFileError and exc.offset == 12
        else:
            assert type(exc) is CtaviewerError and str(exc) == "Local: only here"
        assert channel.receive(timeout=0) is None and channel.empty()
