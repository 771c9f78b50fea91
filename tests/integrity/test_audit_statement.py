"""Audit statements: a signed index snapshot names the record tips audited clean before it
was published, so a fresh checkout that trusts the signer audits only what came after.

The trust anchor is the local configuration (``gitml.index.signers``, a file outside the
work tree), never the refs or the tree being judged: every other statement costs one
warning line and the whole history is audited.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from gitml.integrity import history
from tests.integrity.forge import blob, forge_commit, push_forced, show
from tests.integrity.test_append_only import refused
from tests.integrity.test_index_snapshot import _key, _mktree, _sign_with, _signers
from tests.support.core import cli, git
from tests.support.integrity import Team, ok, run_paths, tip
from tests.support.registry import record_run

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

RUNS = "refs/gitml/runs"
WARNING = "not using the audit statement of the index snapshot"


@pytest.fixture
def stated(team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The victim's clone (the default-branch CI job) publishes a snapshot signed by the CI
    key, stating the tips it audited, and pushes it; the trusted signers (outside every
    clone)."""
    key = _key(tmp_path, "ci")
    signers = _signers(tmp_path, key)
    _sign_with(team.victim, key)
    monkeypatch.chdir(team.victim)
    ok("index", "publish")
    meta = json.loads(show(team.victim, "refs/gitml/index:runs/snapshot.json"))
    assert meta["audited"][RUNS] == tip(team.victim, RUNS)
    assert ok("push", "--no-data")
    return signers


def _audited_commits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many commits each ref's history audit reads (an observation: it runs unchanged)."""
    seen: dict[str, int] = {}
    real = history.check_history

    def counting(*args: object, **kwargs: object) -> history.HistoryCheck:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        seen[str(args[1])] = seen.get(str(args[1]), 0) + found.commits
        return found

    monkeypatch.setattr(history, "check_history", counting)
    return seen


