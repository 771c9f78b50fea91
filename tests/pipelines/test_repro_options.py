"""repro's stage kinds and options on small shell pipelines: jobs, frozen, persist, ..."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.core import git
from tests.support.pipelines import actions, cli_in, write
from tests.support.pipelines import repro_json as repro

SLOW = "import sys, time\na = time.time()\ntime.sleep(1.0)\nopen(sys.argv[1], 'w').write(f'{a} {time.time()}')\n"


def test_jobs_run_independent_stages_at_once(repo_with_commit: Path) -> None:
    write(
        repo_with_commit,
        {
            "in.txt": "x",
            "slow.py": SLOW,
            "dvc.yaml": """
stages:
  a: {cmd: python3 slow.py a.out, deps: [in.txt, slow.py], outs: [a.out]}
  b: {cmd: python3 slow.py b.out, deps: [in.txt, slow.py], outs: [b.out]}
  c: {cmd: cat a.out b.out > c.out, deps: [a.out, b.out], outs: [c.out]}
""",
        },
    )
    outcome = repro(repo_with_commit, "--jobs", "2")
    assert actions(outcome) == {"a": "ran", "b": "ran", "c": "ran"}
    a_start, a_end = map(float, (repo_with_commit / "a.out").read_text().split())
    b_start, b_end = map(float, (repo_with_commit / "b.out").read_text().split())
    assert a_start < b_end
    assert b_start < a_end  # the two commands overlapped
    assert (repo_with_commit / "c.out").is_file()


def test_frozen_always_changed_persist_and_uncached_outputs(repo_with_commit: Path) -> None:
    write(
        repo_with_commit,
        {
            "in.txt": "x",
            "dvc.yaml": """
stages:
  keep:
    cmd: echo more >> log.txt
    deps: [in.txt]
    outs: [{log.txt: {persist: true}}]
  always:
    cmd: date +%N > now.txt
    outs: [now.txt]
    always_changed: true
  callback:
    cmd: echo called
  frozen:
    cmd: cp in.txt frozen.txt
    deps: [in.txt]
    outs: [{frozen.txt: {cache: false}}]
    frozen: true
""",
        },
    )
    (repo_with_commit / "frozen.txt").write_text("x")
    first = repro(repo_with_commit)
    assert actions(first) == {
        "keep": "ran",
        "always": "ran",
        "callback": "ran",
        "frozen": "frozen",
    }
    (repo_with_commit / "in.txt").write_text("y")
    second = repro(repo_with_commit)
    assert actions(second) == {
        "keep": "ran",
        "always": "ran",
        "callback": "ran",
        "frozen": "frozen",
    }
    assert (repo_with_commit / "log.txt").read_text() == "more\nmore\n"  # persist: kept
    ignored = (repo_with_commit / ".gitignore").read_text().splitlines()
    assert "/log.txt" in ignored
    assert "/frozen.txt" not in ignored  # cache: false outputs stay in git
    (repo_with_commit / "frozen.txt").unlink()
    result = cli_in(repo_with_commit, "repro", "frozen")
    assert result.exit_code == 1
    assert "stage 'frozen': is frozen and its output 'frozen.txt' is missing" in result.stderr


def test_list_commands_run_in_order_and_stop_at_the_first_failure(repo_with_commit: Path) -> None:
    write(
        repo_with_commit,
        {
            "dvc.yaml": "stages:\n  s:\n    cmd: [echo one > o.txt, 'false', echo two >> o.txt]\n"
            "    outs: [o.txt]\n",
        },
    )
    result = cli_in(repo_with_commit, "repro")
    assert result.exit_code == 1
    assert (repo_with_commit / "o.txt").read_text() == "one\n"


def test_wdir_and_foreach_stages_run_where_they_say(repo_with_commit: Path) -> None:
    write(
        repo_with_commit,
        {
            "sub/params.yaml": "n: 3\n",
            "dvc.yaml": """
stages:
  gen:
    foreach: [a, b]
    do:
      wdir: sub
      vars: [params.yaml]
      cmd: echo ${item} ${n} > ${item}.txt
      params: [n]
      outs: ["${item}.txt"]
