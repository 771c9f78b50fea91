"""``git ml run`` without typer: the argument parser of the hot path.

``git ml run -- CMD`` must add at most ~100 ms to CMD. Importing typer (and the pydantic
adapters typer builds for every option) costs more than that on its own, so the entry
point hands ``run`` arguments here first. This parser accepts exactly the options the
typer command declares (``gitml/cli/runs.py``); for anything else (``-h``, a typo, a bad
number) it returns None and typer takes over, with its usual help and usage errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_VALUE_OPTIONS = {
    "--name": "name",
    "-n": "name",
    "--message": "message",
    "-m": "message",
    "--tag": "tag",
    "-t": "tag",
    "--set-param": "set_param",
    "-S": "set_param",
    "--param": "param",
    "-P": "param",
    "--metrics": "metrics",
    "-M": "metrics",
    "--params-file": "params_file",
    "--input": "input",
    "-i": "input",
    "--output": "output",
    "-o": "output",
    "--jobs": "jobs",
    "-j": "jobs",
    "--best": "best",
}
_REPEATED = {"tag", "set_param", "param", "metrics", "params_file", "input", "output"}


def parse_run_args(argv: Sequence[str]) -> dict[str, Any] | None:
    """Options and command of ``git ml run``; None when typer should handle the line."""
    values: dict[str, Any] = {key: [] for key in _REPEATED}
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if not arg.startswith("--") and len(arg) > 2:
            name, attached, eq = arg[:2], arg[2:], "="
        key = _VALUE_OPTIONS.get(name)
        if key is None:
            return None
        if eq:
            value = attached
            i += 1
        elif i + 1 < len(args):
            value = args[i + 1]
            i += 2
        else:
            return None
        if key in _REPEATED:
            values[key].append(value)
        else:
            values[key] = value
    values["command"] = args[i:]
    if "jobs" in values:
        try:
            values["jobs"] = int(values["jobs"])
        except ValueError:
            return None
    return values


def execute(
    *,
    command: Sequence[str],
    name: str | None = None,
    message: str | None = None,
    tag: Sequence[str] = (),
    set_param: Sequence[str] = (),
    param: Sequence[str] = (),
    metrics: Sequence[str] = (),
    params_file: Sequence[str] = (),
    input: Sequence[str] = (),
    output: Sequence[str] = (),
    jobs: int = 1,
    best: str | None = None,
) -> int:
    """Run and record; report on stderr; return the exit code (the command's)."""
    from gitml.cli import _runs_view as view
    from gitml.cli._output import Output
    from gitml.runs.execute import RunOutcome, RunRequest, run
    from gitml.runs.params import parse_override, parse_param, parse_tag
    from gitml.storage.repo import open_repo

    request = RunRequest(
        command=tuple(command),
        name=name,
        message=message,
        tags=dict(parse_tag(t) for t in tag),
        overrides=tuple(parse_override(s) for s in set_param),
        params=dict(parse_param(p) for p in param),
        params_files=tuple(params_file),
        metrics_files=tuple(metrics),
        inputs=tuple(input),
        outputs=tuple(output),
        jobs=jobs,
        best=best,
    )
    out = Output()
    outcome = run(
        open_repo(), request, on_member=lambda o: out.info("gitml: " + view.run_line(o.doc))
    )
    if isinstance(outcome, RunOutcome):
        out.info("gitml: " + view.run_line(outcome.doc))
        for line in view.code_lines(outcome.doc):
            out.info("gitml:   " + line)
        return outcome.exit_code
    for line in view.sweep_summary(outcome):
        out.info(line)
    return outcome.exit_code


def run_fast(argv: Sequence[str]) -> int | None:
    """``git ml run ARGV`` without typer, or None to let typer handle it."""
    from gitml.cli._funnel import guarded

    parsed = parse_run_args(argv)
    if parsed is None:
        return None
    return guarded(lambda: execute(**parsed))
