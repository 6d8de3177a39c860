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


class _Unreadable:
    """Pickles, but unpickling it raises (as a class the receiver cannot import does)."""

    def __reduce__(self):
        import operator

        return operator.truediv, (1, 0)


def test_an_unreadable_message_is_a_message_error_and_the_channel_goes_on():
    from ctaviewer.errors import MessageError

    ctx = mp.get_context("spawn")
    for a, b in (ctx.Pipe(), (ctx.Queue(),) * 2):
        sender, receiver = Channel(a, TAGS), Channel(b, TAGS)
        sender.send("done", _Unreadable())
        sender.send("progress", 1.0)
        with pytest.raises(MessageError, match="ZeroDivisionError"):
            receiver.receive(timeout=60)
        assert receiver.receive(timeout=60) == Message("progress", (1.0,))


def test_try_send_says_when_the_other_end_is_gone():
    a, b = mp.get_context("spawn").Pipe()
    channel = Channel(a, TAGS)
    assert channel.try_send("progress", 0.1)
    b.close()
    assert not channel.try_send("progress", 0.2)
    with pytest.raises(ValueError):  # a wrong tag is a mistake, not a gone reader
        channel.try_send("nonsense")
    with pytest.raises((EOFError, OSError)):  # as the connection says it
        channel.receive(timeout=1)


def _exit_at_once():
    pass


def test_wait_returns_pipe_channels_with_messages_and_ended_processes():
    from ctaviewer.procmsg import wait

    ctx = mp.get_context("spawn")
    ends = [ctx.Pipe() for _ in range(3)]
    channels = [Channel(a, TAGS) for a, _ in ends]
    assert wait(channels, timeout=0) == []
    Channel(ends[1][1], TAGS).send("progress", 0.5)
    process = ctx.Process(target=_exit_at_once)
    process.start()
    process.join(60)
    ready = wait([*channels, process.sentinel], timeout=5)
    assert ready[0] is channels[1] and set(ready[1:]) == {process.sentinel}
    assert channels[1].receive(timeout=0) == Message("progress", (0.5,))
    with pytest.raises(TypeError, match="pipes"):
        wait([Channel(ctx.Queue(), TAGS)], timeout=0)


def test_sending_from_several_threads_keeps_messages_whole():
    """A worker's warnings and its job's progress come from different threads: large
    messages sent at once must not interleave on the pipe."""
    import threading

    a, b = mp.get_context("spawn").Pipe()
    sender, receiver = Channel(a, TAGS), Channel(b, TAGS)
    blob = {k: bytes([k]) * 300_000 for k in range(4)}

    def send(k):
        for _ in range(20):
            sender.send("done", k, blob[k])

    threads = [threading.Thread(target=send, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    received = [receiver.receive(timeout=60) for _ in range(80)]
    for t in threads:
        t.join()
    assert all(m.tag == "done" and m.args[1] == blob[m.args[0]] for m in received)
