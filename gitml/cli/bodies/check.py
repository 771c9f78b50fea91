"""The body of ``git ml check``."""

from __future__ import annotations

import os
import sys

from gitml.cli._output import Output
from gitml.config import Settings, load_settings
from gitml.errors import ConfigError, UsageError
from gitml.governance import check as engine
from gitml.governance.report import markdown
from gitml.governance.selftest import self_test as run_self_test
from gitml.storage.repo import GitRepo, open_repo


def check(
    *,
    files: list[str] | None = None,
    staged: bool = False,
    base: str | None = None,
    push: bool = False,
    all_: bool = False,
    fmt: str = "text",
    self_test: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Check gitml files, records, large files and promotions against .gitml/policy.toml."""
    out = Output(json, quiet=quiet)
    if self_test:
        problems = run_self_test()
        out.emit({"ok": not problems, "problems": problems})
        if not json:
            for problem in problems:
                out.error(problem)
            if not problems:
                out.info("self-test passed: every shipped schema and resource is valid")
        if problems:
            return 1
        return 0
    modes = sum([staged, base is not None, push, all_])
    if modes != 1:
        raise UsageError("pick exactly one of --staged, --base REV, --push, --all")
    if files and not staged:
        raise UsageError("FILEs go with --staged (they are what pre-commit passes)")
    if fmt not in ("text", "markdown"):
        raise UsageError(f"--format {fmt!r}: use text or markdown")

    repo = open_repo()
    env = dict(os.environ)
    if base is not None:  # judged by committed settings, never the work tree's
        report = engine.check_range(repo, base, "HEAD", env)
    elif all_:
        report = engine.check_all(repo, env)
    elif staged:
        report = engine.check_staged(repo, _settings(repo, out), env, files or ())
    else:
        try:
            stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        except OSError:
            stdin = ""
        report = engine.check_push(repo, _settings(repo, out), stdin, env)
    if json:
        out.json(report.as_dict())
    elif fmt == "markdown":
        out.line(markdown(report))
    else:
        findings = report.all_findings()
        for finding in findings:
            (out.error if finding.severity == "error" else out.warn)(finding.line())
        status = "ok" if report.ok else f"{len(report.errors)} error(s)"
        if findings or not (staged or push):  # the hook modes say nothing on success
            out.info(
                f"gitml check ({report.mode}): {status}; {report.files} file(s), "
                f"{report.records} record(s), {len(report.promotions)} promotion(s)"
            )
    if not report.ok:
        return 1
    return 0


def _settings(repo: GitRepo, out: Output) -> Settings:
    """The work tree's settings (the local user's, for the hook modes); gitml's defaults,
    with a warning, when the file does not load."""
    try:
        return load_settings(repo.workdir)
    except ConfigError as exc:
        out.warn(f"{exc} (checking with gitml's defaults)")
        return Settings()
