"""``git ml report``: one self-contained HTML file of runs, openable with no network.

The file inlines the same script and styles as the app (uPlot and ``app.js``) and carries
its data as JSON in a ``<script type="application/json">`` block (``<``, ``>`` and ``&``
escaped). A Content-Security-Policy ``<meta>`` allows exactly the inline scripts and
styles it contains, by their SHA-256 hashes, and no network access at all.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.errors import GitmlError, UsageError
from gitml.registry.query import parse_ref, resolve
from gitml.runs.store import count_runs, get_run, list_runs
from gitml.ui.assets import static_bytes
from gitml.ui.http import dump_json
from gitml.ui.media import MAX_REPORT_MEDIA, embedded
from gitml.ui.runs import comparison, rerun_briefs, run_detail

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

MAX_RUNS = 50
SCRIPTS = ("vendor/uplot/uPlot.iife.min.js", "app.js")
STYLES = ("vendor/uplot/uPlot.min.css", "app.css")


@dataclass(frozen=True)
class Report:
    html: str
    runs: int
    matched: int


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _inline(tag: str, text: str) -> str:
    if f"</{tag}" in text.lower():
        raise GitmlError(f"cannot inline a {tag} that contains '</{tag}'")
    return f"<{tag}>{text}</{tag}>"


def select_runs(
    repo: GitRepo, refs: Sequence[str], where: str | None, all_branches: bool
) -> tuple[list[str], int]:
    """Run ids to report (at most MAX_RUNS) and how many matched."""
    if refs and where:
        raise UsageError("give runs or --where, not both")
    if refs:
        ids = list(dict.fromkeys(run_of(repo, ref) for ref in refs))
        if len(ids) > MAX_RUNS:
            raise UsageError(f"a report holds at most {MAX_RUNS} runs (got {len(ids)})")
        return ids, len(ids)
    if not where:
        raise UsageError("name the runs to report: git ml report RUN… or --where EXPR")

    listing = list_runs(repo, where=where, limit=MAX_RUNS, all_branches=all_branches)
    if not listing.runs:
        scope = "" if all_branches else " on this branch (--all searches every branch)"
        raise GitmlError(f"no runs match --where {where!r}{scope}")
    matched = count_runs(repo, where=where, all_branches=all_branches)
    return [str(doc["id"]) for doc in reversed(listing.runs)], matched


def run_of(repo: GitRepo, ref: str) -> str:
    """The run id ``ref`` names: a run (id, prefix, name) or a model version
    (``NAME:VERSION``, ``NAME@STAGE``), which stands for the run it was registered from."""
    if ":" in ref or "@" in ref:
        version = resolve(repo, load_settings(repo.workdir_or_gitdir), parse_ref(ref))
        return str(version["run"]["id"])

    return str(get_run(repo, ref)["id"])


def payload(
    repo: GitRepo, ids: Sequence[str], matched: int, title: str | None = None
) -> JsonObject:
    """The report's data: the comparison of the runs and every run's details."""

    details = []
    budget = [MAX_REPORT_MEDIA]
    for run_id in ids:
        detail = run_detail(repo, run_id)
        detail["reruns"] = rerun_briefs(repo, run_id)
        detail["media"] = embedded(repo, detail["run"], budget)
        details.append(detail)
    return {
        "title": title or _title(repo, ids),
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "matched": matched,
        "comparison": comparison(repo, ids),
        "details": details,
    }


def _title(repo: GitRepo, ids: Sequence[str]) -> str:
    name = repo.workdir_or_gitdir.name
    return f"{name}: {len(ids)} run{'s' if len(ids) != 1 else ''}"


def render(data: JsonObject) -> str:
    """The HTML document of a report ``payload``."""

    scripts = [static_bytes(name).decode("utf-8") for name in SCRIPTS]
    styles = [static_bytes(name).decode("utf-8") for name in STYLES]
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(_sha256(s) for s in scripts)}; "
        f"style-src {' '.join(_sha256(s) for s in styles)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    title = escape(str(data["title"]))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp, quote=True)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{title} · gitml report</title>"
        f"{''.join(_inline('style', s) for s in styles)}</head>"
        '<body data-page="report"><header class="top"><span class="brand">gitml</span>'
        f'<span class="repo">report · {title}</span></header>'
        '<main id="main"><p class="loading">Loading…</p></main>'
        f'<script type="application/json" id="gitml-report">{dump_json(data)}</script>'
        f"{''.join(_inline('script', s) for s in scripts)}</body></html>\n"
    )


def build_report(
    repo: GitRepo,
    refs: Sequence[str] = (),
    *,
    where: str | None = None,
    all_branches: bool = False,
) -> Report:
    """A self-contained report of runs named by ``refs`` or matching ``where``."""
    ids, matched = select_runs(repo, refs, where, all_branches)
    title = None
    if refs and len(refs) <= 4:
        title = f"{repo.workdir_or_gitdir.name}: {', '.join(refs)}"
    return Report(render(payload(repo, ids, matched, title)), len(ids), matched)
