"""The body of ``git ml model get``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.models.package import check_format, write_package
from gitml.registry.deploy import get_artifact
from gitml.units import format_bytes


def get(
    *,
    ref: str,
    to: Path | None = None,
    fmt: str = "gitml",
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Print the path of a version's artifact, verified; with --to, write a model package."""
    check_format(fmt)
    repo, settings = repo_and_settings()
    out = Output(json, quiet=quiet)
    if to is not None:
        package = write_package(repo, settings, ref, to, fmt=fmt)
        if json:
            out.json(package)
            return
        for problem in package["warnings"]:
            out.warn(problem)
        out.line(package["path"])
        art = package["artifact"]
        out.info(
            f"{package['name']} {package['version']}: {art['digest']} ({format_bytes(art['size'])}) "
            f"verified; wrote {', '.join(package['files'])}"
        )
        return
    result = get_artifact(repo, settings, ref)
    if json:
        out.json(result)
        return
    out.line(result["path"])
    out.info(
        f"{result['model']} {result['version']}: {result['digest']} "
        f"({format_bytes(result['size'])}) verified"
    )
