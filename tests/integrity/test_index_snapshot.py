"""Index snapshots on ``refs/gitml/index``: a cache a fresh clone may load instead of parsing
records, and never a source of truth (the rows of a snapshot are claims about blobs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from gitml.runs.store import count_runs
from gitml.storage.index_snapshot import deflate_segment
from gitml.storage.repo import open_repo
from tests.integrity.forge import blob
from tests.support.core import cli, git, gitml_process
from tests.support.index import columns_disagreeing
from tests.support.integrity import Team, ok
from tests.support.registry import record_run

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

SEGMENT = "runs/0000.jsonl.z"


def _key(tmp: Path, name: str) -> Path:
    path = tmp / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    return path


def _signers(tmp: Path, key: Path) -> Path:
    kind, text = key.with_suffix(".pub").read_text().split()[:2]
    path = tmp / "allowed_signers"
    path.write_text(f'ci@example.com namespaces="git" {kind} {text}\n')
    return path


def _sign_with(repo: Path, key: Path) -> None:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))


def _fresh_clone(team: Team, tmp: Path, name: str, signers: Path | None) -> Path:
    clone = tmp / name
    git(tmp, "clone", "-q", str(team.remote), str(clone))
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    return clone


def _listing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], str]:
    monkeypatch.chdir(repo)
    result = cli("ls", "--all", "--json", "--limit", "1000")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def _count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many blobs the index parses (an observation: parsing itself runs unchanged)."""
    import gitml.storage.index as index_module

    seen: list[int] = []
    real = index_module.parse_many

    def counting(parse: index_module.Parser, items: list[tuple[str, bytes]]) -> list[object]:
        seen.append(len(items))
        return real(parse, items)  # type: ignore[return-value]

    monkeypatch.setattr(index_module, "parse_many", counting)
    return seen


def _first_listing(
    team: Team, tmp_path: Path, signers: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[object], str, list[int]]:
    """A fresh clone's first ``ls`` after a pull: the clone, rows, stderr, blobs parsed."""
    clone = _fresh_clone(team, tmp_path, "fresh", signers)
    monkeypatch.chdir(clone)
    ok("pull")
    parsed = _count_parsed(monkeypatch)
    listed, stderr = _listing(clone, monkeypatch)
    return clone, listed, stderr, parsed


