"""Seed a repository with N run records, one commit each, as ``git ml run`` writes them.

``python scale_seed.py REPO N [RUNS_PER_COMMIT]``, run by the Python of a gitml build
(``bench_scale``), so the records land where *that* build files them (its
``Collection.record_path``, which follows the ref's layout) and the notes where it writes
them (its ``note_paths``). The template is the one real run already in the repository;
each seeded run gets its own id (time-ordered, in the past), name, params and metrics.

With RUNS_PER_COMMIT (k > 0), the code history grows as a team's does: first a commit on
``main`` for every k runs (one file changed), then each run is made on one of them, which
is its code commit and checkpoint, and its line is added to that commit's note in
``refs/notes/gitml`` by a notes commit of its own, as ``git ml run`` does on a clean tree.
With 0, every run is made on the template's commit and no note is written (a commit's
note stops growing at 100 runs anyway).

``git fast-import`` writes the commits: per run, one commit whose first parent is the
previous tip and whose second is the code checkpoint (as a run's link), adding one record
blob; then the notes commit. git trees are canonical, so these are the trees and commits
gitml's own writes would make, only written much faster.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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


def main(repo: Path, count: int, per_commit: int) -> None:
    from gitml.records import codec, ids
    from gitml.runs.record import commit_message, note_line
    from gitml.runs.store import runs_collection
    from gitml.storage import NOTES_REF
    from gitml.storage.notes import merge_lines, note_paths
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
    lines: dict[str, list[str]] = {}

    def chunks() -> Iterator[bytes]:
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
            data = codec.dump_bytes(doc)
            message = commit_message(doc).encode()
            chunk = b"commit refs/gitml/runs\n" + COMMITTER % now + _data(message)
            if i == 0 and tip is not None:
                chunk += f"from {tip}\n".encode()
            chunk += f"merge {code}\nM 100644 inline {collection.record_path(doc['id'])}\n".encode()
            yield chunk + _data(data)
            if not commits:
                continue
            note = lines.setdefault(code, [])
            note.append(note_line(doc))
            chunk = b"commit " + NOTES_REF.encode() + b"\n" + COMMITTER % now
            chunk += _data(f"gitml note run {doc['id']}".encode())
            if i == 0 and notes_tip:
                chunk += b"from " + notes_tip + b"\n"
            chunk += f"M 100644 inline {note_paths(code)[0]}\n".encode()
            yield chunk + _data(merge_lines("", note).encode())
            if len(note) == per_commit:
                del lines[code]

    _fast_import(repo, chunks())


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
