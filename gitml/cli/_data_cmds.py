"""The bodies of ``git ml data ...``."""

from __future__ import annotations

from typing import Any

from gitml.cli._output import Output, render_table
from gitml.errors import UsageError
from gitml.units import format_bytes


def _workspace() -> Any:
    from gitml.data.workspace import open_workspace

    return open_workspace()


def _progress(out: Output) -> Any:
    """Bars on a terminal's stderr; nothing with --json or --quiet."""
    from gitml.objects.progress import NullProgress, progress_for

    return NullProgress() if out.json_mode or out.quiet else progress_for()


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def add(
    *,
    paths: list[str],
    name: str | None = None,
    no_profile: bool = False,
    link: str = "auto",
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Hash PATHs into the cache, record a manifest and write a pointer file per dataset."""
    from gitml.data.add import add_datasets
    from gitml.data.workspace import LINK_CHOICES, link_mode

    if link not in LINK_CHOICES:
        raise UsageError(f"--link {link!r}: use one of {', '.join(LINK_CHOICES)}")
    ws = _workspace()
    ws.link = link_mode(link)
    out = Output(json, quiet=quiet)
    with _progress(out) as progress:
        report = add_datasets(
            ws, paths, name=name, profile=not no_profile, jobs=jobs, progress=progress
        )
    if json:
        out.json(
            {
                "datasets": [
                    {
                        "name": d.name,
                        "path": d.path,
                        "pointer": d.pointer,
                        "manifest": str(d.digest),
                        "files": d.files,
                        "bytes": d.nbytes,
                        "changed": d.changed,
                        "stored": d.stored,
                        "rehashed": d.rehashed,
                    }
                    for d in report.datasets
                ],
                "gitignore": list(report.ignored),
                "profiled": list(report.profiled),
                "notes": list(report.notes),
            }
        )
        return
    for d in report.datasets:
        state = "updated" if d.changed else "unchanged"
        out.summary(
            f"{d.name}: {state} {d.path} ({_files(d.files)}, {format_bytes(d.nbytes)}) -> {d.digest}"
        )
    for path in report.profiled:
        out.info(f"profiled {path}")
    for note in report.notes:
        out.warn(note)
    if any(d.changed for d in report.datasets) or report.ignored:
        files = [d.pointer for d in report.datasets] + ([".gitignore"] if report.ignored else [])
        out.info(f"next: git add {' '.join(files)} && git commit")


def status(*, names: list[str] | None = None, jobs: int | None = None, json: bool = False) -> None:
    """Show files added, modified or deleted in each dataset since its pointer's version."""
    from gitml.data.status import status as do_status

    results = do_status(_workspace(), names or (), jobs=jobs)
    out = Output(json)
    if json:
        out.json({"datasets": [r.as_dict() for r in results]})
        return
    if not results:
        out.line("no datasets; add one with `git ml data add PATH`")
        return
    for r in results:
        if r.problem is not None:
            out.line(f"{r.name} ({r.path}): unknown: {r.problem}")
            continue
        c = r.changes
        if c.clean:
            out.line(f"{r.name} ({r.path}): clean")
            continue
        counts = f"{len(c.modified)} modified, {len(c.added)} added, {len(c.deleted)} deleted"
        out.line(f"{r.name} ({r.path}): {counts}")
        for label, paths in (("modified", c.modified), ("added", c.added), ("deleted", c.deleted)):
            for path in paths:
                out.line(f"  {label + ':':<10}{path}")


def diff(*, revs: list[str] | None = None, json: bool = False) -> None:
    """List data files added, deleted and modified between two commits (with sizes)."""
    from gitml.data.diff import data_diff

    given = revs or []
    if len(given) > 2:
        raise UsageError("data diff takes at most two revisions: OLD [NEW]")
    result = data_diff(_workspace(), *given)
    out = Output(json)
    if json:
        out.json(result.as_dict())
        return
    if not result.changes:
        out.line(f"no data changes between {result.old} and {result.new}")
        return
    width = max(len(c.path) for c in result.changes)
    for c in result.changes:
        if c.status == "modified":
            assert c.old is not None
            assert c.new is not None
            sizes = f"{format_bytes(c.old.size)} -> {format_bytes(c.new.size)}"
        elif c.status == "added":
            assert c.new is not None
            sizes = format_bytes(c.new.size)
        else:
            assert c.old is not None
            sizes = format_bytes(c.old.size)
        out.line(f"{c.status:<9} {c.path:<{width}}  {sizes}")
    counts = result.counts()
    out.line(
        f"{_files(len(result.changes))} changed between {result.old} and {result.new}: "
        f"{counts['added']} added, {counts['deleted']} deleted, {counts['modified']} modified"
    )


def checkout(
    *,
    paths: list[str] | None = None,
    force: bool = False,
    remote: str | None = None,
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Restore the data the current commit's pointers name, from the cache or the data remote."""
    from gitml.data.checkout import checkout as do_checkout

    out = Output(json, quiet=quiet)
    with _progress(out) as progress:
        report = do_checkout(
            _workspace(), paths or (), force=force, remote=remote, jobs=jobs, progress=progress
        )
    if json:
        out.json(report.as_dict())
        return
    for path in report.kept:
        out.info(f"kept in the cache before overwriting: {path}")
    if not report.restored and not report.removed:
        out.summary(f"data is up to date ({report.unchanged} file(s))")
        return
    out.summary(
        f"restored {len(report.restored)} file(s), removed {len(report.removed)}, "
        f"{report.unchanged} unchanged" + (f", {report.pulled} pulled" if report.pulled else "")
    )


def push(
    *,
    remote: str | None = None,
    jobs: int | None = None,
    verify: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Upload the current data and everything records reference to a data remote."""
    from gitml.data.share import push_data

    out = Output(json, quiet=quiet)
    with _progress(out) as progress:
        report = push_data(_workspace(), remote=remote, jobs=jobs, progress=progress, verify=verify)
    if json:
        out.json(report.as_dict())
    else:
        out.summary(
            f"pushed {report.transferred} object(s) ({format_bytes(report.nbytes)}) to {report.remote}; "
            f"{report.skipped} already there" + (", verified" if verify else "")
        )
        if report.repaired:
            out.warn(
                f"{len(report.repaired)} object(s) on {report.remote} were corrupt and have been "
                f"replaced (first: {report.repaired[0]})"
            )
        if report.missing:
            out.warn(
                f"{len(report.missing)} file(s) of the current data are not in the cache "
                f"(first: {report.missing[0]}); pull them before pushing"
            )
    for message in report.failed.values():
        out.error(message)
    if report.failed:
        return 1
    return 0


def pull(
    *,
    names: list[str] | None = None,
    remote: str | None = None,
    all_: bool = False,
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Download the data the pointers name, then restore files missing from the work tree."""
    from gitml.data.share import pull_data

    out = Output(json, quiet=quiet)
    with _progress(out) as progress:
        report = pull_data(
            _workspace(),
            names or (),
            remote=remote,
            all_records=all_,
            jobs=jobs,
            progress=progress,
        )
    if json:
        out.json(report.as_dict())
    else:
        out.summary(
            f"pulled {report.transferred} object(s) ({format_bytes(report.nbytes)}) from "
            f"{report.remote}; restored {report.restored} file(s)"
        )
    for message in report.failed.values():
        out.error(message)
    if report.missing:
        out.error(
            f"{len(report.missing)} file(s) are not on data remote {report.remote} "
            f"(first: {report.missing[0]}); push them from a clone that has them"
        )
    if report.failed or report.missing:
        return 1
    return 0


def ls(*, json: bool = False) -> None:
    """List the datasets of this commit (from the pointer files)."""
    from gitml.data.catalog import list_datasets

    rows = list_datasets(_workspace())
    out = Output(json)
    if out.listed(rows, none="no datasets; add one with `git ml data add PATH`"):
        return
    for row in rows:
        row["size"] = format_bytes(row["bytes"])
    out.table(
        rows,
        ["name", "path", "files", "size", "manifest"],
        never_truncate=["manifest", "name"],
    )


def show(*, name: str, files: bool = False, json: bool = False) -> None:
    """Show a dataset's manifest and the profiles of its tabular files."""
    from gitml.data.catalog import column_summary, show_dataset

    info = show_dataset(_workspace(), name, files=files)
    out = Output(json)
    if json:
        out.json(info)
        return
    out.line(f"dataset   {info['name']}")
    out.line(f"path      {info['path']} ({info['kind']})")
    out.line(f"pointer   {info['pointer']}")
    out.line(f"manifest  {info['manifest']}")
    out.line(f"files     {_files(info['files'])} ({format_bytes(info['bytes'])})")
    for path, profile in info["profiles"].items():
        columns = profile.get("columns", {})
        out.line("")
        out.line(
            f"{path}: {profile.get('rows')} rows, {len(columns)} columns ({profile.get('format')})"
        )
        rows = [
            {
                "column": col,
                "type": spec.get("type"),
                "missing": spec.get("missing"),
                "summary": column_summary(spec),
            }
            for col, spec in sorted(columns.items(), key=lambda kv: kv[1].get("position", 0))
        ]
        out.line(render_table(rows, ["column", "type", "missing", "summary"]))
    for path in info["unprofiled"]:
        out.line(f"{path}: no profile (add it again with pyarrow installed)")
    for entry in info.get("entries", []):
        out.line(f"{entry['digest']}  {entry['size']:>12}  {entry['path']}")


def gc(
    *,
    yes: bool = False,
    keep_days: float = 30.0,
    all_commits: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Remove cached data that no branch, tag, recent commit or run refers to."""
    from gitml.data.gc import collect

    report = collect(_workspace(), keep_days=None if all_commits else keep_days, remove=yes)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
        return
    if yes:
        out.summary(
            f"removed {report.removable} object(s) ({format_bytes(report.nbytes)}); kept {report.kept}"
        )
    else:
        out.line(
            f"would remove {report.removable} object(s) ({format_bytes(report.nbytes)}); "
            f"keeping {report.kept}. Run with --yes to remove them"
        )