""",
        },
    )
    outcome = repro(repo_with_commit)
    assert actions(outcome) == {"gen@a": "ran", "gen@b": "ran"}
    assert (repo_with_commit / "sub" / "a.txt").read_text() == "a 3\n"
    lock = (repo_with_commit / "dvc.lock").read_text()
    assert "  gen@a:\n    cmd: echo a 3 > a.txt\n" in lock
    assert "      params.yaml:\n        n: 3\n" in lock


def test_status_and_dag_of_a_stale_pipeline(repo_with_commit: Path) -> None:
    write(
        repo_with_commit,
        {
            "in.txt": "x",
            "dvc.yaml": """
stages:
  a: {cmd: cp in.txt a.txt, deps: [in.txt], outs: [a.txt]}
  b: {cmd: cp a.txt b.txt, deps: [a.txt], outs: [b.txt]}
""",
        },
    )
    assert cli_in(repo_with_commit, "status").stdout == (
        "a: stale\n"
        "    never ran (no entry in the lock file)\n"
        "    dependency in.txt modified\n"
        "    output a.txt deleted\n"
        "b: stale\n"
        "    never ran (no entry in the lock file)\n"
        "    dependency a.txt deleted\n"
        "    output b.txt deleted\n"
    )
    repro(repo_with_commit)
    (repo_with_commit / "in.txt").write_text("changed")
    result = cli_in(repo_with_commit, "status", "--json")
    assert result.exit_code == 0, result
    rows = json.loads(result.stdout)
    assert rows["stale"] == ["a"]
    assert [(r["stage"], r["state"], r["after"]) for r in rows["stages"]] == [
        ("a", "stale", []),
        ("b", "pending", ["a"]),
    ]
    assert cli_in(repo_with_commit, "dag").stdout == "a\nb  <- a\n"
    assert cli_in(repo_with_commit, "dag", "--status").stdout == "a  [stale]\nb  [pending]  <- a\n"
    assert cli_in(repo_with_commit, "dag", "--format", "mermaid").stdout == (
        'flowchart TD\n\tnode1["a"]\n\tnode2["b"]\n\tnode1-->node2\n'
    )
    assert cli_in(repo_with_commit, "dag", "--format", "dot").stdout == (
        'strict digraph  {\n"a";\n"b";\n"a" -> "b";\n}\n'
    )
    bad = cli_in(repo_with_commit, "dag", "--format", "svg")
    assert bad.exit_code == 2
    assert "--format 'svg': choose one of text, mermaid, dot" in bad.stderr


def test_commands_outside_a_pipeline_say_what_to_do(repo_with_commit: Path) -> None:
    result = cli_in(repo_with_commit, "status")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no dvc.yaml in ")
    git(repo_with_commit, "status")


def test_a_second_repro_in_the_same_work_tree_is_refused(repo_with_commit: Path) -> None:
    import fcntl
    import os

    write(
        repo_with_commit,
        {"dvc.yaml": "stages:\n  s:\n    cmd: echo x > o.txt\n    outs: [o.txt]\n"},
    )
    folder = repo_with_commit / ".git" / "gitml" / "pipelines"
    folder.mkdir(parents=True)
    fd = os.open(folder / "repro.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = cli_in(repo_with_commit, "repro")
        assert result.exit_code == 1
        assert "another `git ml repro` is running in" in result.stderr
        assert not (repo_with_commit / "o.txt").exists()
        assert cli_in(repo_with_commit, "repro", "--dry-run").exit_code == 0
    finally:
        os.close(fd)
    assert cli_in(repo_with_commit, "repro").exit_code == 0


def test_outputs_inside_git_or_under_a_symlinked_folder_are_refused(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    write(repo_with_commit, {"dvc.yaml": "stages:\n  s:\n    cmd: x\n    outs: [.GIT/config]\n"})
    result = cli_in(repo_with_commit, "status")
    assert result.exit_code == 1
    assert "stage 's': output '.GIT/config': is inside .git or .gitml" in result.stderr
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "precious.txt").write_text("mine")
    (repo_with_commit / "link").symlink_to(outside)
    write(repo_with_commit, {"dvc.yaml": "stages:\n  s:\n    cmd: echo x\n    outs: [link/keep]\n"})
    result = cli_in(repo_with_commit, "repro")
    assert result.exit_code == 1
    assert "'link/keep' is a symlink to" in result.stderr
    assert (outside / "keep" / "precious.txt").read_text() == "mine"
