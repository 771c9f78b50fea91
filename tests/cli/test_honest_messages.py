"""Messages that say what is true: empty listings, init's advice, demote, unknown sort keys."""

from __future__ import annotations

from pathlib import Path

from tests.support.core import cli, git
from tests.support.registry import init_project, ok, record_run


def run_here(name: str) -> None:
    result = cli("run", "-n", name, "--", "true")
    assert result.exit_code == 0, result


def test_ls_without_matches_says_where_the_matches_are(in_repo: Path) -> None:
    run_here("alpha")
    run_here("beta")
    nothing = cli("ls", "--where", "name = 'zzz'")
    assert nothing.exit_code == 0
    assert nothing.stderr == "no runs match\n"
    git(in_repo, "checkout", "-q", "-b", "side")
    (in_repo / "side.txt").write_text("side\n")
    git(in_repo, "add", "side.txt")
    git(in_repo, "commit", "-q", "-m", "side")
    here = cli("ls", "--where", "name = 'alpha'")
    assert here.exit_code == 0, here
    assert here.stderr == "no runs that match on this branch (1 on other branches; use --all)\n"
    assert cli("ls").stderr == "no runs on this branch (2 on other branches; use --all)\n"
    none_anywhere = cli("ls", "--where", "name = 'zzz'")
    assert none_anywhere.exit_code == 0, none_anywhere
    assert none_anywhere.stderr == "no runs match\n"


def test_ls_of_a_commit_without_runs_names_the_commit(in_repo: Path) -> None:
    run_here("alpha")
    (in_repo / "more.txt").write_text("more\n")
    git(in_repo, "add", "more.txt")
    git(in_repo, "commit", "-q", "-m", "more")
    result = cli("ls", "--commit", "HEAD")
    assert result.exit_code == 0
    assert result.stderr == "no runs were made on HEAD (or on a commit it replaced)\n"


def test_ls_warns_about_a_sort_key_no_run_has(in_repo: Path) -> None:
    run_here("alpha")
    result = cli("ls", "--sort", "-metrics.nonexistent")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: --sort -metrics.nonexistent: no run listed has this field, so it ordered "
        "nothing\n"
    )
    assert cli("ls", "--sort", "-name").stderr == ""


def test_init_asks_for_a_commit_only_when_it_wrote_files(in_repo: Path) -> None:
    first = cli("init")
    assert first.exit_code == 0, first
    assert "next: commit .gitml/" in first.stderr
    git(in_repo, "add", ".gitml")
    git(in_repo, "commit", "-q", "-m", "gitml")
    git(in_repo, "config", "--unset-all", "notes.displayRef")
    again = cli("init")
    assert again.exit_code == 0, again
    assert "set notes.displayRef" in again.stdout
    assert "next: commit" not in again.stderr


def test_demote_names_who_holds_the_stage(in_repo: Path) -> None:
    init_project(in_repo)
    run = record_run(in_repo, metrics={"acc": 0.9}, model_bytes=b"m")
    ok("model", "register", "wine", "--run", run, "--version", "1")
    ok("model", "register", "wine", "--run", run, "--version", "2")
    nobody = cli("demote", "wine", "2", "dev")
    assert nobody.exit_code == 1
    assert "(no version of wine holds 'dev'); nothing to demote" in nobody.stderr
    ok("promote", "wine", "1", "dev")
    other = cli("demote", "wine", "2", "dev")
    assert other.exit_code == 1, other
    assert "wine 2 does not hold 'dev' ('dev' is held by wine 1); nothing to demote" in (
        other.stderr
    )


def test_an_empty_override_is_refused_before_anything_runs(in_repo: Path) -> None:
    (in_repo / "params.yaml").write_text("alpha: 0.5\n")
    result = cli("run", "-S", "alpha=", "--", "touch", "ran")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: -S 'alpha=': no value after '='; write -S alpha=VALUE")
    assert not (in_repo / "ran").exists()
    assert git(in_repo, "for-each-ref", "refs/gitml/runs") == ""
