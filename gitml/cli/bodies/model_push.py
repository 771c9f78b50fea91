"""The body of ``git ml model push``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.registry.deploy import push_artifacts


def push(
    *,
    ref: str,
    remote: str | None = None,
    verify: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Upload artifacts to the data remote, so other clones and deployments can get them."""
    repo, settings = repo_and_settings()
    result = push_artifacts(repo, settings, ref, remote=remote, verify=verify)
    out = Output(json, quiet=quiet)
    if json:
        out.json(result)
    else:
        out.summary(
            f"{result['model']}: {len(result['uploaded'])} artifact(s) uploaded, "
            f"{len(result['present'])} already on {result['remote']}"
        )
        for digest in result["missing"]:
            out.warn(f"{digest} is not in the local cache; push it from the clone that has it")
        for digest in result["repaired"]:
            out.warn(f"{digest} was corrupt on {result['remote']} and has been replaced")
        for digest, message in result["failed"].items():
            out.error(f"{digest}: {message}")
    return 1 if result["missing"] or result["failed"] else 0
