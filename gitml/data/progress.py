"""Progress of long hashing and transfers: a one-line bar on a terminal, silence otherwise.

Domain functions take a ``Progress`` and call ``add_total`` once they know the work, then
``update`` as it is done, from any thread. The caller picks the reporter with
``progress_for``: a ``TerminalProgress`` when stderr is a terminal, else ``NullProgress``.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from types import TracebackType
from typing import Protocol, TextIO

from gitml.units import format_bytes as format_bytes


class Progress(Protocol):
    """What domain code calls; implementations are thread-safe."""

    def add_total(self, files: int = 0, nbytes: int = 0) -> None: ...

    def update(self, files: int = 0, nbytes: int = 0) -> None: ...


class NullProgress:
    """Reports nothing (piped output, tests, library use)."""

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        pass

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class TerminalProgress:
    """A throttled one-line bar rewritten in place with ``\\r``; cleared on ``close``.

    Nothing is drawn during the first ``delay`` seconds, so quick operations stay silent.
    """

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        *,
        delay: float = 0.3,
        interval: float = 0.1,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.files = self.nbytes = self.total_files = self.total_bytes = 0
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._delay = delay
        self._interval = interval
        self._last_draw = 0.0
        self._drawn = False

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.total_files += files
            self.total_bytes += nbytes

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.files += files
            self.nbytes += nbytes
            now = time.monotonic()
            if now - self._start < self._delay or now - self._last_draw < self._interval:
                return
            self._last_draw = now
            self._draw(self.render(now - self._start))

    def render(self, elapsed: float) -> str:
        """The bar's text (no control characters)."""
        parts = [self.label]
        if self.total_files:
            parts.append(f"{self.files:,}/{self.total_files:,} files")
        elif self.files:
            parts.append(f"{self.files:,} files")
        if self.total_bytes:
            parts.append(f"{format_bytes(self.nbytes)}/{format_bytes(self.total_bytes)}")
            parts.append(f"{min(100, 100 * self.nbytes // self.total_bytes)}%")
        elif self.nbytes:
            parts.append(format_bytes(self.nbytes))
        elif self.total_files:
            parts.append(f"{min(100, 100 * self.files // self.total_files)}%")
        if self.nbytes and elapsed > 0:
            parts.append(f"{format_bytes(self.nbytes / elapsed)}/s")
        return "  ".join(parts)

    def _draw(self, text: str) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def progress_for(
    label: str, stream: TextIO | None = None, *, enabled: bool | None = None
) -> TerminalProgress | NullProgress:
    """A bar on ``stream`` (stderr by default) if it is a terminal, else a no-op."""
    stream = stream if stream is not None else sys.stderr
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        enabled = bool(isatty and isatty())
    return TerminalProgress(label, stream) if enabled else NullProgress()
