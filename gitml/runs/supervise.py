"""Starting commands and passing signals on to them.

Outside a terminal (CI, scripts, ``nohup``, tests) each command runs in its own process
group and gitml forwards SIGINT, SIGTERM and SIGHUP to that group, so a signal to gitml
reaches the whole command tree exactly once. In an interactive terminal the command stays
in gitml's process group, so the terminal delivers Ctrl-C and Ctrl-Z to it directly (job
control, ``input()`` and debuggers keep working); gitml then notes the signal instead of
dying, and forwards only the signals sent to gitml alone (SIGTERM, SIGHUP).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType

from gitml.errors import GitmlError

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
INTERRUPTING = frozenset(int(s) for s in FORWARDED)


class CommandNotFound(GitmlError):
    """The command to run does not exist or cannot be executed."""

    exit_code = 127


class Interrupted(GitmlError):
    """A signal arrived before the command started; nothing was run."""

    exit_code = 130


def is_interactive() -> bool:
    """stdin is a terminal and gitml is its foreground process group."""
    try:
        return sys.stdin.isatty() and os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def exit_code_of(returncode: int) -> int:
    """A shell-style exit code: the command's, or 128 + signal when it was killed."""
    return returncode if returncode >= 0 else 128 - returncode


class Supervisor:
    """Runs commands and forwards signals; use as a context manager (main thread)."""

    def __init__(self, *, interactive: bool | None = None) -> None:
        self.interactive = is_interactive() if interactive is None else interactive
        self.received: list[int] = []
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._sent: dict[int, int] = {}
        self._saved: dict[int, object] = {}

    def __enter__(self) -> Supervisor:
        if threading.current_thread() is threading.main_thread():
            for sig in FORWARDED:
                self._saved[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._saved.clear()

    @property
    def interrupted(self) -> bool:
        return bool(self.received)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # Runs in the main thread at any bytecode boundary, possibly while that thread
        # holds the lock: record the signal and forward from a short-lived thread.
        self.received.append(signum)
        threading.Thread(target=self._sync_all, daemon=True).start()

    def _sync_all(self) -> None:
        with self._lock:
            for pid in list(self._children):
                self._sync(pid)

    def _sync(self, pid: int) -> None:
        """Send ``pid`` every received signal it has not been sent yet (lock held)."""
        start = self._sent.get(pid, 0)
        pending = self.received[start:]
        self._sent[pid] = start + len(pending)
        for signum in pending:
            try:
                if not self.interactive:
                    os.killpg(pid, signum)
                elif signum != signal.SIGINT:
                    os.kill(pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def start(
        self, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        """Start ``command`` (stdin/stdout/stderr inherited, unbuffered by construction)."""
        if self.received:
            raise Interrupted("interrupted before the command started; nothing was run")
        try:
            child = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(env),
                process_group=None if self.interactive else 0,
            )
        except FileNotFoundError:
            raise CommandNotFound(
                f"command not found: {command[0]!r}; check the spelling or PATH"
            ) from None
        except PermissionError:
            raise CommandNotFound(
                f"cannot execute {command[0]!r}: permission denied (is it executable?)"
            ) from None
        except OSError as exc:
            raise CommandNotFound(f"cannot start {command[0]!r}: {exc.strerror}") from None
        with self._lock:
            self._children[child.pid] = child
            self._sync(child.pid)
        return child

    def wait(self, child: subprocess.Popen[bytes]) -> int:
        """The command's raw return code (negative: killed by that signal)."""
        try:
            return child.wait()
        finally:
            with self._lock:
                self._children.pop(child.pid, None)
                self._sent.pop(child.pid, None)
