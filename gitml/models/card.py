"""``git ml model card``: a compliance document built only from records.

Facts come from the version record, its run record, the applied stage events (with
``git verify-commit`` on each merge commit), dataset profiles on ``refs/gitml/data``,
monitoring reports on ``refs/gitml/monitor`` and the registry's promotion rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitml import escape
from gitml.config import Settings
from gitml.errors import UsageError
from gitml.governance.engine import check_proposal
from gitml.governance.findings import Proposal
from gitml.lineage import markdown_lines, run_lineage, upstream_chain
from gitml.lineage.profiles import input_profiles, profile_summary
from gitml.monitor.report import PREFIX, latest_report, verdict
from gitml.records import codec
from gitml.registry.query import parse_ref, replay, resolve
from gitml.registry.store import open_index
from gitml.runs.store import get_run, read_packages
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord

CARD_FORMATS = ("markdown", "html")


def _profiles(repo: GitRepo, name: str, digest: str) -> list[JsonObject]:
    return [
        {"file": p.path, **profile_summary(codec.to_jsonable(p.profile))}
        for p in input_profiles(repo, {name: digest})
    ]


def _verified(repo: GitRepo, commit: str) -> str:
    proc = repo.git("verify-commit", commit, check=False)
    if proc.returncode == 0:
        return "verified"
    detail = proc.stderr.strip()
    if "no signature" in detail.lower() or not detail:
        return "unsigned"
    return "signature not verified"


def _monitoring(repo: GitRepo, model: str, version: str) -> JsonObject | None:
    """The newest ``monitor`` report of the version (what require_monitor_ok judges)."""

    doc = latest_report(repo, model, version, "monitor")
    if doc is None:
        return None
    return {"file": f"{PREFIX}/{model}/{version}/{doc['id']}.toml", "record": doc}


def _promotions(
    repo: GitRepo, settings: Settings, doc: ModelVersionRecord
) -> tuple[list[JsonObject], list[dict[str, str]]]:
    with open_index(repo) as index:
        events = index.events(doc["model"])
    terminal = settings.terminal_stages
    entries: list[JsonObject] = []
    checks: list[dict[str, str]] = []
    for i, event in enumerate(events):
        if event["version"] != doc["version"]:
            continue
        entries.append(
            {
                "action": event["action"],
                "stage": event["stage"],
                "when": event["committed"],
                "who": event["author"],
                "commit": event["commit"],
                "source": event["source"],
                "signature": _verified(repo, event["commit"]),
                "event": event["id"],
            }
        )
        if event["action"] != "assign":
            continue
        before = replay(events[:i], terminal)
        after = replay(events[: i + 1], terminal)
        proposal = Proposal(
            action="promote",
            model=doc["model"],
            version=doc["version"],
            stage=event["stage"],
            before=before,
            after=after,
            candidate=doc,
            current=None,
            settings=settings,
        )
        findings = check_proposal(repo, proposal)
        checks.append(
            {
                "stage": event["stage"],
                "result": "passed" if not findings else "; ".join(f.line() for f in findings),
            }
        )
    return entries, checks


def build_card(repo: GitRepo, settings: Settings, text: str) -> JsonObject:
    """Every fact of a model card for the version ``text`` names (JSON form)."""

    ref = parse_ref(text)
    doc = resolve(repo, settings, ref)
    run = get_run(repo, doc["run"]["id"])
    promotions, checks = _promotions(repo, settings, doc)
    datasets = [
        {"name": name, "digest": digest, "profiles": _profiles(repo, name, digest)}
        for name, digest in sorted(doc["inputs"].items())
    ]
    env = run["env"]

    upstream = upstream_chain(run_lineage(repo, doc["run"]["id"]))
    return {
        "model": doc["model"],
        "version": doc["version"],
        "record": doc["id"],
        "description": doc.get("description"),
        "created": doc["created"],
        "author": doc["author"],
        "tags": doc["tags"],
        "artifact": doc.get("artifact"),
        "flavor": doc.get("flavor"),
        "signature": doc.get("signature"),
        "lineage": {
            "run": doc["run"],
            "command": run["command"],
            "code": doc["code"],
            "params": doc["params"],
            "datasets": datasets,
            "outputs": doc["outputs"],
            "upstream": upstream,
        },
        "metrics": doc["metrics"],
        "environment": {
            "python": env.get("python"),
            "platform": env.get("platform"),
            "packages": env.get("packages"),
            "requirements": doc.get("requirements") or read_packages(repo, run),
        },
        "promotions": promotions,
        "monitoring": _monitoring(repo, doc["model"], doc["version"]),
        "policy_checks": checks,
    }


def _kv(mapping: Mapping[str, Any]) -> list[str]:
    return [f"- {_c(k)}: {_t(v)}" for k, v in sorted(mapping.items())] or ["- (none)"]


def _t(value: Any) -> str:
    """Record text as inert Markdown."""
    return escape.markdown(str(value))


def _c(value: Any) -> str:
    """Record text as a Markdown code span."""
    return escape.code(str(value))


def _who(person: Mapping[str, Any]) -> str:
    return _t(f"{person.get('name')} <{person.get('email')}>")


MAX_FINDINGS = 10


def _monitoring_lines(mon: Mapping[str, Any] | None) -> list[str]:
    """The latest report as readable lines: verdict, metrics, the findings that matter."""
    if not mon:
        return ["- no monitoring report"]

    rec = mon["record"]
    lines = [
        f"- latest report: {_c(rec['id'])} ({_t(rec['kind'])}, {_t(rec['created'])}) on "
        f"{_c(rec['data'])}, {rec['rows']} rows: **{verdict(rec)}** ({rec['alerts']} alert(s))",
    ]
    if rec.get("metrics"):
        shown = ", ".join(f"{_t(k)} {float(v):.4g}" for k, v in sorted(rec["metrics"].items()))
        lines.append(f"- measured: {shown}")
    findings = rec.get("findings") or []
    notable = [f for f in findings if f["alert"] or float(f["value"]) > float(f["threshold"])]
    for f in notable[:MAX_FINDINGS]:
        mark = "ALERT " if f["alert"] else ""
        lines.append(
            f"- {mark}{_t(f['kind'])} {_c(f['column'])} {_t(f['method'])}: {_t(f['message'])}"
        )
    rest = len(findings) - len(notable[:MAX_FINDINGS])
    if rest:
        lines.append(f"- {rest} more finding(s) within thresholds (`git ml monitor log`)")
    lines.append(f"- record: {_c(mon['file'])} on refs/gitml/monitor")
    return lines


def markdown(card: Mapping[str, Any]) -> str:
    """The card as Markdown (every text from a record escaped)."""
    lin = card["lineage"]
    code = lin["code"]
    art = card.get("artifact")
    out = [f"# Model card: {_t(card['model'])} {_t(card['version'])}", ""]
    description = card.get("description")
    out += [
        "## Description",
        "",
        _t(description) if description else "(no description recorded)",
        "",
    ]
    out += [
        "## Model",
        "",
        f"- record: {_c(card['record'])}",
        f"- registered: {_t(card['created'])} by {_who(card['author'])}",
        f"- flavor: {_t(card.get('flavor') or '(not recorded)')}",
        (
            f"- artifact: {_c(art['path'])} {_c(art['digest'])} ({art['size']} bytes)"
            if art
            else "- artifact: none"
        ),
    ]
    sig = card.get("signature")
    if sig:
        cols = ", ".join(f"{s.get('name', 'tensor')}: {s['type']}" for s in sig["inputs"])
        out.append(f"- signature inputs: {_t(cols)}")
    out += ["", "## Lineage", ""]
    run = lin["run"]
    out += [
        f"- run: {_c(run['id'])} ({_t(run['name'])}, {_t(run['status'])})",
        f"- command: {_c(' '.join(lin['command']))}",
        f"- code commit: {_c(code.get('commit'))} (branch {_t(code.get('branch'))}, "
        f"{'dirty' if code.get('dirty') else 'clean'})",
        f"- checkpoint: {_c(code.get('checkpoint'))}",
        "",
        "### Params",
        "",
        *_kv(lin["params"]),
        "",
        "### Input datasets",
        "",
    ]
    for ds in lin["datasets"] or []:
        out.append(f"- {_c(ds['name'])}: {_c(ds['digest'])}")
        for prof in ds["profiles"]:
            cols = ", ".join(
                f"{c} {i.get('type')}" + (f" [{i['min']}, {i['max']}]" if "min" in i else "")
                for c, i in prof["columns"].items()
            )
            out.append(f"  - {_c(prof['file'])}: {prof['rows']} rows; {_t(cols)}")
    if not lin["datasets"]:
        out.append("- (none recorded)")

    out += [
        "",
        "### Upstream",
        "",
        *(markdown_lines(lin["upstream"]) or ["- (no recorded run made its inputs)"]),
    ]
    out += ["", "## Metrics", "", *_kv(card["metrics"]), "", "## Environment", ""]
    env = card["environment"]
    out += [f"- python: {_t(env.get('python'))}", f"- platform: {_t(env.get('platform'))}"]
    pk = env.get("packages")
    if pk:
        out.append(f"- packages: {pk['count']} ({_c(pk['digest'])})")
    reqs = env.get("requirements") or []
    out.append(
        f"- requirements ({len(reqs)}): " + ", ".join(_c(r) for r in reqs)
        if reqs
        else "- requirements: (not recorded)"
    )
    out += ["", "## Promotion history", ""]
    for p in card["promotions"]:
        verb = "promoted to" if p["action"] == "assign" else "removed from"
        out.append(
            f"- {_t(p['when'])}: {verb} {_t(p['stage'])} by {_who(p['who'])} "
            f"in commit {_c(p['commit'])} ({_t(p['source'])}; commit signature: {p['signature']})"
        )
    if not card["promotions"]:
        out.append("- (never promoted)")
    out += ["", "## Monitoring", "", *_monitoring_lines(card.get("monitoring"))]
    out += ["", "## Policy checks", ""]
    out += [f"- {_t(c['stage'])}: {_t(c['result'])}" for c in card["policy_checks"]] or [
        "- (none run)"
    ]
    return "\n".join(out) + "\n"


STYLE = (
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:56rem;"
    "margin:2rem auto;padding:0 1rem;color:#1f2328}"
    "h1{font-size:1.6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}"
    "h2{font-size:1.25rem;margin-top:1.6rem;border-bottom:1px solid #eaeef2}"
    "h3{font-size:1.05rem}ul{padding-left:1.4rem}li{margin:.15rem 0}"
    "code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;"
    "padding:.1rem .3rem;border-radius:4px;overflow-wrap:anywhere}"
)
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_BACKSLASHED = re.compile(r"\\([\\`*_\[\]|~#>+\-=.)])")


def _inline(text: str) -> str:
    """Escaped text with the Markdown's `code` and **strong** spans as HTML.

    Code spans hold literal text; prose holds Markdown whose record text ``escape.markdown``
    already turned into entities, so it is decoded first and escaped exactly once."""
    import html as h

    parts = _CODE.split(text)  # text, code, text, code, ...: escapes apply outside code
    html_parts = [
        f"<code>{h.escape(part)}</code>"
        if n % 2
        else _unescape(_STRONG.sub(r"<strong>\1</strong>", h.escape(h.unescape(part))))
        for n, part in enumerate(parts)
    ]
    return "".join(html_parts)


def _unescape(text: str) -> str:
    """Markdown's backslash escapes (``escape.markdown``) as the characters they stand for."""
    return _BACKSLASHED.sub(r"\1", text)


def html(card: Mapping[str, Any]) -> str:
    """The card as a standalone, styled HTML page (the Markdown lines, escaped)."""
    import html as h

    body: list[str] = []
    in_list = False
    for line in markdown(card).splitlines():
        is_item = line.startswith("- ") or line.startswith("  - ")
        if in_list and not is_item:
            body.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif is_item:
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line.strip()[2:])}</li>")
        elif line:
            body.append(f"<p>{_inline(line)}</p>")
    if in_list:
        body.append("</ul>")
    title = h.escape(f"Model card: {card['model']} {card['version']}")
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{title}</title>\n'
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def render(card: Mapping[str, Any], fmt: str) -> str:
    if fmt not in CARD_FORMATS:
        raise UsageError(f"unknown card format {fmt!r}; use one of: {', '.join(CARD_FORMATS)}")
    return markdown(card) if fmt == "markdown" else html(card)
