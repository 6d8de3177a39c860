"""The comparison's Qt side: B's result of the current event, computed off the GUI thread.

``ComparisonModel`` owns a Qt-free ``service.comparison.ComparisonState`` (configuration
B, where it came from, B's results) and follows the session: when the current event
changes, or B does, it processes the event with B in the application's worker pool, as the
session processes it with A (``service.processing.Processor``: in the helper process for
sim_telarray files, else with a pipeline of this process). A result arrives with the
generation of B and the event index it was asked for; the state keeps it only under the
same B and file, and the views ask for the current event's (``result_b``), so B of another
event, another file or another B is never shown.
"""

from __future__ import annotations

from ...service import processing
from ...service.comparison import ComparisonState
from .. import workers
from ..qt import QtCore

__all__ = ["ComparisonModel"]


class ComparisonModel(QtCore.QObject):
    """Comparison of the session's settings (A) with a second configuration (B)."""

    #: B was set or dropped (the views show or hide their A/B parts)
    changed = QtCore.Signal()
    #: B's result of the current event has come (or gone: a new event, a new B)
    result_changed = QtCore.Signal()

    def __init__(self, session, state: ComparisonState | None = None):
        super().__init__()
        self.session = session
        self.state = state or ComparisonState()
        self.processor = processing.Processor()
        self._task = None
        self._asked: tuple | None = None  # (generation, source, index) being processed
        self.state.changed.connect(self._reference_changed)
        self.state.result_changed.connect(self._result_came)
        session.event_changed.connect(self._event_changed)
        session.source_changed.connect(self._source_changed)
        session.rows_changed.connect(self._rows_changed)

    # ---------------------------------------------------------------- read
    active = property(lambda self: self.state.active)
    config = property(lambda self: self.state.config)
    reference = property(lambda self: self.state.reference)

    @property
    def result_b(self):
        """B's result of the session's current event, or None (not comparing, or not
        processed yet)."""
        s = self.session
        return self.state.result_for(s.event_index, s.source)

    def tel_result_b(self, tel_id):
        r = self.result_b
        return None if r is None else r.tel.get(tel_id)

    @property
    def pending(self) -> bool:
        """Whether B's result of the current event is being computed."""
        return self.active and self.result_b is None and self._asked is not None

    # ---------------------------------------------------------------- change B
    def load_toml(self, path):
        """Compare with a saved TOML file (ConfigError when it is not a valid one: B
        stays as it was)."""
        return self.state.load_toml(path)

    def snapshot(self):
        """Compare with a snapshot of the session's settings now (before an edit)."""
        return self.state.snapshot(self.session.config)

    def stop(self) -> None:
        self.state.stop()

    # ---------------------------------------------------------------- follow the session
    def _reference_changed(self) -> None:
        self._cancel()
        self.process()  # (first: the views say that B is being processed)
        self.changed.emit()
        self.result_changed.emit()

    def _event_changed(self) -> None:
        # (the views refresh for the new event anyway: B of the event before is not
        # shown, ``result_b`` being the current event's)
        self.process()

    def _source_changed(self) -> None:
        self._cancel()
        self.state.forget_source()
        if self.active:
            self.result_changed.emit()

    def _rows_changed(self) -> None:
        if self.session.source is None:  # closed
            self._source_changed()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = None
        self._asked = None

    def _result_came(self, index: int) -> None:
        if index == self.session.event_index:
            self.result_changed.emit()

    # ---------------------------------------------------------------- processing
    def process(self, synchronous: bool = False) -> None:
        """Process the current event with B in the background (nothing when it has its
        result already, or is being processed)."""
        s = self.session
        event, source = s.array_event, s.source
        st = self.state
        if not st.active or event is None or source is None:
            return
        index = s.event_index
        if st.result_for(index, source) is not None:
            return
        asked = (st.generation, source, index)
        if self._asked == asked:
            return
        self._cancel()
        self._asked = asked
        config, processor = st.config, self.processor
        if synchronous:
            result = processor.pipeline(source, config).process(event)
            self._processed((asked, result))
            return

        def run(progress, should_stop):
            if should_stop():
                return None
            return asked, processor.process(source, config, event)

        self._task = workers.submit(run, self._processed,
                                    lambda exc: self._failed(asked, exc))

    def _processed(self, payload) -> None:
        if payload is None:
            return
        asked, result = payload
        if self._asked == asked:
            self._task = None
            self._asked = None
        generation, source, index = asked
        self.state.add_result(index, result, generation, source)

    def _failed(self, asked, exc) -> None:
        if self._asked != asked:
            return  # a request abandoned meanwhile
        self._task = None
        self._asked = None
        label = self.reference.label if self.reference is not None else "B"
        # said as the session's errors are (the window's error dialog)
        self.session.state.report_error(
            "Cannot process with B", f"Event {asked[2]} with {label}:\n\n"
            f"{type(exc).__name__}: {exc}")
