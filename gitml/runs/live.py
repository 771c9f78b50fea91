"""Hearing a member while it runs: when it began, the metrics it logs, and asking it to stop.

A search's pruner judges a trial by the step metrics it has logged so far, and a member on
another machine reports its progress so that a run lost with its node still has them. Both
follow the run's spool: a thread reads the whole lines added since the last look, a few
times a second (the API flushes metric lines every quarter of a second), and hands the
metric events to a ``Watch``; when the watch says so, the command is asked to stop with
SIGTERM, as a Ctrl-C to ``git ml run`` would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.runs.metrics import MetricEvent
from gitml.runs.spool import read_spool_from

if TYPE_CHECKING:
    from gitml.runs.execute import Performed

POLL_SECONDS = 0.2


class Watch:
    """What a running member tells its watcher; subclasses override what they need."""

    def begun(self, performed: Performed) -> None:
        """The command has started: the facts of its record so far (status interrupted)."""

    def metrics(self, events: Sequence[MetricEvent]) -> bool:
        """Metric values just logged; return True to stop the command."""
        return False

    def stop_requested(self) -> bool:
        """Polled while the command runs; True stops it."""
        return False


class Tail:
    """A thread following one spool until ``close``."""

    def __init__(self, spool: Path, watch: Watch, stop: Callable[[], None]) -> None:
        self.spool = spool
        self.watch = watch
        self.stop = stop
        self.offset = 0
        self.stopped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="gitml-tail", daemon=True)
        self._thread.start()

    def _look(self) -> None:
        data, self.offset = read_spool_from(str(self.spool), self.offset)
        events = [MetricEvent(n, s, v) for n, s, v in data.metrics]
        wants_stop = self.watch.metrics(events) if events else False
        if (wants_stop or self.watch.stop_requested()) and not self.stopped:
            self.stopped = True
            self.stop()

    def _loop(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            self._look()

    def close(self) -> None:
        """Stop following (after a last look, so no logged value is missed)."""
        self._done.set()
        self._thread.join()
        self._look()


def follow(spool: Path, watch: Watch, *, stop: Callable[[], None]) -> Tail:
    """Start following ``spool`` for ``watch``; ``stop`` stops the command."""
    return Tail(spool, watch, stop)
