"""Integrity tests: a team of clones (victim, attacker, remote) and forged records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.integrity.forge import fetch_gitml
from tests.support.core import cli, git


@dataclass(frozen=True)
class Team:
    remote: Path
    victim: Path
    attacker: Path
    runs: list[str]


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, f"git ml {' '.join(args)}: {result.stderr}"
    return result.stdout


def run_paths(repo: Path, ref: str = "refs/gitml/runs") -> list[str]:
    out = git(repo, "ls-tree", "-r", "--name-only", ref, check=False)
    return sorted(p for p in out.split() if p.startswith("runs/") and p.endswith(".toml"))


def tip(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "-q", "--verify", ref, check=False).strip()


POLICY = """schema = "gitml/policy/1"

[stage.production]
min_metrics = { acc = 0.84 }
require_monitor_ok = true
"""


def publish(team: Team) -> None:
    """The victim pushes main and the records; the attacker takes a fresh copy of both."""
    git(team.victim, "push", "-q", "origin", "HEAD:refs/heads/main")
    ok("push", "--no-data")
    fetch_gitml(team.attacker)
    git(team.attacker, "pull", "-q", "origin", "main")


def monitor_doc(
    version: str, *, alert: bool, kind: str = "monitor", report_id: str | None = None
) -> dict[str, object]:
    """A monitor (or scan) report on churn ``version`` with one finding."""
    from gitml.monitor.report import build_report

    finding = {
        "column": "age",
        "kind": "drift",
        "method": "psi",
        "value": 0.5 if alert else 0.01,
        "threshold": 0.1,
        "alert": alert,
        "message": "psi of age",
    }
    doc = build_report(
        kind=kind,  # type: ignore[arg-type]
        model="churn",
        version=version,
        rows=100,
        findings=[finding],
        data="serving.csv",
    )
    if report_id is not None:
        doc["id"] = report_id
    return doc


def save_monitor(repo: Path, version: str, *, alert: bool, kind: str = "monitor") -> str:
    from gitml.monitor.report import save_report
    from gitml.storage.repo import open_repo

    return save_report(open_repo(repo), monitor_doc(version, alert=alert, kind=kind))


def id_at(seconds_from_now: float) -> str:
    """A well-formed record id whose time is ``seconds_from_now`` away."""
    import time

    from gitml.records import ids

    return ids.new_id(int((time.time() + seconds_from_now) * 1000))


def now_env() -> dict[str, str]:
    """Commit dates of now (the hermetic fixture pins them to 2026-01-02)."""
    import time

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return {"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
