"""The spool: how a command under ``git ml run`` reports params and metrics to gitml.

``git ml run`` passes the path of an empty file in ``GITML_RUN_SPOOL``. The Python API
appends one tab-separated line per call to an ``O_APPEND`` descriptor, which is safe
from several processes (data-loader workers, ranks). Metric lines are buffered and
written together every 512 lines or quarter of a second, at exit and on SIGTERM (well
under a microsecond a call); params, tags and artifacts are written at once. A command
killed with SIGKILL loses at most its last quarter-second of metrics. gitml reads the
file once the command has ended; a torn last line is ignored.

The writer runs inside the user's program, so it never raises there for a write the
disk refused (full, read-only): it stops writing, keeps the program going, and says
nothing -- ``git ml run`` reports the disk problem itself when it records the run.

    m <TAB> name <TAB> value <TAB> step [<TAB> ms]   a metric value (and its timestamp)
    p <TAB> key <TAB> JSON value             a param
    t <TAB> key <TAB> JSON string            a tag
    a <TAB> absolute path                    an artifact (output) at its place in the tree
    f <TAB> JSON object                      a file stored under a name (``name``, the
                                             staged ``path``; ``kind``, ``key``, ``step``
                                             for media such as images and tables)
    n <TAB> JSON string                      a run name the script proposes
    r <TAB> JSON object                      a nested run began (``id``, ``name``,
                                             ``parent``, ``tags``, ``started``, ``sweep``)
    x <TAB> JSON object                      this (nested) run ended (``status``, ``ended``)
    e <TAB> JSON object                      the script's interpreter (once, at the first call)

A nested run writes its own lines to ``<spool>.<run id>``; its ``r`` line goes to the
command's spool. Named files are copied into ``<spool>.files/`` at the call (the caller
may delete its copy at once, as MLflow does with temporary files).

This module is imported by the API inside user scripts: it must stay light.
"""

import atexit
import itertools
import json
import math
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from time import monotonic
from typing import Any, NamedTuple

from gitml.records.stand_ins import JsonObject, Params

ENV_SPOOL = "GITML_RUN_SPOOL"
ENV_RUN_ID = "GITML_RUN_ID"
ENV_RUN_NAME = "GITML_RUN_NAME"


def param_value(value: Any) -> Any:
    """A param value as a TOML-storable scalar or list (numpy scalars unwrapped)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [param_value(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return param_value(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def dotted(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of nested tables that is not a table, under its dotted key."""
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from dotted(value, name + ".")
        else:
            yield name, value


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> Params:
    return {name: param_value(value) for name, value in dotted(params, prefix)}


