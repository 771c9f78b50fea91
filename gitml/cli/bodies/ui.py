"""The body of ``git ml ui``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.errors import UsageError
from gitml.storage.repo import open_repo

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def ui(
    *, port: int = 8765, host: str = "127.0.0.1", open_: bool = False, verbose: bool = False
) -> None:
    """Serve a local, read-only web app over this repository's runs, data and models."""
    from gitml.ui.server import make_server, serve

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: must be 0..65535")
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
