"""Seed a repository with N run records, one commit each, as ``git ml run`` writes them.

Run by the Python of a gitml build (``bench_scale``), so the records land where *that*
build files them (its ``Collection.record_path``, which follows the ref's layout). The
template is the one real run already in the repository; each seeded run gets its own id
(time-ordered, in the past), name, params and metrics. ``git fast-import`` writes the
commits: one per run, first parent the previous tip, second parent the code commit (as a
run's checkpoint link), adding one record blob. git trees are canonical, so the trees and
commits are the ones gitml's own writes would make, only written much faster.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path


def main(repo: Path, count: int) -> None:
    from gitml.records import codec, ids
    from gitml.runs.record import commit_message
    from gitml.runs.store import runs_collection
    from gitml.storage.repo import open_repo

    collection = runs_collection(open_repo(repo))
    template = json.loads(
        subprocess.run(
            [str(Path(sys.executable).parent / "git-ml"), "ls", "--json", "--limit", "1"],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )[0]
    tip = collection.tip()
    head = str(template["code"]["checkpoint"])
    rng = random.Random(23)
    now = int(time.time())
    base_ms = now * 1000 - count - 1000
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=repo, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    for i in range(count):
        doc = dict(template)
        doc["id"] = ids.new_id(base_ms + i)
        doc["name"] = f"bulk-{i}"
        metrics = {"acc": rng.random(), "loss": rng.random()}
        doc["metrics"] = metrics
        doc["params"] = {"lr": rng.choice([0.1, 0.01, 0.001]), "i": i}
        doc["metric_stats"] = {
            k: {"first": v, "last": v, "min": v, "max": v, "steps": 1} for k, v in metrics.items()
        }
        data = codec.dump_bytes(doc)
        path = collection.record_path(str(doc["id"]))
        message = commit_message(doc).encode()
        chunk = b"commit refs/gitml/runs\ncommitter Bench <bench@example.com> %d +0000\n" % now
        chunk += b"data %d\n%s\n" % (len(message), message)
        if i == 0 and tip is not None:
            chunk += f"from {tip}\n".encode()
        chunk += f"merge {head}\nM 100644 inline {path}\n".encode()
        chunk += b"data %d\n%s\n" % (len(data), data)
        proc.stdin.write(chunk)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
