"""Progress of long data work: one bar per phase on a terminal, silence otherwise.

Domain functions take a ``Progress``. Each stage of the work (hashing, caching,
uploading...) starts with ``phase(label, files=..., nbytes=...)``, the totals it is about
to do; ``update`` then reports what is done, from any thread. Bytes are reported as they
are read or sent, so one big file moves its bar; ``OneFile`` keeps one file's byte
reports within its size and settles the rest when the file is done, so totals come out
exact whichever way the file was handled (copied, linked, already there).

``progress_for`` picks the reporter: ``TerminalProgress`` when stderr is a terminal, else
``NullProgress``. The terminal bars are drawn with rich, imported only when the work
outlasts ``delay`` (quick commands draw nothing and import nothing): each phase keeps its
line, with files done of total, bytes done of total, speed and time left.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Protocol, TextIO

from gitml.units import format_bytes as format_bytes


class Progress(Protocol):
    """What domain code calls; implementations are thread-safe."""

    def phase(self, label: str, *, files: int = 0, nbytes: int = 0) -> None:
        """Start the next stage of the work, with what it is about to do."""
        ...

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        """More work for the current phase, found while doing it."""
        ...

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        """Work done in the current phase."""
        ...


class NullProgress:
    """Reports nothing (piped output, --quiet, --json, library use)."""

    def phase(self, label: str, *, files: int = 0, nbytes: int = 0) -> None:
        pass

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        pass

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class OneFile:
    """One file's share of a phase: ``size`` bytes, then one file on ``done``.

    Byte reports (from a copy, a hash or an upload) pass on up to ``size``; ``done``
    reports the file and whatever bytes were not reported, so a file that needed no
    reading (a hard link, an object already present) still counts in full.
    """

    def __init__(self, progress: Progress, size: int) -> None:
        self._progress = progress
        self._left = max(0, size)

    def phase(self, label: str, *, files: int = 0, nbytes: int = 0) -> None:
        raise TypeError("a single file's progress has no phases")

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        raise TypeError("a single file's progress has a fixed size")

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        counted = min(nbytes, self._left)
        self._left -= counted
        if counted or files:
            self._progress.update(files=files, nbytes=counted)

    def done(self) -> None:
        """The file is finished."""
        self._progress.update(files=1, nbytes=self._left)
        self._left = 0


def one_file(progress: Progress | None, size: int) -> OneFile | None:
    """A ``OneFile`` of ``progress``, or None when nothing reports progress."""
    return None if progress is None else OneFile(progress, size)


class Phase:
    """One stage of the work and how far it has got (counted up in place)."""

    def __init__(
        self,
        label: str,
        total_files: int = 0,
        total_bytes: int = 0,
        files: int = 0,
        nbytes: int = 0,
    ) -> None:
        self.label = label
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.files = files
        self.nbytes = nbytes

    @property
    def empty(self) -> bool:
        return not (self.total_files or self.total_bytes or self.files or self.nbytes)

    def counts(self) -> str:
        """``12/40 files  1.5 MiB/3.0 MiB`` (what is known of it)."""
        parts = []
        if self.total_files:
            unit = "file" if self.total_files == 1 else "files"
            parts.append(f"{self.files:,}/{self.total_files:,} {unit}")
        elif self.files:
            parts.append(f"{self.files:,} files")
        if self.total_bytes:
            parts.append(f"{format_bytes(self.nbytes)}/{format_bytes(self.total_bytes)}")
        elif self.nbytes:
            parts.append(format_bytes(self.nbytes))
        return "  ".join(parts)


class TerminalProgress:
    """Bars on a terminal, one per phase, drawn by rich from a background thread.

    Counting is a lock and two additions; a thread redraws every ``interval`` once
    ``delay`` has passed. ``close`` draws the final state (each phase's line stays).
    """

    def __init__(
        self, stream: TextIO | None = None, *, delay: float = 0.3, interval: float = 0.1
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.phases: list[Phase] = []
        self._lock = threading.Lock()
        self._delay = delay
        self._interval = interval
        self._stop = threading.Event()
        self._started: float | None = None  # when the first phase began
        self._thread: threading.Thread | None = None
        self._bars: Any = None  # rich.progress.Progress, once drawing has started
        self._tasks: list[Any] = []

    def phase(self, label: str, *, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.phases.append(Phase(label, files, nbytes))
        if self._thread is None:
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._draw_loop, name="gitml-progress")
            self._thread.daemon = True
            self._thread.start()

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            if not self.phases:
                self.phases.append(Phase("working"))
            self.phases[-1].total_files += files
            self.phases[-1].total_bytes += nbytes

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            if self.phases:
                current = self.phases[-1]
                current.files += files
                current.nbytes += nbytes

    def _draw_loop(self) -> None:
        if self._stop.wait(self._delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(self._interval)

    def _draw(self) -> None:
        with self._lock:
            phases = [
                (p.label, p.total_files, p.total_bytes, p.files, p.nbytes) for p in self.phases
            ]
            finished = len(phases) - 1
        if self._bars is None:
            self._bars = _start_bars(self.stream)
        bars = self._bars
        for i, (label, total_files, total_bytes, files, nbytes) in enumerate(phases):
            if total_files == total_bytes == files == nbytes == 0:
                continue  # a phase with nothing to do gets no line
            by_bytes = total_bytes > 0
            total = (total_bytes if by_bytes else total_files) or None
            done = nbytes if by_bytes else files
            if i < finished and total is not None:
                done = total  # later phases only start once this one is over
            fields = {
                "counts": Phase(
                    label=label,
                    total_files=total_files,
                    total_bytes=total_bytes,
                    files=files,
                    nbytes=nbytes,
                ).counts(),
                "by_bytes": by_bytes,
            }
            while len(self._tasks) <= i:
                self._tasks.append(None)
            if self._tasks[i] is None:
                self._tasks[i] = bars.add_task(label, total=total, completed=done, **fields)
            else:
                bars.update(self._tasks[i], total=total, completed=done, **fields)
        bars.refresh()

    def close(self) -> None:
        """Stop drawing; once the work has outlasted ``delay``, draw its final state."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        started = self._started
        outlasted = started is not None and time.monotonic() - started >= self._delay
        if outlasted and any(not p.empty for p in self.phases):
            self._draw()
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _start_bars(stream: TextIO) -> Any:
    """A started rich ``Progress`` on ``stream``: label, bar, percent, counts, speed, ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        Task,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bars
    from rich.text import Text

    class Speed(ProgressColumn):
        """Bytes a second, for phases measured in bytes."""

        def render(self, task: Task) -> Text:
            if not task.fields.get("by_bytes") or not task.speed:
                return Text("")
            return Text(f"{format_bytes(task.speed)}/s")

    bars = Bars(
        TextColumn("{task.description:<11}"),
        BarColumn(bar_width=24),
        TaskProgressColumn(),
        TextColumn("{task.fields[counts]}"),
        Speed(),
        TimeRemainingColumn(),
        console=Console(file=stream, highlight=False),
        auto_refresh=False,
        transient=False,
    )
    bars.start()
    return bars


DELAY_ENV = "GITML_PROGRESS_DELAY"  # seconds before bars appear (default 0.3)


def progress_for(
    stream: TextIO | None = None, *, enabled: bool | None = None
) -> TerminalProgress | NullProgress:
    """Bars on ``stream`` (stderr by default) if it is a terminal, else a no-op."""
    stream = stream if stream is not None else sys.stderr
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        enabled = bool(isatty and isatty())
    if not enabled:
        return NullProgress()
    try:
        delay = max(0.0, float(os.environ.get(DELAY_ENV, "0.3")))
    except ValueError:
        delay = 0.3
    return TerminalProgress(stream, delay=delay)
