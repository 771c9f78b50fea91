"""``git ml check``: governance checks for pre-commit, pre-push, pull requests and CI."""

from typing import Annotated

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output


def check(
    staged: Annotated[
        bool, typer.Option("--staged", help="Check the staged change (pre-commit).")
    ] = False,
    base: Annotated[
        str | None, typer.Option("--base", help="Check everything in BASE..HEAD (a pull request).")
    ] = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Check what a push sends (pre-push; reads git's pre-push lines on stdin when present).",
        ),
    ] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Check every gitml file and record, and the registry log.")
    ] = False,
    fmt: Annotated[
        str,
        typer.Option("--format", help="text or markdown (a PR comment / $GITHUB_STEP_SUMMARY)."),
    ] = "text",
    self_test: Annotated[
        bool, typer.Option("--self-test", help="Validate gitml's shipped schemas and resources.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Check gitml files, records, large files and promotions against .gitml/policy.toml."""
    import os
    import sys

    from gitml.errors import UsageError

    out = Output(json)
    if self_test:
        from gitml.governance.selftest import self_test as run_self_test

        problems = run_self_test()
        out.emit({"ok": not problems, "problems": problems})
        if not json:
            for problem in problems:
                out.error(problem)
            if not problems:
                out.info("self-test passed: every shipped schema and resource is valid")
        if problems:
            raise typer.Exit(1)
        return
    modes = sum([staged, base is not None, push, all_])
    if modes != 1:
        raise UsageError("pick exactly one of --staged, --base REV, --push, --all")
    if fmt not in ("text", "markdown"):
        raise UsageError(f"--format {fmt!r}: use text or markdown")
    from gitml.config import Settings, load_settings
    from gitml.errors import ConfigError
    from gitml.governance import check as engine
    from gitml.storage.repo import open_repo

    repo = open_repo()
    try:
        settings = load_settings(repo.workdir)
    except ConfigError as exc:
        out.warn(f"{exc} (checking with gitml's defaults)")
        settings = Settings()
    env = dict(os.environ)
    if staged:
        report = engine.check_staged(repo, settings, env)
    elif base is not None:
        report = engine.check_range(repo, settings, base, "HEAD", env)
    elif push:
        try:
            stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        except OSError:
            stdin = ""
        report = engine.check_push(repo, settings, stdin, env)
    else:
        report = engine.check_all(repo, settings, env)
    if json:
        out.json(report.as_dict())
    elif fmt == "markdown":
        from gitml.governance.report import markdown

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
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