def _ci_checkout(team: Team, tmp_path: Path, name: str, signers: Path | None) -> Path:
    """A fresh CI checkout with the gitml refs fetched as they are (no audit on the way in)."""
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", str(team.remote), str(clone))
    git(clone, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    return clone


def test_a_trusted_statement_spares_the_history_before_it(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fetch --ci` and `check --all` in a fresh checkout read only the commits after the
    stated tips; without the signers setting they read the whole history."""
    for i in range(2):
        record_run(team.victim, metrics={"acc": 0.6 + i / 10}, name=f"late-{i}")
    ok("push", "--no-data")
    seen = _audited_commits(monkeypatch)

    plain = _ci_checkout(team, tmp_path, "plain", None)
    monkeypatch.chdir(plain)
    result = cli("check", "--all")
    assert result.exit_code == 0, result.stderr
    assert seen[RUNS] >= 14
    seen.clear()

    trusting = tmp_path / "trusting"
    git(tmp_path, "clone", "-q", str(team.remote), str(trusting))
    git(trusting, "config", "gitml.index.signers", str(stated))
    monkeypatch.chdir(trusting)
    fetched = cli("fetch", "--ci")
    assert fetched.exit_code == 0, fetched.stderr
    assert seen[RUNS] == 2
    shutil.rmtree(trusting / ".git" / "gitml")  # no audit marks: the statement alone
    seen.clear()
    result = cli("check", "--all")
    assert result.exit_code == 0, result.stderr
    assert WARNING not in result.stderr
    assert seen[RUNS] == 2


def _bad_then_good(team: Team, base: str) -> tuple[str, str, str]:
    """On ``base``, a commit that edits a run in place, then one that adds a valid run:
    (the bad commit, the new tip, the path edited)."""
    path = run_paths(team.attacker)[0]
    text = show(team.attacker, f"{RUNS}:{path}") + "# acc was 0.99\n"
    bad = forge_commit(team.attacker, base, add={path: text}, message="tidy")
    extra = run_paths(team.attacker)[1]
    later = record_copy(team.attacker, extra)
    good = forge_commit(team.attacker, bad, add=later, message="add a run")
    return bad, good, path


def record_copy(repo: Path, path: str) -> dict[str, str]:
    """A valid run not yet in the history: the record at ``path`` under a new id."""
    from gitml.records.ids import new_id
    from gitml.storage.collection import DEEP

    old = path.rsplit("/", 1)[1].removesuffix(".toml")
    fresh = new_id()
    text = show(repo, f"{RUNS}:{path}").replace(old, fresh)
    return {f"runs/{DEEP.shard(fresh)}/{fresh}.toml": text}


def test_a_rewrite_after_the_stated_tip_is_always_caught(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the trusted tip, a commit that edits a record is read and refused by
    `check --all` and by `fetch --ci`, the statement trusted all along."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)

    clone = _ci_checkout(team, tmp_path, "checkout", stated)
    monkeypatch.chdir(clone)
    result = cli("check", "--all")
    assert result.exit_code == 1
    refused(result.stderr, bad, path)
    assert WARNING not in result.stderr

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(team.remote), str(fresh))
    git(fresh, "config", "gitml.index.signers", str(stated))
    monkeypatch.chdir(fresh)
    fetched = cli("fetch", "--ci")
    assert fetched.exit_code == 1
    refused(fetched.stderr, bad, path)
    assert WARNING not in fetched.stderr


def _statement(
    repo: Path, tips: dict[str, str], *, sign: tuple[str, ...] = (), version: str | None = None
) -> str:
    """A snapshot commit like ``refs/gitml/index`` whose snapshot.json states ``tips``
    (and ``version``), signed with the git options ``sign`` when given."""
    meta = json.loads(show(repo, "refs/gitml/index:runs/snapshot.json"))
    meta["audited"] = tips
    if version is not None:
        meta["gitml"] = version
    segment = git(repo, "rev-parse", "refs/gitml/index:runs/0000.jsonl.z").strip()
    inner = _mktree(
        repo,
        f"100644 blob {segment}\t0000.jsonl.z\n"
        f"100644 blob {blob(repo, json.dumps(meta))}\tsnapshot.json\n",
    )
    root = _mktree(repo, f"040000 tree {inner}\truns\n")
    signing = ("-S",) if sign else ()
    return git(repo, *sign, "commit-tree", *signing, root, "-m", "index").strip()


UNTRUSTED = ("unsigned", "stranger's key", "key the tree adds", "other version")


def _untrusted(how: str, tmp: Path, clone: Path, tips: dict[str, str]) -> tuple[Path | None, str]:
    """A statement of ``tips`` made the way ``how`` says, and the signers file the checkout
    is then (mis)configured with (None: the trusted one stays)."""
    if how == "unsigned":
        return None, _statement(clone, tips)
    if how == "other version":
        trusted = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={tmp / 'ci'}")
        return None, _statement(clone, tips, sign=trusted, version="0.0.1")
    key = _key(tmp, "stranger")
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    if how == "stranger's key":
        return None, _statement(clone, tips, sign=sign)
    kind, text = key.with_suffix(".pub").read_text().split()[:2]
    own = clone / "ci" / "allowed_signers"  # the pull request's tree brings its own key
    own.parent.mkdir()
    own.write_text(f'pr@example.com namespaces="git" {kind} {text}\n')
    return own, _statement(clone, tips, sign=sign)


@pytest.mark.parametrize("how", UNTRUSTED)
def test_an_untrusted_statement_excuses_nothing(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A statement that names a tip after a record edited in place: unsigned, signed by a
    key the trusted signers do not hold (also one the checked-out tree lists), or made by
    another gitml version, is named in one warning line, and the full audit refuses the
    edit."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)
    clone = _ci_checkout(team, tmp_path, "checkout", stated)
    signers, statement = _untrusted(how, tmp_path, clone, {RUNS: good})
    git(clone, "update-ref", "refs/gitml/index", statement)
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    monkeypatch.chdir(clone)
    result = cli("check", "--all")
    assert result.exit_code == 1
    refused(result.stderr, bad, path)
    assert result.stderr.count(WARNING) == 1, result.stderr


def test_a_relative_signers_path_excuses_nothing(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``gitml.index.signers`` as a relative path, even one that reaches the trusted file
    from the checkout: Python and git could resolve it from different folders, so a
    statement the trusted key signed is refused with one warning and the full audit
    refuses the record edited before its tip."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)
    clone = _ci_checkout(team, tmp_path, "checkout", None)
    trusted = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={tmp_path / 'ci'}")
    git(clone, "update-ref", "refs/gitml/index", _statement(clone, {RUNS: good}, sign=trusted))
    git(clone, "config", "gitml.index.signers", os.path.relpath(stated, clone))
    monkeypatch.chdir(clone)
    result = cli("check", "--all")
    assert result.exit_code == 1
    refused(result.stderr, bad, path)
    assert result.stderr.count(WARNING) == 1, result.stderr
    assert "a relative path" in result.stderr


def test_a_statement_whose_tip_the_history_no_longer_holds_excuses_nothing(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted statement, but the runs history was rewritten below its tip (an early
    record edited, the rest replayed): the stated tip is not an ancestor, so one warning
    and the full audit, which refuses the edit."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    early = git(team.attacker, "rev-list", "--reverse", RUNS).split()[3]
    bad, good, _path = _bad_then_good(team, early)
    push_forced(team.attacker, good, RUNS)
    clone = _ci_checkout(team, tmp_path, "checkout", stated)
    monkeypatch.chdir(clone)
    result = cli("check", "--all")
    assert result.exit_code == 1
    assert bad[:12] in result.stderr, result.stderr
    assert result.stderr.count(WARNING) == 1
    assert "is not in the history of" in result.stderr


def test_publish_refuses_records_that_fail_the_audit(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot vouches for the audit of the tips it names, so a history the audit
    refuses publishes nothing."""
    _sign_with(team.victim, _key(tmp_path, "ci"))
    path = run_paths(team.victim)[0]
    bad = forge_commit(team.victim, tip(team.victim, RUNS), remove=[path])
    git(team.victim, "update-ref", RUNS, bad)
    monkeypatch.chdir(team.victim)
    result = cli("index", "publish")
    assert result.exit_code == 1
    assert "not publishing the index snapshot" in result.stderr
    refused(result.stderr, bad, path)
    assert tip(team.victim, "refs/gitml/index") == ""


TEMPLATES = Path(__file__).resolve().parents[2] / "hooks"


def _steps(name: str) -> dict[str, str]:
    """The shell of each named step of a GitHub template."""
    from gitml.pipelines.yamlfile import loads

    doc = loads((TEMPLATES / "github" / name).read_text("utf-8"), where=name)
    (job,) = doc["jobs"].values()
    return {step["name"]: step["run"] for step in job["steps"] if "run" in step}


def _gitlab() -> tuple[str, str]:
    """The GitLab template's signers set-up (before every job) and its publish step."""
    import yaml

    doc = yaml.safe_load((TEMPLATES / "gitlab" / "gitml.gitlab-ci.yml").read_text("utf-8"))
    (trust,) = [line for line in doc[".gitml"]["before_script"] if "gitml.index.signers" in line]
    (publish,) = [line for line in doc["gitml-apply"]["script"] if "index publish" in line]
    return trust, publish


def _shell(script: str, cwd: Path, tmp: Path, env: dict[str, str]) -> None:
    """``script`` run by bash as the CI runner runs it, ``git ml`` being this checkout's."""
    import os
    import subprocess
    import sys

    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "git-ml"
    root = Path(__file__).resolve().parents[2]
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{root}" exec "{sys.executable}" -m gitml "$@"\n')
    shim.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_the_ci_templates_publish_a_statement_check_jobs_trust(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forge: str
) -> None:
    """The default-branch job's steps sign and push the statement with the key from the CI
    secret; a fresh check job's set-up names the signers outside its checkout, and its
    `fetch --ci` and `check --all` read only what came after the stated tips."""
    key = _key(tmp_path, "ci")
    signers = _signers(tmp_path, key).read_text()
    default = tmp_path / "runner-default"
    default.mkdir()
    if forge == "github":
        apply, check = _steps("gitml-apply.yml"), _steps("gitml-check.yml")
        trust_default = apply["Trust the audit statement this job signs"]
        publish = apply["Publish the signed index snapshot and its audit statement"]
        trust_check = check["Trust the audit statement the default branch signs"]
        secrets = {"SIGNING_KEY": key.read_text(), "SIGNERS": signers}
    else:
        trust_default, publish = _gitlab()
        trust_check = trust_default
        git(team.victim, "remote", "add", "gitml-push", str(team.remote))
        secrets = {"GITML_INDEX_SIGNING_KEY": str(key), "GITML_INDEX_SIGNERS": signers}
    _shell(trust_default, team.victim, tmp_path, {"RUNNER_TEMP": str(default), **secrets})
    _shell(publish, team.victim, tmp_path, {"RUNNER_TEMP": str(default), **secrets})
    assert tip(team.remote, "refs/gitml/index")
    assert not Path(git(team.victim, "config", "user.signingkey").strip()).exists()
    record_run(team.victim, metrics={"acc": 0.7}, name="after")
    monkeypatch.chdir(team.victim)
    ok("push", "--no-data")

    clone = tmp_path / "pr-job"
    git(tmp_path, "clone", "-q", str(team.remote), str(clone))
    runner = tmp_path / "runner-pr"
    runner.mkdir()
    _shell(trust_check, clone, tmp_path, {"RUNNER_TEMP": str(runner), **secrets})
    named = Path(git(clone, "config", "gitml.index.signers").strip())
    assert not named.resolve().is_relative_to(clone.resolve())
    seen = _audited_commits(monkeypatch)
    monkeypatch.chdir(clone)
    fetched = cli("fetch", "--ci")
    assert fetched.exit_code == 0, fetched.stderr
    assert seen[RUNS] == 1
    shutil.rmtree(clone / ".git" / "gitml")
    result = cli("check", "--all")
    assert result.exit_code == 0, result.stderr
    assert WARNING not in result.stderr
    assert seen[RUNS] == 2
