"""The body of ``git ml queue start``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.errors import UsageError
from gitml.queue.runner import Runner
from gitml.storage.repo import open_repo


def start(
    *, workers: int = 1, on: str | None = None, include_pulled: bool = False, quiet: bool = False
) -> int:
    """Run queued runs until none is left (each from the code it pinned)."""
    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    out = Output(quiet=quiet)
    runner = Runner(
        open_repo(),
        workers=workers,
        on=on,
        include_pulled=include_pulled,
        on_event=lambda t: out.info(f"gitml: {t}"),
    )
    ended = runner.run()
    if runner.stopping:
        out.info("gitml: stopped; entries not started stay queued")
        return 130
    bad = [e for e in ended if e.status != "completed"]
    out.info(f"gitml: queue drained: {len(ended)} ran, {len(bad)} did not complete")
    pulled = list(runner.pulled.values())
    if pulled:
        listed = ", ".join(f"{s.id} {s.name}" for s in pulled)  # schema: plain characters
        out.warn(
            f"not run: {len(pulled)} queued run(s) added in another clone ({listed}); "
            "check their commands with `git ml queue status`, then run them with "
            "`git ml queue start --include-pulled`"
        )
    return 1 if bad or pulled else 0
