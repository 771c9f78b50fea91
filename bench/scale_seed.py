"""Seed a repository with N run records, one commit each, as ``git ml run`` writes them.

``python scale_seed.py REPO N [RUNS_PER_COMMIT [SWEEP]]``, run by the Python of a gitml build
(``bench_scale``), so the records land where *that* build files them (its
``Collection.record_path``, which follows the ref's layout) and the notes where it writes
them (its ``note_paths``). The template is the one real run already in the repository;
each seeded run gets its own id (time-ordered, in the past), name, params and metrics.

With RUNS_PER_COMMIT (k > 0), the code history grows as a team's does: first a commit on
``main`` for every k runs (one file changed), then each run is made on one of them, which
is its code commit and checkpoint, and its line is added to that commit's note in
``refs/notes/gitml``. Runs come in sweeps of SWEEP (default 1: each run a ``git ml run``
of its own): a build that notes bulk work in one commit (``gitml.runs.notes``) writes one
notes commit per sweep, naming the runs commit it covers in its ``Gitml-Runs`` trailer; an
older build writes one per run, as it does. With 0, every run is made on the template's
commit and no note is written (a commit's note stops growing at 100 runs anyway).

``git fast-import`` writes the commits: per run, one commit whose first parent is the
previous tip and whose second is the code checkpoint (as a run's link), adding one record
blob; then the notes commits. git trees are canonical, so these are the trees and commits
gitml's own writes would make, only written much faster.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord

COMMITTER = b"committer Bench <bench@example.com> %d +0000\n"


def _fast_import(repo: Path, chunks: Iterator[bytes], *, marks: Path | None = None) -> None:
    args = ["git", "fast-import", "--quiet", "--done"]
    if marks is not None:
        args.append(f"--export-marks={marks}")
    proc = subprocess.Popen(args, cwd=repo, stdin=subprocess.PIPE)
    stdin: BinaryIO | None = proc.stdin  # type: ignore[assignment]
    assert stdin is not None
    for chunk in chunks:
        stdin.write(chunk)
    stdin.write(b"done\n")
    stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def code_commits(repo: Path, count: int, now: int) -> list[str]:
    """``count`` new commits on ``main``, each changing ``train.py``; their ids, oldest first."""
    head = subprocess.run(
        ["git", "rev-parse", "refs/heads/main"], cwd=repo, check=True, capture_output=True
    ).stdout.strip()

    def chunks() -> Iterator[bytes]:
        for n in range(count):
            chunk = b"commit refs/heads/main\nmark :%d\n" % (n + 1) + COMMITTER % now
            chunk += _data(b"train: step %d" % n)
            if n == 0:
                chunk += b"from " + head + b"\n"
            chunk += b"M 100644 inline train.py\n" + _data(b"STEP = %d\n" % n)
            yield chunk

    with tempfile.TemporaryDirectory() as tmp:
        marks = Path(tmp) / "marks"
        _fast_import(repo, chunks(), marks=marks)
        found = dict(line.split() for line in marks.read_text().splitlines())
    return [found[f":{n + 1}"] for n in range(count)]


def _notes_of(build_batches: bool) -> Callable[[str, int], bytes]:
    """The message of a notes commit as that build writes it, given the runs commit it
    follows and how many runs it notes."""
    if not build_batches:
        return lambda _runs_commit, _count: b""
    from gitml.storage.notes import covers_message

    return lambda runs_commit, count: covers_message(
        f"gitml note {count} run(s)", runs_commit
    ).encode()


def main(repo: Path, count: int, per_commit: int, sweep: int) -> None:
    from gitml.records import codec, ids
    from gitml.runs.record import commit_message, note_line

    try:
        from gitml.runs.paths import runs_collection
    except ImportError:  # a build from before runs.paths: runs.store defines it
        from gitml.runs.store import runs_collection  # type: ignore[attr-defined]
    from gitml.storage import NOTES_REF
    from gitml.storage.notes import merge_lines, note_paths

    try:
        import gitml.runs.notes  # noqa: F401  (a build that notes bulk work in one commit)
    except ImportError:
        batches = False
    else:
        batches = True
    noted_by = _notes_of(batches)
    from gitml.storage.repo import open_repo

    repo_obj = open_repo(repo)
    collection = runs_collection(repo_obj)
    template: dict[str, Any] = json.loads(
        subprocess.run(
            [str(Path(sys.executable).parent / "git-ml"), "ls", "--json", "--limit", "1"],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )[0]
    tip = collection.tip()
    notes_tip = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", NOTES_REF], cwd=repo, capture_output=True
    ).stdout.strip()
    now = int(time.time())
    commits = code_commits(repo, -(-count // per_commit), now) if per_commit else []
    head = str(template["code"]["checkpoint"])
    rng = random.Random(23)
    base_ms = now * 1000 - count - 1000
    # Per run only what its note needs (code commit, note line, id): whole records kept
    # until the notes are written would hold gigabytes at a million runs.
    noted: list[tuple[str, str, str]] = []

    def runs() -> Iterator[bytes]:
        for i in range(count):
            doc = dict(template)
            doc["id"] = ids.new_id(base_ms + i)
            doc["name"] = f"bulk-{i}"
            metrics = {"acc": rng.random(), "loss": rng.random()}
            doc["metrics"] = metrics
            doc["params"] = {"lr": rng.choice([0.1, 0.01, 0.001]), "i": i}
            doc["metric_stats"] = {
                k: {"first": v, "last": v, "min": v, "max": v, "steps": 1}
                for k, v in metrics.items()
            }
            code = commits[i // per_commit] if commits else head
            doc["code"] = {**template["code"], "commit": code, "checkpoint": code}
            record = cast("RunRecord", doc)  # the template's fields, as `git ml ls` gave them
            if commits:
                noted.append((code, note_line(record), doc["id"]))
            data = codec.dump_bytes(doc)
            message = commit_message(record).encode()
            chunk = b"commit refs/gitml/runs\nmark :%d\n" % (i + 1) + COMMITTER % now
            chunk += _data(message)
            if i == 0 and tip is not None:
                chunk += f"from {tip}\n".encode()
            chunk += f"merge {code}\nM 100644 inline {collection.record_path(doc['id'])}\n".encode()
            yield chunk + _data(data)

    with tempfile.TemporaryDirectory() as tmp:
        marks = Path(tmp) / "marks"
        _fast_import(repo, runs(), marks=marks)
        found = dict(line.split() for line in marks.read_text().splitlines())
    if not commits:
        return
    lines: dict[str, list[str]] = {}
    size = sweep if batches else 1

    def notes() -> Iterator[bytes]:
        first = True
        for start in range(0, count, size):
            batch = noted[start : start + size]
            changed: dict[str, list[str]] = {}
            for code, line, _id in batch:
                changed[code] = lines.setdefault(code, [])
                changed[code].append(line)
            last = start + len(batch)
            message = noted_by(found[f":{last}"], len(batch)) or _data_text(batch[0][2])
            chunk = b"commit " + NOTES_REF.encode() + b"\n" + COMMITTER % now + _data(message)
            if first and notes_tip:
                chunk += b"from " + notes_tip + b"\n"
            first = False
            for code, note in changed.items():
                chunk += f"M 100644 inline {note_paths(code)[0]}\n".encode()
                chunk += _data(merge_lines("", note).encode())
                if len(note) == per_commit:
                    del lines[code]
            yield chunk

    _fast_import(repo, notes())


def _data_text(run_id: str) -> bytes:
    """The message of a build that notes each run in a commit of its own."""
    return f"gitml note run {run_id}".encode()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[2:]]
    main(
        Path(sys.argv[1]),
        args[0],
        args[1] if len(args) > 1 else 0,
        args[2] if len(args) > 2 else 1,
    )
