"""A program on a real pseudo-terminal, driven like a person at a keyboard.

``Terminal`` starts a command with a pty as its stdin, stdout and stderr (so it sees a
terminal, as it would in a shell), sends keystrokes and reads what the program wrote.
``plain`` strips the terminal control sequences so tests can read the text.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """``text`` without escape sequences and carriage returns, backspaces applied."""
    kept: list[str] = []
    for char in _CONTROL.sub("", text):
        if char == "\b":
            if kept and kept[-1] != "\n":
                kept.pop()
        elif char != "\a":
            kept.append(char)
    return "".join(kept)


def last_states(text: str) -> list[str]:
    """The distinct lines a redrawing program showed, in order, without control sequences.

    Bars redraw in place: splitting on carriage returns and cursor moves gives every
    state a line went through; the caller picks the last one of interest.
    """
    pieces = re.split(r"\r|\n|\x1b\[[0-9]*[ABK]", text)
    return [p for p in (plain(piece).strip() for piece in pieces) if p]


class Terminal:
    """``argv`` running on a pseudo-terminal of ``columns`` x ``rows``."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str,
        env: Mapping[str, str],
        columns: int = 120,
        rows: int = 40,
    ) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, "TERM": "xterm", "COLUMNS": str(columns), "LINES": str(rows)},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.output = b""

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def read_until(self, wanted: str | re.Pattern[str], timeout: float = 30.0) -> str:
        """Read until the text seen so far (control sequences removed) matches ``wanted``."""
        deadline = time.monotonic() + timeout
        pattern = wanted if isinstance(wanted, re.Pattern) else re.compile(re.escape(wanted))
        while not pattern.search(plain(self.text)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"never saw {pattern.pattern!r}; got {plain(self.text)!r}")
            self._read(deadline - time.monotonic())
        return self.text

    def wait(self, timeout: float = 120.0) -> int:
        """Read everything until the program exits; its exit status."""
        deadline = time.monotonic() + timeout
        while True:
            if (
                not self._read(max(0.0, deadline - time.monotonic()))
                and self.proc.poll() is not None
            ):
                return self.proc.returncode
            if time.monotonic() > deadline:
                raise TimeoutError(f"still running after {timeout} s: {plain(self.text)[-500:]!r}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], min(timeout, 0.2))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the other side closed
            return False
        self.output += chunk
        return bool(chunk)

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.fd)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