class Recorder:
    """Validation and automatic steps shared by every sink of the API."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._next: dict[str, int] = {}

    def checked(self, name: str, value: Any, step: Any) -> tuple[float | int, int]:
        if name not in self._names:
            from gitml.runs.metrics import check_metric_name

            check_metric_name(name)
            self._names.add(name)
        kind = type(value)
        if kind is not float and kind is not int:
            from gitml.runs.metrics import to_number

            value = to_number(value, name)
        if step is None:
            step = self._next.get(name, 0)
        elif type(step) is not int:
            if isinstance(step, bool) or not hasattr(step, "__index__"):
                from gitml.runs.metrics import InvalidMetric

                raise InvalidMetric(f"metric {name!r}: step {step!r} is not an integer")
            step = step.__index__()
        self._next[name] = step + 1
        return value, step


FLUSH_LINES = 512
FLUSH_SECONDS = 0.25


class SpoolWriter(Recorder):
    """The child side: appends records to the spool file."""

    def __init__(self, path: str, *, root: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.root = root or path  # the command's spool, which lists nested runs
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._failed = False  # the disk refused a write: nothing more is written
        self._lines: list[str] = []
        self._since = monotonic()
        self._lock = threading.RLock()  # re-entered by the SIGTERM handler's flush
        self._timer: threading.Timer | None = None
        atexit.register(self.flush)
        os.register_at_fork(after_in_child=self._forked)
        _flush_on_sigterm(self)
        if root is None:
            self._write(f"e\t{json.dumps(interpreter_report())}\n")

    def _forked(self) -> None:
        """A forked worker starts with a copy of the buffer: those lines are the parent's."""
        self._lines.clear()
        self._lock = threading.RLock()
        self._timer = None

    def metric(
        self, name: str, value: Any, step: int | None = None, timestamp: int | None = None
    ) -> None:
        value, step = self.checked(name, value, step)
        with self._lock:
            lines = self._lines
            if timestamp is None:
                lines.append(f"m\t{name}\t{value!r}\t{step}\n")
            else:
                lines.append(f"m\t{name}\t{value!r}\t{step}\t{int(timestamp)}\n")
            if len(lines) >= FLUSH_LINES or monotonic() - self._since >= FLUSH_SECONDS:
                self.flush()
            elif self._timer is None:
                # Lines logged before a long quiet stretch reach the spool within a
                # quarter-second too (a watcher prunes on them; a lost run keeps them).
                self._timer = threading.Timer(FLUSH_SECONDS, self._drain)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write the buffered metric lines (one ``write``: appends stay whole)."""
        with self._lock:
            self._since = monotonic()
            self._drain()

    def _drain(self) -> None:
        with self._lock:
            self._timer = None
            lines = self._lines
            if lines:
                text = "".join(lines)
                lines.clear()
                self._write(text)

    def _write(self, text: str) -> None:
        if self._failed:
            return
        data = memoryview(text.encode())
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError:
            self._failed = True

    def params(self, params: Mapping[str, Any]) -> None:
        self.flush()
        lines = [
            f"p\t{key}\t{json.dumps(value)}\n" for key, value in flatten_params(params).items()
        ]
        self._write("".join(lines))

    def tag(self, key: str, value: Any) -> None:
        self.flush()
        self._write(f"t\t{key}\t{json.dumps(str(value))}\n")

    def artifact(self, path: str) -> None:
        full = existing_artifact(path)
        self.flush()
        self._write(f"a\t{full}\n")

    def attach(self, path: str, name: str, info: Mapping[str, Any] | None = None) -> None:
        """Store the file or folder at ``path`` under ``name`` (copied now)."""
        from gitml.runs.attached import check_artifact_name

        check_artifact_name(name)
        staged = stage_copy(existing_artifact(path), Path(self.root + ".files"))
        self.flush()
        self._write(f"f\t{json.dumps({**(info or {}), 'name': name, 'path': str(staged)})}\n")

    def propose_name(self, name: str) -> None:
        """A name for the run, used when ``git ml run`` was given none."""
        self._write(f"n\t{json.dumps(name)}\n")

    def child(self, run_id: str, facts: Mapping[str, Any]) -> "SpoolWriter":
        """A writer for a nested run (its ``r`` line goes to the command's spool)."""
        self.flush()
        with open(self.root, "a", encoding="utf-8") as fh:
            fh.write(f"r\t{json.dumps({**facts, 'id': run_id})}\n")
        return SpoolWriter(f"{self.root}.{run_id}", root=self.root)

    def finish(self, status: str, ended: str) -> None:
        """Mark this nested run ended (the command's own run ends with the command)."""
        self.flush()
        self._write(f"x\t{json.dumps({'status': status, 'ended': ended})}\n")


_staged = itertools.count()


def stage_copy(source: Path, folder: Path) -> Path:
    """A copy of ``source`` (file or folder) in a new slot under ``folder``."""
    import shutil  # with its compression modules: only a logged file or folder needs it

    slot = folder / f"{os.getpid()}-{next(_staged)}"
    slot.mkdir(parents=True, exist_ok=True)
    target = slot / source.name
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    else:
        shutil.copyfile(source, target)
    return target


def existing_artifact(path: str) -> Path:
    """The absolute path of a file or folder to record; raises at the call when it is
    missing (as MLflow's ``log_artifact`` does), so a typo never surfaces at the end."""
    full = Path(path).absolute()
    if not full.exists():
        import errno

        raise FileNotFoundError(
            errno.ENOENT, "log_artifact: no such file or folder (log what the run wrote)", path
        )
    return full


def interpreter_report() -> JsonObject:
    """This interpreter, as the run records it (``sys`` only: this runs in user scripts)."""
    name = sys.implementation.name
    return {
        "executable": sys.executable,
        "python": sys.version.split()[0],
        "implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(name, name),
        "path": [p for p in sys.path if p],
    }


def _flush_on_sigterm(writer: SpoolWriter) -> None:
    """Flush before SIGTERM's default action (gitml forwards it to stop a run)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return

        def handler(signum: int, _frame: object) -> None:
            writer.flush()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        return


class SpoolData(NamedTuple):
    """What a command reported through the spool (``parse_spool(b"")``: nothing)."""

    metrics: list[tuple[Any, ...]]  # (name, step, value[, ms])
    params: Params
    tags: dict[str, str]
    artifacts: list[str]
    interpreter: JsonObject | None
    files: list[JsonObject]
    name: str | None
    children: list[JsonObject]
    end: JsonObject | None


def _number(text: str) -> float | int:
    body = text[1:] if text[:1] == "-" else text
    return int(text) if body.isdigit() else float(text)


def read_spool(path: str) -> SpoolData:
    """Parse a spool file (missing file: nothing reported); malformed lines are skipped."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return parse_spool(b"")
    return parse_spool(raw)


def read_spool_from(path: str, offset: int) -> tuple[SpoolData, int]:
    """What the whole lines written after ``offset`` report, and the offset after them
    (a command still running may be half-way through a line)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            raw = fh.read()
    except FileNotFoundError:
        return parse_spool(b""), offset
    end = raw.rfind(b"\n") + 1
    return parse_spool(raw[:end]), offset + end


def parse_spool(raw: bytes) -> SpoolData:
    """The records of spool lines; malformed lines are skipped."""
    metrics: list[tuple[Any, ...]] = []
    params: Params = {}
    tags: dict[str, str] = {}
    artifacts: list[str] = []
    files: list[JsonObject] = []
    children: list[JsonObject] = []
    interpreter = end = None
    name = None
    append = metrics.append
    for line in raw.decode("utf-8", "replace").split("\n"):
        parts = line.split("\t")
        kind = parts[0]
        try:
            if kind == "m" and len(parts) == 4:
                text = parts[2]
                # repr() of a float always has one of ".", "e", "n" (inf, nan); of an int none.
                is_float = "." in text or "e" in text or "n" in text
                append((parts[1], int(parts[3]), float(text) if is_float else _number(text)))
            elif kind == "m" and len(parts) == 5:
                value = _number(parts[2]) if parts[2].lstrip("-").isdigit() else float(parts[2])
                append((parts[1], int(parts[3]), value, int(parts[4])))
            elif kind == "p" and len(parts) == 3:
                params[parts[1]] = json.loads(parts[2])
            elif kind == "t" and len(parts) == 3:
                tags[parts[1]] = str(json.loads(parts[2]))
            elif kind == "a" and len(parts) == 2:
                artifacts.append(parts[1])
            elif kind in ("f", "r", "x") and len(parts) == 2:
                found = json.loads(parts[1])
                if isinstance(found, dict):
                    if kind == "f":
                        files.append(found)
                    elif kind == "r":
                        children.append(found)
                    else:
                        end = found
            elif kind == "n" and len(parts) == 2:
                name = str(json.loads(parts[1]))
            elif kind == "e" and len(parts) == 2 and interpreter is None:
                reported = json.loads(parts[1])
                interpreter = reported if isinstance(reported, dict) else None
        except ValueError:
            continue
    return SpoolData(
        metrics=metrics,
        params=params,
        tags=tags,
        artifacts=artifacts,
        interpreter=interpreter,
        files=files,
        name=name,
        children=children,
        end=end,
    )
