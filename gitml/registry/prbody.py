"""The Markdown body of a promotion pull request: candidate against the current holder."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gitml import escape
from gitml.config import STAGES_FILE
from gitml.governance.findings import Finding, Proposal
from gitml.units import format_bytes

if TYPE_CHECKING:
    from gitml.records.shapes import ModelVersionRecord

NO_VALUE = "–"


def _fmt(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return escape.markdown(str(value))


def _code(value: Any) -> str:
    return NO_VALUE if value in (None, "") else escape.code(str(value))


def _delta(new: Any, old: Any) -> str:
    numeric = (int, float)
    if (
        not isinstance(new, numeric)
        or not isinstance(old, numeric)
        or isinstance(new, bool)
        or isinstance(old, bool)
    ):
        return NO_VALUE
    change = float(new) - float(old)
    text = f"{change:+.6g}"
    if old and math.isfinite(change / float(old)):
        text += f" ({change / abs(float(old)) * 100:+.1f} %)"
    return text


def _size(size: Any) -> str:
    if not isinstance(size, int):
        return ""
    return format_bytes(size)


def _artifact(record: ModelVersionRecord | None) -> str:
    art = record.get("artifact") if record is not None else None
    if not art:
        return NO_VALUE
    return f"{_code(art['digest'])} ({escape.markdown(str(art['path']))}, {_size(art.get('size'))})"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"### {title}", "", *lines]


def pr_body(
    proposal: Proposal,
    findings: Sequence[Finding],
    *,
    branch: str,
    commit: str,
    upstream: Sequence[str] = (),
) -> str:
    """Markdown for the pull request of ``proposal`` (committed on ``branch`` as ``commit``)."""
    p = proposal
    cand, cur = p.candidate, p.current
    verb = {"promote": "Promote", "demote": "Demote", "archive": "Archive"}[p.action]
    target = f"`{p.stage}`"
    title = {
        "promote": f"{verb} `{p.model}` {p.version} to {target}",
        "demote": f"{verb} `{p.model}` {p.version} from {target}",
        "archive": f"{verb} `{p.model}` {p.version}",
    }[p.action]
    cur_name = f"current {p.stage} {cur['version']}" if cur else f"current {p.stage}"
    head = ["", f"candidate {p.version}", cur_name]
    lines = [
        f"## {title}",
        "",
        f"This pull request changes `{STAGES_FILE}` ({p.field}). When it is merged, CI runs "
        "`git ml registry apply`, which records the change on `refs/gitml/registry` where "
        "deployments pick it up.",
    ]
    if cur is None and p.action == "promote":
        lines += ["", f"No version holds `{p.stage}` yet."]
    overview = [
        ["run", _run(cand), _run(cur)],
        [
            "code commit",
            _code(cand["code"]["commit"]),
            _code(cur["code"]["commit"] if cur else None),
        ],
        [
            "checkpoint",
            _code(cand["code"]["checkpoint"]),
            _code(cur["code"]["checkpoint"] if cur else None),
        ],
        [
            "uncommitted code",
            _fmt(cand["code"]["dirty"]),
            _fmt(cur["code"]["dirty"] if cur else None),
        ],
        ["artifact", _artifact(cand), _artifact(cur)],
        ["registered", _fmt(cand["created"]), _fmt(cur["created"] if cur else None)],
    ]
    lines += _section("Overview", _table(head, overview))
    lines += _section("Metrics", _metrics(cand, cur))
    lines += _section("Params that differ", _params(cand, cur))
    lines += _section("Data", _data(cand, cur))
    if upstream:
        lines += _section("Upstream of the candidate", list(upstream))
    lines += _section("Checks", _findings(findings))
    lines += [
        "",
        "---",
        f"Branch `{branch}`, commit `{commit}`. For an HTML report comparing both versions, "
        f"run `git ml report {p.model}:{p.version}"
        + (f" {p.model}:{cur['version']}`" if cur else "`")
        + ".",
        "",
    ]
    return "\n".join(lines)


def _run(record: ModelVersionRecord | None) -> str:
    if not record:
        return NO_VALUE
    run = record["run"]
    name, status = _fmt(run["name"] or "?"), _fmt(run["status"] or "?")
    return f"{_code(run['id'])} ({name}, {status})"


def _metrics(cand: ModelVersionRecord, cur: ModelVersionRecord | None) -> list[str]:
    new, old = cand["metrics"], cur["metrics"] if cur else {}
    names = sorted(set(new) | set(old))
    if not names:
        return ["No metrics recorded."]
    rows = [
        [_code(n), _fmt(new.get(n)), _fmt(old.get(n)), _delta(new.get(n), old.get(n))]
        for n in names
    ]
    return _table(["metric", "candidate", "current", "delta"], rows)


def _params(cand: ModelVersionRecord, cur: ModelVersionRecord | None) -> list[str]:
    if cur is None:
        params = cand["params"]
        if not params:
            return ["No params recorded."]
        return _table(["param", "candidate"], [[_code(k), _fmt(params[k])] for k in sorted(params)])
    new, old = cand["params"], cur["params"]
    names = sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k))
    if not names:
        return ["The params are the same."]
    return _table(
        ["param", "candidate", "current"],
        [[_code(n), _fmt(new.get(n)), _fmt(old.get(n))] for n in names],
    )


def _data(cand: ModelVersionRecord, cur: ModelVersionRecord | None) -> list[str]:
    new, old = cand["inputs"], cur["inputs"] if cur else {}
    names = sorted(set(new) | set(old))
    if not names:
        return ["No input data recorded."]
    rows = []
    for name in names:
        same = cur is not None and new.get(name) == old.get(name)
        rows.append([_code(name), _code(new.get(name)), "same" if same else _code(old.get(name))])
    return _table(["input", "candidate", "current"], rows)


def _findings(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["All checks passed."]
    icon = {"error": "❌", "warning": "⚠️"}
    return [f"- {icon[f.severity]} {escape.markdown(f.line())}" for f in findings]
