"""Starting commands and passing signals on to them.

Outside a terminal (CI, scripts, ``nohup``, tests) each command runs in its own process
group and gitml forwards SIGINT, SIGTERM and SIGHUP to that group, so a signal to gitml
reaches the whole command tree exactly once. In an interactive terminal the command stays
in gitml's process group, so the terminal delivers Ctrl-C and Ctrl-Z to it directly (job
control, ``input()`` and debuggers keep working); gitml then notes the signal instead of
dying, and forwards only the signals sent to gitml alone (SIGTERM, SIGHUP).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

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

    def __init__(
        self,
        *,
        interactive: bool | None = None,
        stdout: int | None = None,
        stderr: int | None = None,
        stderr_tail: int = 0,
        die_with_parent: bool = False,
    ) -> None:
        """``stdout``, ``stderr``: file descriptors for the commands' output (default: inherited).

        ``stderr_tail``: keep that many last bytes of each command's stderr (still passed
        on to gitml's) in ``stderr_tails`` once it has ended. ``die_with_parent``: a command whose gitml dies
        (a cluster worker killed with its node) is stopped too, by a small watcher process.
        """
        self.interactive = is_interactive() if interactive is None else interactive
        self.stdout = stdout
        self.stderr = stderr
        self.stderr_tail = stderr_tail
        self.die_with_parent = die_with_parent
        self.received: list[int] = []
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self.stderr_tails: list[str] = []
        self._tails: dict[int, tuple[threading.Thread, bytearray]] = {}
        self._guards: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._sent: dict[int, int] = {}
        self._saved: dict[int, object] = {}

    def __enter__(self) -> Supervisor:
        if threading.current_thread() is threading.main_thread():
            for sig in FORWARDED:
                self._saved[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._saved.clear()

    @property
    def interrupted(self) -> bool:
        return bool(self.received)

    def deliver(self, signum: int) -> None:
        """Act on ``signum`` as if it had been sent to gitml (from any thread)."""
        self.received.append(signum)
        self._sync_all()

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
                stdout=self.stdout,
                stderr=subprocess.PIPE if self.stderr_tail else self.stderr,
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
            if child.stderr is not None:
                kept = bytearray()
                thread = threading.Thread(
                    target=_copy_stderr,
                    args=(child.stderr, kept, self.stderr_tail),
                    daemon=True,
                )
                thread.start()
                self._tails[child.pid] = (thread, kept)
            if self.die_with_parent and not self.interactive:
                self._guards[child.pid] = _guard(child.pid)
        return child

    def terminate(self, child: subprocess.Popen[bytes]) -> None:
        """Ask one command to stop (SIGTERM to its process group), as a signal to gitml would."""
        with self._lock:
            if child.pid not in self._children:
                return
            try:
                if self.interactive:
                    os.kill(child.pid, signal.SIGTERM)
                else:
                    os.killpg(child.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass

    def wait(self, child: subprocess.Popen[bytes]) -> int:
        """The command's raw return code (negative: killed by that signal)."""
        try:
            return child.wait()
        finally:
            with self._lock:
                self._children.pop(child.pid, None)
                self._sent.pop(child.pid, None)
                guard = self._guards.pop(child.pid, None)
                tail = self._tails.pop(child.pid, None)
            if guard is not None:
                guard.kill()
                guard.wait()
            if tail is not None:
                tail[0].join(timeout=5)
                self.stderr_tails.append(bytes(tail[1]).decode("utf-8", "replace"))


def _copy_stderr(source: io.BufferedReader, kept: bytearray, limit: int) -> None:
    """Pass a command's stderr on to gitml's, keeping its last ``limit`` bytes."""
    while chunk := source.read1(65536):
        try:
            sys.stderr.buffer.write(chunk)
            sys.stderr.buffer.flush()
        except (OSError, ValueError, AttributeError):
            pass
        kept.extend(chunk)
        del kept[: max(0, len(kept) - limit)]
    source.close()


_GUARD = (
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done; '
    'kill -TERM -- "-$1" 2>/dev/null; sleep 5; kill -KILL -- "-$1" 2>/dev/null'
)


def _guard(pgid: int) -> subprocess.Popen[bytes]:
    """A watcher that stops process group ``pgid`` once this process has died."""
    return subprocess.Popen(
        ["sh", "-c", _GUARD, str(os.getpid()), str(pgid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
