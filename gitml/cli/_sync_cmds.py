"""The bodies of ``git ml pull``, ``push``, ``sync`` and ``fetch``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.cli._output import Output
from gitml.storage.repo import open_repo
from gitml.sync import prepare_ci, push_records, short_name
from gitml.sync import pull as do_pull

if TYPE_CHECKING:
    from gitml.sync import PullReport, PushReport


def _print_pull(out: Output, report: PullReport) -> None:
    arrived = {name: n for name, n in report.added.items() if n}
    if arrived:
        out.summary(
            f"pulled from {report.remote}: "
            + ", ".join(f"{n} {name} record(s)" for name, n in sorted(arrived.items()))
        )
    else:
        out.summary(f"pulled from {report.remote}: nothing new")


def _print_data(out: Output, data: dict[str, object] | None) -> None:
    if data is not None and "not_pushed" in data:
        out.warn(f"data not pushed: {data['not_pushed']}")
    elif data is not None:
        out.summary(
            f"data pushed to data remote {data['remote']}: {data['transferred']} object(s), "
            f"{data['skipped']} already there"
        )
        missing = data.get("missing")
        if isinstance(missing, list) and missing:
            out.warn(f"{len(missing)} file(s) of the current data are not in the cache")


def _print_pushed(out: Output, remote: str, report: PushReport) -> None:
    if report.pushed:
        out.summary(f"pushed to {remote}: " + ", ".join(short_name(r) for r in report.pushed))
    else:
        out.summary(f"{remote} is up to date")
    if report.index is not None and report.index.startswith("not pushed"):
        out.warn(f"index snapshot {report.index}")
    elif report.index == "pushed":
        out.summary(f"index snapshot pushed to {remote}")


def pull(*, remote: str = "origin", json: bool = False, quiet: bool = False) -> None:
    """Fetch gitml records from REMOTE and merge them into the local ones."""
    report = do_pull(open_repo(), remote)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
    else:
        _print_pull(out, report)


def push(
    *, remote: str = "origin", no_data: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Push local gitml records to REMOTE (fast-forward, atomic; merges and retries if others pushed)."""
    report = push_records(open_repo(), remote, data=not no_data)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
        return
    _print_data(out, report.data)
    for pulled in report.pulls:
        _print_pull(out, pulled)
    _print_pushed(out, remote, report)


def sync(
    *, remote: str = "origin", no_data: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Pull, then push: afterwards REMOTE and this clone hold the same records."""
    repo = open_repo()
    pulled = do_pull(repo, remote)
    pushed = push_records(repo, remote, data=not no_data)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"pull": pulled.as_dict(), "push": pushed.as_dict()})
        return
    _print_pull(out, pulled)
    _print_data(out, pushed.data)
    _print_pushed(out, remote, pushed)


def fetch(
    *, remote: str = "origin", ci: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Fetch gitml records into refs/remotes/REMOTE/gitml/* without touching local records."""
    from gitml.storage.remote import fetch as do_fetch

    repo = open_repo()
    out = Output(json, quiet=quiet)
    if ci:
        report = prepare_ci(repo, remote)
        if json:
            out.json(report.as_dict())
            return
        if report.unshallowed:
            out.summary("fetched the full history (the clone was shallow)")
        _print_pull(out, report.pull)
        return
    tips = do_fetch(repo, remote)
    if json:
        out.json({"remote": remote, "tips": {short_name(k): v for k, v in tips.items()}})
        return
    for ref, tip in tips.items():
        out.summary(f"{short_name(ref)}: {tip or '(none on ' + remote + ')'}")
