"""Human rendering of runs for ``run``, ``ls``, ``show`` and ``compare`` (text only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.cli._output import terminal_columns
from gitml.runs import HIDDEN_COUNT_CAP
from gitml.runs.metrics import series, sparkline
from gitml.units import format_time

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord
    from gitml.runs.compare import Comparison
    from gitml.runs.metrics import MetricEvent
    from gitml.runs.sweep import SweepOutcome

BASE_COLUMNS = ("id", "name", "status", "started", "duration")
MAX_PARAM_COLUMNS = 6


def number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text + ".0" if text.lstrip("-").isdigit() else text
    if value is None:
        return "-"
    return str(value)


def duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


when = format_time


def headline(doc: Mapping[str, Any], limit: int = 3) -> str:
    metrics = doc.get("metrics") or {}
    return " ".join(f"{k}={number(metrics[k])}" for k in sorted(metrics)[:limit])


def run_line(doc: Mapping[str, Any]) -> str:
    status = str(doc["status"])
    if status != "completed":
        status += f" (exit {doc.get('exit_code')})"
    text = f"run {doc['id']} {doc['name']} {status} in {duration(doc.get('duration_s'))}"
    metrics = headline(doc)
    return f"{text}: {metrics}" if metrics else text


def code_lines(doc: RunRecord) -> list[str]:
    code = doc["code"]
    lines = []
    if code["dirty"] or code["checkpoint"] != code["commit"]:
        parts = []
        modified = code.get("modified", [])
        if modified:
            parts.append(f"{len(modified)} modified")
        if code["untracked"]:
            parts.append(f"{len(code['untracked'])} untracked")
        detail = f" ({', '.join(parts)})" if parts else ""
        lines.append(
            f"code: checkpoint {code['checkpoint'][:12]} of "
            f"{code.get('branch') or 'HEAD'}@{code['commit'][:12]}{detail}"
        )
    for item in code.get("skipped", []):
        lines.append(f"not in checkpoint: {item['path']} ({item['reason']})")
    return lines


def withheld_warning(doc: RunRecord) -> str | None:
    """One line naming the files a checkpoint withheld as likely credentials, if any."""
    withheld = [item["path"] for item in doc["code"].get("withheld", [])]
    if not withheld:
        return None
    from gitml.runs.secrets import warning_line

    return warning_line(withheld, doc["id"])


def sweep_summary(outcome: SweepOutcome) -> list[str]:
    if not outcome.runs and outcome.errors and not outcome.interrupted:
        others = len(outcome.errors) - 1
        also = f" ({others} other member{'s' * (others > 1)} failed too)" if others else ""
        return [f"gitml: error: sweep {outcome.sweep}: {outcome.errors[0]}{also}"]
    lines = [f"gitml: sweep {outcome.sweep}: {len(outcome.runs)} runs recorded"]
    lines.extend(f"gitml: failed to record {e}" for e in outcome.errors)
    if outcome.interrupted:
        lines.append("gitml: interrupted; members not started were skipped")
    if outcome.best is not None and outcome.best_metric is not None:
        best = outcome.best
        lines.append(
            f"gitml: best ({outcome.best_goal} {outcome.best_metric}): {best['id']} "
            f"{best['name']} {outcome.best_metric}={number(best['metrics'][outcome.best_metric])}"
        )
    if outcome.parent is not None:
        lines.append(f"gitml: the study: git ml show {outcome.parent['id']}")
    lines.append(f"gitml: list them with: git ml ls --where \"sweep = '{outcome.sweep}'\"")
    return lines


def _varying_params(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    keys = sorted({k for r in runs for k in (r.get("params") or {})})
    out = []
    for key in keys:
        values = {repr((r.get("params") or {}).get(key)) for r in runs}
        if len(values) > 1:
            out.append(key)
    return out[:MAX_PARAM_COLUMNS]


def ls_table(
    runs: Sequence[Mapping[str, Any]], columns: Sequence[str] | None, width: int | None = None
) -> tuple[list[dict[str, str]], list[str], dict[str, str], int]:
    """(rows, columns, headers, columns dropped to fit the terminal)."""
    getters: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
    headers: dict[str, str] = {}
    if columns:
        from gitml.runs.query import column_getter

        for spelling in (c.strip() for c in columns):
            if spelling and spelling not in getters:
                getters[spelling] = _base_getter(spelling) or column_getter(spelling)
        dropped = 0
        cols = list(getters)
    else:
        for col in BASE_COLUMNS:
            getters[col] = _base_getter(col)  # type: ignore[assignment]
        metric_names = sorted({k for r in runs for k in (r.get("metrics") or {})})
        param_names = _varying_params(runs)
        for name in metric_names:
            key = f"metrics.{name}"
            getters[key] = _table_getter("metrics", name)
            headers[key] = name
        for name in param_names:
            key = f"params.{name}"
            getters[key] = _table_getter("params", name)
            headers[key] = name if name not in metric_names else key
        cols = list(getters)
        dropped = 0
    rows = [{c: _cell(getters[c](doc), c) for c in cols} for doc in runs]
    if not columns:
        limit = width if width is not None else terminal_columns()
        widths = {c: max([len(headers.get(c, c)), *(len(r[c]) for r in rows)]) for c in cols}
        while len(cols) > len(BASE_COLUMNS) and sum(widths[c] + 2 for c in cols) - 2 > limit:
            cols.pop()
            dropped += 1
    return rows, cols, headers, dropped


def _table_getter(table: str, key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda doc: (doc.get(table) or {}).get(key)


def _base_getter(col: str) -> Callable[[Mapping[str, Any]], Any] | None:
    if col == "duration":
        return lambda d: duration(d.get("duration_s"))
    if col == "started":
        return lambda d: when(d.get("started"))
    if col in ("id", "name", "status"):
        return lambda d: d.get(col)
    return None


def _cell(value: Any, column: str) -> str:
    if isinstance(value, list | dict):
        import json

        return json.dumps(value)
    return number(value) if value is not None else ""


def history_json(history: Sequence[MetricEvent]) -> dict[str, list[list[float | int]]]:
    out: dict[str, list[list[float | int]]] = {}
    for event in history:
        out.setdefault(event.name, []).append([event.step, event.value])
    return out


def _kv(rows: Mapping[str, Any], indent: str = "  ") -> list[str]:
    if not rows:
        return [f"{indent}(none)"]
    width = max(len(k) for k in rows)
    return [f"{indent}{k.ljust(width)}  {number(v)}" for k, v in sorted(rows.items())]


def show_lines(doc: Mapping[str, Any], history: Sequence[MetricEvent]) -> list[str]:
    code = doc.get("code") or {}
    user = doc.get("user") or {}
    env = doc.get("env") or {}
    status = str(doc["status"])
    lines = [
        f"run       {doc['id']}",
        f"name      {doc['name']}",
        f"status    {status} (exit {doc.get('exit_code')})",
        f"started   {doc.get('started')}  ({duration(doc.get('duration_s'))})",
        f"command   {' '.join(doc.get('command') or [])}",
        f"cwd       {doc.get('cwd', '.')}",
        f"user      {user.get('name', '')} <{user.get('email', '')}> on {doc.get('host', '')}",
    ]
    for key in ("message", "sweep", "parent"):
        if doc.get(key):
            lines.append(f"{key:<9} {doc[key]}")
    lines.append("code")
    lines.append(f"  commit      {code.get('commit')} ({code.get('branch') or 'detached'})")
    lines.append(f"  checkpoint  {code.get('checkpoint')}")
    lines.append(f"  dirty       {number(code.get('dirty'))}")
    stat = code.get("diffstat") or {}
    if stat.get("files"):
        lines.append(
            f"  diffstat    {stat['files']} files, +{stat.get('insertions', 0)} "
            f"-{stat.get('deletions', 0)}"
        )
    lines.extend(f"  modified    {p}" for p in code.get("modified") or ())
    lines.extend(f"  untracked   {p}" for p in code.get("untracked") or ())
    lines.extend(f"  skipped     {s['path']} ({s['reason']})" for s in code.get("skipped") or ())
    lines.extend(f"  withheld    {s['path']} ({s['reason']})" for s in code.get("withheld") or ())
    lines.append("params")
    lines.extend(_kv(doc.get("params") or {}))
    lines.append("metrics")
    stats = doc.get("metric_stats") or {}
    if not stats:
        lines.append("  (none)")
    else:
        width = max(len(k) for k in stats)
        head = f"  {'name'.ljust(width)}  {'last':>10}  {'min':>10}  {'max':>10}  {'steps':>6}"
        lines.append(head)
        for name, s in sorted(stats.items()):
            spark = sparkline(series(history, name))
            lines.append(
                f"  {name.ljust(width)}  {number(s.get('last')):>10}  {number(s.get('min')):>10}"
                f"  {number(s.get('max')):>10}  {s.get('steps', 0):>6}  {spark}".rstrip()
            )
    for key in ("inputs", "outputs", "tags"):
        if doc.get(key):
            lines.append(key)
            lines.extend(_kv(doc[key]))
    packages = env.get("packages") or {}
    lines.append("env")
    lines.append(
        f"  python      {env.get('python', '')} ({env.get('implementation', '')}) "
        f"on {env.get('platform', '')}"
    )
    lines.append(f"  cpu         {env.get('cpu', '')} x{env.get('cpus', '')}")
    for gpu in env.get("gpus") or ():
        lines.append(f"  gpu         {gpu}")
    lines.append(f"  packages    {packages.get('count', 0)} ({packages.get('digest', '')})")
    for name, value in sorted((env.get("vars") or {}).items()):
        lines.append(f"  {name}={value}")
    if doc.get("study"):
        lines.extend(study_lines(doc["study"]))
    return lines


def study_lines(study: Mapping[str, Any]) -> list[str]:
    """A search's study: how it searched, its best trial and every trial's result."""
    settings = ", ".join(f"{k} {study[k]}" for k in ("sampler", "pruner", "seed") if k in study)
    results = study.get("results") or []
    lines = [
        "study",
        f"  search      {study.get('search')} ({settings}), {study.get('direction')} "
        f"{study.get('objective')}, {len(results)} of {study.get('trials')} trials",
    ]
    best = study.get("best")
    if best:
        lines.append(
            f"  best        trial {best['trial']}: {best['run']} = {number(best['value'])}"
        )
    lines.extend(
        f"  trial {r['trial']:<4}  {r['run']}  {r['state']:<8}  {number(r.get('value', ''))}"
        for r in results
    )
    return lines


def compare_lines(comparison: Comparison, *, all_params: bool = False) -> list[str]:
    runs = comparison.runs
    heads = [f"{r['name']} ({r['id'][:10]}…)" if len(r["id"]) > 10 else r["name"] for r in runs]
    rows: list[list[str]] = [["", *heads]]
    sections: list[tuple[str, list[list[str]]]] = []
    params = dict(comparison.params)
    if all_params:
        params.update({k: [v] * len(runs) for k, v in comparison.same_params.items()})
    sections.append(("params", [[k, *(number(x) for x in v)] for k, v in sorted(params.items())]))
    metric_rows = []
    for name, values in comparison.metrics.items():
        deltas = comparison.deltas.get(name, [])
        cells = [name]
        for i, value in enumerate(values):
            cell = number(value)
            delta = deltas[i] if i < len(deltas) else None
            if i > 0 and delta is not None:
                cell += f" ({delta:+.4g})"
            cells.append(cell)
        metric_rows.append(cells)
    sections.append(("metrics", metric_rows))
    if comparison.inputs:
        sections.append(
            ("data", [[k, *(str(x or "-")[:21] for x in v)] for k, v in comparison.inputs.items()])
        )
    code_row = ["checkpoint", *(str(r["code"]["checkpoint"])[:12] for r in runs)]
    sections.append(("code", [code_row]))
    lines: list[str] = []
    all_rows = rows + [r for _, section in sections for r in section]
    widths = [max(len(r[i]) for r in all_rows if i < len(r)) for i in range(len(rows[0]))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    widths[0] += 2
    lines.append(fmt(rows[0]))
    for title, section in sections:
        lines.append(title)
        if not section:
            lines.append("  (same in every run)" if title == "params" else "  (none)")
        lines.extend(fmt(["  " + c[0], *c[1:]]) for c in section)
    for change in comparison.code:
        paths = ", ".join(change.paths[:5]) + (", …" if len(change.paths) > 5 else "")
        lines.append(
            f"code {change.base[:10]}… -> {change.other[:10]}…: {change.files} files, "
            f"+{change.insertions} -{change.deletions}" + (f" ({paths})" if paths else "")
        )
    return lines


def no_runs_text(
    hidden: int, *, where: str | None, commit: str | None, branch: str | None = None
) -> str:
    """Why ``git ml ls`` shows nothing (``hidden``: matches on other branches, more than
    ``HIDDEN_COUNT_CAP`` when it is larger)."""
    matching = " that match" if where else ""
    if commit is not None:
        return f"no runs{matching} were made on {commit} (or on a commit it replaced)"
    if hidden:
        place = f"branch {branch!r}" if branch else "this branch"
        many = f"more than {HIDDEN_COUNT_CAP}" if hidden > HIDDEN_COUNT_CAP else str(hidden)
        return f"no runs{matching} on {place} ({many} on other branches; use --all)"
    return "no runs match" if where else "no runs yet; record one with `git ml run -- CMD`"