def _publish_signed(team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The victim's clone signs a snapshot of its 12 runs; the trusted signers."""
    key = _key(tmp_path, "ci")
    signers = _signers(tmp_path, key)
    _sign_with(team.victim, key)
    monkeypatch.chdir(team.victim)
    assert "12 run rows" in ok("index", "publish")
    return signers


@pytest.fixture
def signed(team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The victim's clone signs and pushes a snapshot of its 12 runs; the trusted signers."""
    signers = _publish_signed(team, tmp_path, monkeypatch)
    pushed = cli("push", "--no-data")
    assert pushed.exit_code == 0, pushed.stderr
    assert "index snapshot pushed" in pushed.stdout
    return signers


def test_a_fresh_clone_loads_a_signed_snapshot_and_parses_only_newer_runs(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(2):  # recorded after the snapshot: the reader parses these two only
        record_run(team.victim, metrics={"acc": 0.5 + i / 10}, name=f"late-{i}")
    ok("push", "--no-data")
    expected, _ = _listing(team.victim, monkeypatch)

    clone, listed, stderr, parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    assert listed == expected
    assert len(listed) == 14
    assert sum(parsed) == 2
    assert "warning" not in stderr
    assert columns_disagreeing(open_repo(clone).state_dir) == []  # loaded rows and parsed ones
    assert ok("show", "late-1", "--json") == _shown(team.victim, "late-1", monkeypatch)
    # A count (the UI's, the report's) reads the field table the first load left empty.
    matched = count_runs(open_repo(clone), where="metrics.acc >= 0.5", all_branches=True)
    assert matched == sum(r["metrics"].get("acc", -1) >= 0.5 for r in listed) >= 2
    query = ("ls", "--all", "--json", "--where", "metrics.acc >= 0.5", "--sort", "-metrics.acc")
    queried = ok(*query)  # the seeded rows fill the field table --where and --sort read
    wanted = [r for r in listed if r["metrics"].get("acc", -1) >= 0.5]  # newest first
    wanted.sort(key=lambda r: -r["metrics"]["acc"])
    assert len(wanted) >= 2
    assert json.loads(queried) == wanted
    monkeypatch.chdir(team.victim)
    assert ok(*query) == queried
    monkeypatch.chdir(clone)

    monkeypatch.chdir(clone)
    verified = cli("index", "verify")
    assert verified.exit_code == 0, verified.stderr
    assert "12 rows match their records; signed by a trusted key" in verified.stdout


def _shown(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(repo)
    return ok("show", name, "--json")


def _segment_text(repo: Path, spec: str) -> str:
    """The text of the segment blob ``spec`` names (inflated)."""
    data = subprocess.run(
        ["git", "cat-file", "blob", spec], cwd=repo, capture_output=True, check=True
    ).stdout
    return zlib.decompress(data).decode()


def _decoded(data: str) -> tuple[dict[str, object], dict[str, list[object]], list[str]]:
    """A segment's head, its columns and its document lines."""
    head, columns, *docs = data.splitlines()
    return json.loads(head), json.loads(columns), docs


def _encoded(head: dict[str, object], columns: dict[str, list[object]], docs: list[str]) -> bytes:
    lines = [json.dumps(head), json.dumps(columns, separators=(",", ":")), *docs]
    return ("\n".join(lines) + "\n").encode()


def _forge_segment(repo: Path, run_id: str, acc: float) -> bytes:
    """The snapshot's segment with one run's acc changed; blob ids left as they were."""
    head, columns, docs = _decoded(_segment_text(repo, f"refs/gitml/index:{SEGMENT}"))
    for n, path in enumerate(columns["path"]):
        if str(path).endswith(f"/{run_id}.toml"):
            doc = json.loads(docs[n])
            doc["metrics"]["acc"] = acc
            docs[n] = json.dumps(doc, separators=(",", ":"))
    return _encoded(head, columns, docs)


def _mktree(repo: Path, listing: str) -> str:
    proc = subprocess.run(
        ["git", "mktree"], cwd=repo, input=listing, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def _forged_snapshot(repo: Path, segment: bytes, *sign: str) -> str:
    """A snapshot commit like the remote's with ``segment`` in place of its segment,
    SSH-signed when ``sign`` gives the git options naming a key."""
    seg = blob(repo, deflate_segment(segment))
    meta = git(repo, "rev-parse", "refs/gitml/index:runs/snapshot.json").strip()
    inner = _mktree(repo, f"100644 blob {seg}\t0000.jsonl.z\n100644 blob {meta}\tsnapshot.json\n")
    root = _mktree(repo, f"040000 tree {inner}\truns\n")
    signing = ("-S",) if sign else ()
    return git(repo, *sign, "commit-tree", *signing, root, "-m", "index").strip()


def _push_signed_snapshot(
    repo: Path, sign: tuple[str, ...], *, segment: bytes, meta: dict[str, object]
) -> None:
    """Sign (git options ``sign``) and push a snapshot of ``segment``'s blob and ``meta``."""
    seg = blob(repo, segment)
    meta_blob = blob(repo, json.dumps(meta).encode())
    inner = _mktree(
        repo, f"100644 blob {seg}\t0000.jsonl.z\n100644 blob {meta_blob}\tsnapshot.json\n"
    )
    root = _mktree(repo, f"040000 tree {inner}\truns\n")
    commit = git(repo, *sign, "commit-tree", "-S", root, "-m", "index").strip()
    git(repo, "push", "-q", "-f", "origin", f"{commit}:refs/gitml/index")


def test_a_forged_snapshot_never_changes_what_ls_and_show_say(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker rewrites a metric inside the snapshot, keeping every blob id: unsigned,
    or signed by a key not in ``gitml.index.signers``, it is dropped with one warning and the
    records are parsed; `ls`, `show` and `check` say what the records say."""
    victim_run = team.runs[3]
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    forged = _forge_segment(team.attacker, victim_run, 0.99)
    assert b'"acc":0.99' in forged
    stranger = _key(tmp_path, "stranger")
    unsigned = _forged_snapshot(team.attacker, forged)
    tree = git(team.attacker, "rev-parse", f"{unsigned}^{{tree}}").strip()
    by_stranger = git(
        team.attacker, "-c", "gpg.format=ssh", "-c", f"user.signingkey={stranger}",
        "commit-tree", "-S", tree, "-m", "index",
    ).strip()  # fmt: skip
    for n, commit in enumerate((unsigned, by_stranger)):
        git(team.attacker, "push", "-q", "-f", "origin", f"{commit}:refs/gitml/index")

        clone = _fresh_clone(team, tmp_path, f"victim-{n}", signed)
        stderr = records_still_say(clone, victim_run, monkeypatch)
        assert "not using the index snapshot" in stderr
        assert ("no SSH signature" if n == 0 else "not signed by a key in") in stderr
        assert cli("check", "--all").exit_code == 0


def records_still_say(clone: Path, run_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """After a pull into ``clone``, `ls` and `show` give ``run_id`` the acc its record
    holds (0.83), whatever a forged snapshot says; what `ls` wrote to stderr."""
    monkeypatch.chdir(clone)
    ok("pull")
    listed, stderr = _listing(clone, monkeypatch)
    acc = {row["id"]: row["metrics"]["acc"] for row in listed}  # type: ignore[index]
    assert acc[run_id] == pytest.approx(0.83)
    shown = json.loads(ok("show", run_id, "--json"))
    assert shown["metrics"]["acc"] == pytest.approx(0.83)
    return stderr


def test_verify_rederives_rows_a_trusted_signer_got_wrong(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed by the trusted key but wrong (a buggy or compromised publisher): `git ml index
    verify` parses every record and names the row; rows that do not name exactly the
    records commit's blobs are refused by every reader."""
    key = tmp_path / "ci"
    victim_run = team.runs[5]
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    forged = _forge_segment(team.victim, victim_run, 0.99)
    commit = _forged_snapshot(team.victim, forged, *sign)
    git(team.victim, "update-ref", "refs/gitml/index", commit)
    monkeypatch.chdir(team.victim)
    git(team.victim, "config", "gitml.index.signers", str(signed))
    verdict = cli("index", "verify")
    assert verdict.exit_code == 1
    assert f"{victim_run}.toml: the row differs from what blob" in verdict.stderr

    # A row for a record the records commit does not hold, under the trusted signature.
    head, columns, docs = _decoded(forged.decode())
    for column in columns.values():
        column.append(column[0])
    path = str(columns["path"][-1])
    extra = path.replace(path.rsplit("/", 1)[1], "01ARZ3NDEKTSV4RRFFQ69G5FAV.toml")
    columns["path"][-1] = extra
    head["rows"] = int(str(head["rows"])) + 1
    padded = _encoded(head, columns, [*docs, docs[0]])
    commit = _forged_snapshot(team.victim, padded, *sign)
    git(team.victim, "push", "-q", "-f", "origin", f"{commit}:refs/gitml/index")
    _clone, listed, stderr, _parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    assert len(listed) == 12
    assert "do not name the record blobs" in stderr
    assert f"(first difference: {extra})" in stderr


def test_two_clones_publishing_at_once_lose_no_record_and_leave_a_good_snapshot(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "ci"
    other = _fresh_clone(team, tmp_path, "other", signed)
    _sign_with(other, key)
    monkeypatch.chdir(other)
    ok("pull")
    for repo, name in ((team.victim, "mine"), (other, "theirs")):
        record_run(repo, metrics={"acc": 0.7}, name=name)
        monkeypatch.chdir(repo)
        ok("index", "publish")
    results: dict[str, subprocess.CompletedProcess[str]] = {}

    def push(repo: Path) -> None:
        results[str(repo)] = gitml_process("push", "--no-data", cwd=repo, timeout=120)

    threads = [threading.Thread(target=push, args=(repo,)) for repo in (team.victim, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode == 0 for r in results.values()), results
    notes = "".join(r.stdout + r.stderr for r in results.values())
    assert notes.count("index snapshot pushed") >= 1

    fresh = _fresh_clone(team, tmp_path, "fresh", signed)
    monkeypatch.chdir(fresh)
    ok("pull")
    listed, stderr = _listing(fresh, monkeypatch)
    assert {row["name"] for row in listed} >= {"mine", "theirs"}  # type: ignore[index]
    assert len(listed) == 14
    assert "warning" not in stderr
    assert cli("index", "verify").exit_code == 0


def _reordered_segment(repo: Path, ref: str) -> bytes:
    """The segment at ``ref`` with the first two rows' ``seq`` swapped: every blob, kind and
    document as the records say, only which run counts as the later one changed."""
    head, columns, docs = _decoded(_segment_text(repo, f"{ref}:{SEGMENT}"))
    seq = columns["seq"]
    seq[0], seq[1] = seq[1], seq[0]
    return _encoded(head, columns, docs)


def test_publish_never_signs_rows_of_an_unsigned_fetched_snapshot(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetched snapshot nobody trusted signed is not built on: its rows (their ``seq``
    included) would go out under our signature."""
    clone = _fresh_clone(team, tmp_path, "publisher", None)
    _sign_with(clone, tmp_path / "ci")
    monkeypatch.chdir(clone)
    ok("pull")
    ok("ls")
    tracking = "refs/remotes/origin/gitml/index"
    forged = _reordered_segment(clone, tracking)
    seg = blob(clone, deflate_segment(forged))
    meta = git(clone, "rev-parse", f"{tracking}:runs/snapshot.json").strip()
    inner = _mktree(clone, f"100644 blob {seg}\t0000.jsonl.z\n100644 blob {meta}\tsnapshot.json\n")
    root = _mktree(clone, f"040000 tree {inner}\truns\n")
    unsigned = git(clone, "commit-tree", root, "-m", "index").strip()
    git(clone, "update-ref", tracking, unsigned)
    git(clone, "config", "gitml.index.signers", str(signed))

    ok("index", "publish")

    published = git(clone, "rev-parse", f"refs/gitml/index:{SEGMENT}").strip()
    assert published != seg
    assert _segment_text(clone, published).encode() != forged


def test_a_signed_snapshot_sqlite_cannot_read_is_dropped_with_a_warning(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted signer's snapshot whose document is not JSON: the reader warns once and
    parses the records, as for any refused snapshot, instead of failing the command."""
    key = tmp_path / "ci"
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    head, columns, docs = _decoded(_segment_text(team.victim, f"refs/gitml/index:{SEGMENT}"))
    docs[0] = "{"
    commit = _forged_snapshot(team.victim, _encoded(head, columns, docs), *sign)
    git(team.victim, "push", "-q", "-f", "origin", f"{commit}:refs/gitml/index")
    _clone, listed, stderr, _parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    assert len(listed) == 12
    assert "not using the index snapshot" in stderr
    assert "malformed JSON" in stderr


@pytest.mark.parametrize("fmt", [1, 2])
def test_a_snapshot_of_an_older_segment_format_is_refused_with_a_warning(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: int
) -> None:
    """Signed by the trusted key but written in segment format 1 (each document a JSON
    string inside its row) or 2 (today's lines, not compressed): the reader names the
    format once and parses the records."""
    expected, _ = _listing(team.victim, monkeypatch)
    key = tmp_path / "ci"
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    meta = json.loads(git(team.victim, "cat-file", "blob", "refs/gitml/index:runs/snapshot.json"))
    head, columns, docs = _decoded(_segment_text(team.victim, f"refs/gitml/index:{SEGMENT}"))
    rows = zip(*columns.values(), docs, strict=True)
    old = [json.dumps(head)] + [
        json.dumps([path, oid, seq, kind, doc or None, error])
        for path, oid, seq, kind, error, doc in rows
    ]
    meta["format"] = fmt
    text = ("\n".join(old) + "\n").encode() if fmt == 1 else _encoded(head, columns, docs)
    _push_signed_snapshot(team.victim, sign, segment=text, meta=meta)

    _clone, listed, stderr, parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    assert listed == expected
    assert sum(parsed) >= 12  # every record parsed
    assert stderr.count("not using the index snapshot") == 1
    assert f"has format {fmt}" in stderr


def test_a_snapshot_another_gitml_version_made_is_refused_with_a_warning(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed by the trusted key but made by another gitml version, whose parsing and
    validation may derive other rows from the same blobs: the reader names the version
    once and parses the records, so a row that version got wrong is never shown."""
    key = tmp_path / "ci"
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    victim_run = team.runs[4]
    meta = json.loads(git(team.victim, "cat-file", "blob", "refs/gitml/index:runs/snapshot.json"))
    meta["gitml"] = "0.0.1"
    segment = deflate_segment(_forge_segment(team.victim, victim_run, 0.99))
    _push_signed_snapshot(team.victim, sign, segment=segment, meta=meta)

    _clone, listed, stderr, parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    acc = {row["id"]: row["metrics"]["acc"] for row in listed}  # type: ignore[index]
    assert acc[victim_run] == pytest.approx(0.84)
    assert sum(parsed) >= 12  # every record parsed
    assert stderr.count("not using the index snapshot") == 1
    assert "made by gitml 0.0.1" in stderr


def test_a_signed_snapshot_whose_segment_is_a_folder_is_refused_with_a_warning(
    team: Team, signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted signer's snapshot whose segment entry is a folder, not a file: one warning
    naming it, the records parsed, never a crash."""
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={tmp_path / 'ci'}")
    meta = git(team.victim, "rev-parse", "refs/gitml/index:runs/snapshot.json").strip()
    folder = _mktree(team.victim, f"100644 blob {meta}\tsnapshot.json\n")
    inner = _mktree(
        team.victim, f"040000 tree {folder}\t0000.jsonl.z\n100644 blob {meta}\tsnapshot.json\n"
    )
    root = _mktree(team.victim, f"040000 tree {inner}\truns\n")
    commit = git(team.victim, *sign, "commit-tree", "-S", root, "-m", "index").strip()
    git(team.victim, "push", "-q", "-f", "origin", f"{commit}:refs/gitml/index")
    _clone, listed, stderr, parsed = _first_listing(team, tmp_path, signed, monkeypatch)
    assert len(listed) == 12
    assert sum(parsed) >= 12
    assert stderr.count("not using the index snapshot") == 1
    assert "segment runs/0000.jsonl.z is missing" in stderr


def test_a_publish_over_the_segment_cap_writes_several_segments_that_load_as_one(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitml.storage import index_snapshot

    monkeypatch.setattr(index_snapshot, "SEGMENT_ROWS", 5)
    signers = _publish_signed(team, tmp_path, monkeypatch)
    names = git(team.victim, "ls-tree", "--name-only", "refs/gitml/index:runs").split()
    assert names == ["0000.jsonl.z", "0001.jsonl.z", "0002.jsonl.z", "snapshot.json"]
    counts = [
        _decoded(_segment_text(team.victim, f"refs/gitml/index:runs/{n}"))[0]["rows"]
        for n in names[:3]
    ]
    assert counts == [5, 5, 2]
    assert cli("push", "--no-data").exit_code == 0
    expected, _ = _listing(team.victim, monkeypatch)

    clone, listed, stderr, parsed = _first_listing(team, tmp_path, signers, monkeypatch)
    assert (listed, len(listed), sum(parsed), stderr) == (expected, 12, 0, "")  # none parsed
    monkeypatch.chdir(clone)
    assert "12 rows match their records" in ok("index", "verify")


def _index_rows(repo: Path) -> tuple[str, list[object]]:
    """(records commit, every run row in (seq, path) order), read from the index file by
    plain SQL."""
    import sqlite3
    from contextlib import closing

    from gitml.storage.index import IndexRow

    (path,) = (repo / ".git" / "gitml").glob("index-v*.sqlite")
    with closing(sqlite3.connect(path)) as conn:
        (records,) = conn.execute("SELECT tip FROM tips WHERE ref = 'refs/gitml/runs'").fetchone()
        found = conn.execute(
            "SELECT path, lower(hex(blob)), seq, kind, doc, error FROM records "
            "WHERE ref = 'refs/gitml/runs' ORDER BY seq, path"
        ).fetchall()
    return records, [IndexRow(*row) for row in found]


def _segments_of(repo: Path) -> list[bytes]:
    names = git(repo, "ls-tree", "--name-only", "refs/gitml/index:runs").split()
    return [
        _segment_text(repo, f"refs/gitml/index:runs/{name}").encode()
        for name in names
        if name.endswith(".jsonl.z")
    ]


def _segments_whole(
    rows: list[object], records: str, *, size: int, base: list[object] | None, fold: bool
) -> list[bytes]:
    """The segments a publish of ``rows`` (every row, held whole) adds after the
    snapshot holding ``base``: the rows it lacks, renumbered after its largest ``seq``,
    or every row as it stands when the publish folds."""
    from gitml.storage.index_snapshot import encode_segment

    fresh = list(rows)
    if base is not None and not fold:
        held = {row.path for row in base}  # type: ignore[attr-defined]
        top = max(row.seq for row in base)  # type: ignore[attr-defined]
        fresh = [row for row in rows if row.path not in held]  # type: ignore[attr-defined]
        fresh = [row._replace(seq=top + n) for n, row in enumerate(fresh, 1)]  # type: ignore[attr-defined]
    parts = [fresh[start : start + size] for start in range(0, max(1, len(fresh)), size)]
    return [encode_segment("refs/gitml/runs", records, part) for part in parts]  # type: ignore[arg-type]


def test_a_publish_streamed_a_segment_at_a_time_writes_the_bytes_of_one_that_held_every_row(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first publish, one built on it (its new rows renumbered) and one that folds every
    row: each segment is byte for byte what encoding the rows read whole gives."""
    from gitml.storage import index_snapshot

    monkeypatch.setattr(index_snapshot, "SEGMENT_ROWS", 5)
    _publish_signed(team, tmp_path, monkeypatch)
    records, first = _index_rows(team.victim)
    assert _segments_of(team.victim) == _segments_whole(
        first, records, size=5, base=None, fold=False
    )
    assert len(first) == 12

    for i in range(3):
        record_run(team.victim, metrics={"acc": 0.6}, name=f"more-{i}")
    monkeypatch.chdir(team.victim)
    assert "(3 new, 4 segment(s))" in ok("index", "publish")
    records, second = _index_rows(team.victim)
    added = _segments_of(team.victim)[3:]
    assert added == _segments_whole(second, records, size=5, base=first, fold=False)

    monkeypatch.setattr(index_snapshot, "MAX_SEGMENTS", 1)
    record_run(team.victim, metrics={"acc": 0.6}, name="folded")
    assert "(16 new, 4 segment(s))" in ok("index", "publish")
    records, third = _index_rows(team.victim)
    assert _segments_of(team.victim) == _segments_whole(
        third, records, size=5, base=None, fold=True
    )
    assert "16 rows match their records" in ok("index", "verify")


def test_verify_parses_a_segment_at_a_time_and_names_a_row_wrong_in_a_later_one(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verify holds one segment's rows and records at a time (never every row), and
    still names a row its trusted signer got wrong in the last segment."""
    from gitml.storage import index_snapshot

    monkeypatch.setattr(index_snapshot, "SEGMENT_ROWS", 5)
    signers = _publish_signed(team, tmp_path, monkeypatch)
    last = "runs/0002.jsonl.z"
    head, columns, docs = _decoded(_segment_text(team.victim, f"refs/gitml/index:{last}"))
    wrong = str(columns["path"][1])
    doc = json.loads(docs[1])
    doc["metrics"]["acc"] = 0.99
    docs[1] = json.dumps(doc, separators=(",", ":"))
    seg = blob(team.victim, deflate_segment(_encoded(head, columns, docs)))
    listing = git(team.victim, "ls-tree", "refs/gitml/index:runs").replace(
        git(team.victim, "rev-parse", f"refs/gitml/index:{last}").strip(), seg
    )
    root = _mktree(team.victim, f"040000 tree {_mktree(team.victim, listing)}\truns\n")
    key = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={tmp_path / 'ci'}")
    commit = git(team.victim, *key, "commit-tree", "-S", root, "-m", "index").strip()
    git(team.victim, "update-ref", "refs/gitml/index", commit)
    git(team.victim, "config", "gitml.index.signers", str(signers))
    parsed: list[int] = []
    real = index_snapshot.parse_many

    def counting(parse: object, items: list[tuple[str, bytes]]) -> object:
        parsed.append(len(items))
        return real(parse, items)  # type: ignore[arg-type]

    monkeypatch.setattr(index_snapshot, "parse_many", counting)
    verdict = cli("index", "verify")
    assert verdict.exit_code == 1
    assert f"{wrong}: the row differs from what blob" in verdict.stderr
    assert parsed == [5, 5, 2]  # the blobs of one segment at a time
