"""``git ml ui`` (a local web app over the records) and ``git ml report`` (one HTML file)."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._output import Output

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def ui(
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port to listen on (0: any free port).")
    ] = 8765,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to bind. Anything but 127.0.0.1 exposes your records to the network.",
        ),
    ] = "127.0.0.1",
    open_: Annotated[
        bool, typer.Option("--open", help="Open the app in the default web browser.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every request on stderr.")
    ] = False,
) -> None:
    """Serve a local, read-only web app over this repository's runs, data and models."""
    from gitml.storage.repo import open_repo
    from gitml.ui.server import make_server, serve

    if not 0 <= port <= 65535:
        raise typer.BadParameter("must be 0..65535", param_hint="--port")
    repo = open_repo()
    out = Output()
    server = make_server(repo.workdir_or_gitdir, host, port, verbose=verbose)
    if host not in LOOPBACK:
        out.warn(
            f"listening on {host}: anyone who can reach this address can read every run, "
            "param and metric of this repository (the app has no login)"
        )
    out.info(f"gitml ui: serving {repo.workdir_or_gitdir} at {server.url} (Ctrl-C stops)")
    if open_:
        import webbrowser

        webbrowser.open(server.url)
    try:
        serve(server)
    except KeyboardInterrupt:
        out.info("gitml ui: stopped")


def report(
    runs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Runs to report: ids, id prefixes or names, or model versions "
            "(NAME:VERSION, NAME@STAGE) for the runs they were registered from."
        ),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(
            "--where", "-w", help="Report the runs matching a query, e.g. \"sweep = '…'\"."
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", "-a", help="With --where: search runs of every branch.")
    ] = False,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "gitml-report.html"
    ),
) -> None:
    """Write one self-contained HTML report (charts included, opens with no network)."""
    from gitml.storage.repo import open_repo
    from gitml.ui.report import build_report

    result = build_report(open_repo(), tuple(runs or ()), where=where, all_branches=all_)
    target = output.expanduser()
    try:
        target.write_text(result.html, encoding="utf-8")
    except OSError as exc:
        from gitml.errors import GitmlError

        raise GitmlError(f"cannot write {target}: {exc.strerror or exc}") from None
    out = Output()
    if result.matched > result.runs:
        out.warn(f"{result.matched} runs match; the report holds the newest {result.runs}")
    out.info(f"wrote {target} ({result.runs} run{'s' if result.runs != 1 else ''})")


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)
    app.command("report")(report)
