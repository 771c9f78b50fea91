"""The git command line: the one runner, the one ``cat-file --batch`` reader, the one raw-diff parser.

Every git process gitml starts is started here (the rest of gitml reaches git through
``gitml.storage``). Output is read as bytes: paths are NUL-separated (``-z``) wherever
git offers it, so no path is ever misread.
"""

import os
import subprocess
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from gitml.errors import GitmlError

ZERO_OID = "0" * 40


class GitFailed(GitmlError):
    """A git command exited with an error."""


class GitTimeout(GitFailed):
    """A git command did not finish in time."""


def run_git(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` and capture its output; a non-zero exit is the caller's call."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            check=False,
            env=None if env is None else {**os.environ, **env},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise GitTimeout(f"`git {' '.join(args[:2])}` timed out after {timeout:.0f} s") from None


def as_text(proc: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[str]:
    """``proc`` with its output decoded (UTF-8; bytes that are not become U+FFFD)."""
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def last_line(stderr: bytes | str) -> str:
    """The last non-empty line of git's error output (its actual complaint)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def layout(cwd: Path | str) -> tuple[list[str], bytes]:
    """What git says of the repository around ``cwd``, and its stderr.

    One line each: the git directory, the common git directory (both absolute), whether it
    is bare, whether shallow, and the work tree. Outside a repository there are fewer than
    four lines; where there is no work tree (bare, or inside the git directory) four, as
    ``--show-toplevel`` fails after the others are printed.
    """
    proc = run_git(
        cwd,
        "rev-parse",
        "--path-format=absolute",
        "--absolute-git-dir",
        "--git-common-dir",
        "--is-bare-repository",
        "--is-shallow-repository",
        "--show-toplevel",
    )
    return proc.stdout.decode("utf-8", "surrogateescape").splitlines(), proc.stderr


def git_output(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """The stdout of ``git ARGS``; ``GitFailed`` naming the command when it fails."""
    proc = run_git(cwd, *args, input=input, env=env)
    if proc.returncode != 0:
        raise GitFailed(f"`git {' '.join(args[:3])}` failed: {last_line(proc.stderr)}")
    return proc.stdout


def end_input(proc: subprocess.Popen[bytes]) -> None:
    """Close a long-lived git's stdin: it finishes and exits (reaped by ``subprocess``)."""
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass


def start_long_lived(
    owner: object,
    cwd: Path | str,
    *args: str,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start ``git ARGS`` reading stdin for as long as ``owner`` lives."""
    proc = start_git(cwd, *args, stdout=stdout, stderr=stderr)
    weakref.finalize(owner, end_input, proc)
    return proc


def start_git(
    cwd: Path | str,
    *args: str,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.DEVNULL,
    detach: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a ``git ARGS`` reading stdin (or, detached, a background job)."""
    if detach:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    return subprocess.Popen(
        ["git", *args], cwd=cwd, stdin=subprocess.PIPE, stdout=stdout, stderr=stderr
    )


class GitObject(NamedTuple):
    oid: str
    kind: str  # "blob" | "tree" | "commit" | "tag"
    data: bytes


def _read_header(stdout: IO[bytes]) -> tuple[str, str, int] | None:
    """The ``(oid, kind, size)`` line of a ``cat-file --batch`` answer; None for
    ``<name> missing`` (or ambiguous)."""
    header = stdout.readline()
    if not header:
        raise GitFailed("`git cat-file --batch` stopped unexpectedly")
    parts = header.split()
    if len(parts) != 3 or parts[-1] in (b"missing", b"ambiguous"):
        return None
    return parts[0].decode(), parts[1].decode(), int(parts[2])


def _read_response(stdout: IO[bytes]) -> GitObject | None:
    """One ``cat-file --batch`` answer: the object, or None for ``<name> missing``."""
    found = _read_header(stdout)
    if found is None:
        return None
    oid, kind, size = found
    data = stdout.read(size + 1)  # the object and git's newline after it
    return GitObject(oid, kind, data[:size])


DRAIN_CHUNK = 1 << 20


class Sized(NamedTuple):
    """An object read up to a limit: its kind and size, and its content when within it."""

    kind: str
    size: int
    data: bytes | None  # None: over the limit, drained from the pipe and never held


def _read_within(stdout: IO[bytes], limit: int) -> Sized | None:
    """``_read_response`` for an object whose content is wanted only up to ``limit``."""
    found = _read_header(stdout)
    if found is None:
        return None
    _oid, kind, size = found
    if size <= limit:
        return Sized(kind, size, stdout.read(size + 1)[:size])
    left = size + 1
    while left:
        got = stdout.read(min(left, DRAIN_CHUNK))
        if not got:
            raise GitFailed("`git cat-file --batch` stopped unexpectedly")
        left -= len(got)
    return Sized(kind, size, None)


class ObjectReader:
    """One long-lived ``git cat-file --batch`` for a repository, started on first use.

    ``read`` answers one name (an object id, a ref, ``<rev>:<path>``) at a time; ``iter``
    streams many through a separate buffered process, so a caller that stops early
    leaves the long-lived one in step.
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def read(self, name: str) -> GitObject | None:
        """The object ``name`` names, or None when it names none."""
        return self.read_all([name])[0]

    def read_all(self, names: Sequence[str]) -> list[GitObject | None]:
        """The objects a few names name, asked for at once (one round trip, not one each)."""
        asked = [name for name in names if "\n" not in name]
        if not asked:
            return [None] * len(names)
        with self._lock:
            proc = self._started()
            assert proc.stdin is not None
            assert proc.stdout is not None
            found: dict[str, GitObject | None] = {}
            for chunk in _request_chunks(asked):
                # Each chunk fits in the pipe: git cannot stall writing answers we are not
                # yet reading while we stall writing requests it is not yet reading.
                proc.stdin.write(
                    b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in chunk)
                )
                proc.stdin.flush()
                found.update((name, _read_response(proc.stdout)) for name in chunk)
        return [found.get(name) for name in names]

    def read_within(self, names: Sequence[str], limits: Sequence[int]) -> list[Sized | None]:
        """Each object with its size, its content only when within its limit (one over it
        is drained from git's answer, never held); None where a name names none."""
        out: list[Sized | None] = []
        with self._lock:
            proc = self._started()
            assert proc.stdin is not None
            assert proc.stdout is not None
            for name, limit in zip(names, limits, strict=True):
                if "\n" in name:
                    out.append(None)
                    continue
                proc.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
                proc.stdin.flush()
                out.append(_read_within(proc.stdout, limit))
        return out

    def start(self) -> None:
        """Start git now (a command about to read overlaps its start-up with other work)."""
        with self._lock:
            self._started()

    def _started(self) -> subprocess.Popen[bytes]:
        proc = self._proc
        if proc is None or proc.poll() is not None or self._pid != os.getpid():
            # A forked child starts its own: the parent's pipes are the parent's.
            proc = self._proc = start_long_lived(self, self.cwd, "cat-file", "--batch")
            self._pid = os.getpid()
        return proc

    def iter(self, names: Sequence[str]) -> Iterator[tuple[str, GitObject | None]]:
        """(name, object or None) for every name, in order, read in bulk."""
        yield from iter_objects(self.cwd, names)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid():
            _stop(proc)


REQUEST_CHUNK_BYTES = 16_384
"""Request bytes written before reading the answers: well under a pipe's 64 KiB buffer."""


def _request_chunks(names: Sequence[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for name in names:
        if chunk and size + len(name) + 1 > REQUEST_CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(name)
        size += len(name.encode("utf-8", "surrogateescape")) + 1
    if chunk:
        yield chunk


def iter_objects(cwd: Path | str, names: Sequence[str]) -> Iterator[tuple[str, GitObject | None]]:
    """(name, object or None) for every name through one buffered ``git cat-file --batch``."""
    if not names:
        return
    proc = start_git(cwd, "cat-file", "--batch", "--buffer")
    assert proc.stdin is not None
    assert proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            for start in range(0, len(names), 1000):
                chunk = names[start : start + 1000]
                stdin.write("".join(f"{name}\n" for name in chunk).encode())
            stdin.close()
        except OSError:  # the reader stopped early
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for name in names:
            yield name, _read_response(stdout)
    finally:
        _stop(proc)
        writer.join()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


class RawChange(NamedTuple):
    """One entry of ``git diff --raw``/``git log --raw`` output (no renames)."""

    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str
    status: str  # A, M, D, T, U
    path: str


def iter_raw(output: bytes) -> Iterator[RawChange | str]:
    """The entries of ``--raw -z`` output in order; a ``--format`` header comes as text."""
    tokens = iter(output.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if not token:
            continue
        if not token.startswith(b":"):
            yield token.decode("utf-8", "replace")
            continue
        old_mode, new_mode, old_oid, new_oid, status = token[1:].decode().split()
        path = os.fsdecode(next(tokens, b""))
        yield RawChange(
            old_mode=old_mode,
            new_mode=new_mode,
            old_oid=old_oid,
            new_oid=new_oid,
            status=status[:1],
            path=path,
        )


def raw_changes(output: bytes) -> list[RawChange]:
    """Only the changes of ``--raw -z`` output."""
    return [item for item in iter_raw(output) if isinstance(item, RawChange)]


def lines_z(output: bytes) -> list[str]:
    """The NUL-separated names of ``-z`` output (ls-files, check-ignore, ...)."""
    return [os.fsdecode(item) for item in output.split(b"\0") if item]


def nul_input(names: Iterable[str]) -> bytes:
    """Names as ``--stdin -z`` input."""
    return b"".join(os.fsencode(name) + b"\0" for name in names)
