"""``git ml init``: the tracked settings files, fetch refspecs, notes config and hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitml import hooks
from gitml.config import CONFIG_FILE, POLICY_FILE, STAGES_FILE, default_config_doc, load_config_doc
from gitml.records import codec
from gitml.storage import NOTES_REF
from gitml.storage.remote import fetch_refspecs
from gitml.storage.repo import GitRepo

_RESOURCES = Path(__file__).resolve().parent / "_resources"


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    refspecs: list[str] = field(default_factory=list)
    config: list[str] = field(default_factory=list)
    hooks: list[hooks.HookResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "kept": self.kept,
            "refspecs": self.refspecs,
            "config": self.config,
            "hooks": {h.name: h.action for h in self.hooks},
        }


def _write_if_missing(workdir: Path, rel: str, text: str, report: InitReport) -> None:
    path = workdir / rel
    if path.exists():
        report.kept.append(rel)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    report.created.append(rel)


def _config_values(repo: GitRepo, key: str) -> list[str]:
    proc = repo.git("config", "--get-all", key, check=False)
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def configure_remotes(repo: GitRepo, report: InitReport) -> None:
    for remote in repo.git("remote").stdout.split():
        existing = _config_values(repo, f"remote.{remote}.fetch")
        for spec in fetch_refspecs(remote):
            if spec not in existing:
                repo.git("config", "--add", f"remote.{remote}.fetch", spec)
                report.refspecs.append(f"{remote}: {spec}")


def configure_notes(repo: GitRepo, report: InitReport) -> None:
    if NOTES_REF not in _config_values(repo, "notes.displayRef"):
        repo.git("config", "--add", "notes.displayRef", NOTES_REF)
        report.config.append(f"notes.displayRef={NOTES_REF}")
    if NOTES_REF not in _config_values(repo, "notes.rewriteRef"):
        repo.git("config", "--add", "notes.rewriteRef", NOTES_REF)
        report.config.append(f"notes.rewriteRef={NOTES_REF}")


def hooks_dir(repo: GitRepo) -> Path:
    rel = repo.git("rev-parse", "--git-path", "hooks").stdout.strip()
    path = Path(rel)
    return path if path.is_absolute() else repo.workdir / path


def init_project(repo: GitRepo, *, install_hooks: bool = False) -> InitReport:
    """Set a repository up for gitml; safe to run again (idempotent)."""
    workdir = repo.workdir
    report = InitReport()
    if (workdir / CONFIG_FILE).exists():
        load_config_doc(workdir)
    _write_if_missing(workdir, CONFIG_FILE, codec.dumps(default_config_doc()), report)
    _write_if_missing(workdir, POLICY_FILE, (_RESOURCES / "policy.toml").read_text("utf-8"), report)
    _write_if_missing(workdir, STAGES_FILE, (_RESOURCES / "stages.toml").read_text("utf-8"), report)
    configure_remotes(repo, report)
    configure_notes(repo, report)
    if install_hooks:
        report.hooks = hooks.install_hooks(hooks_dir(repo))
    return report
