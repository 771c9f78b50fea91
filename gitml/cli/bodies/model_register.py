"""The body of ``git ml model register``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitml.cli._output import Output
from gitml.registry.register import RegisterRequest
from gitml.registry.register import register as do_register
from gitml.storage.repo import open_repo
from gitml.units import format_bytes


def register(
    *,
    name: str,
    run: str,
    artifact: Path | None = None,
    no_artifact: bool = False,
    version: str | None = None,
    description: str | None = None,
    tag: Sequence[str] | None = None,
    signature_from: Path | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Register a version of model NAME from a run (code, params, metrics, data, artifact)."""
    tags: dict[str, str] = {}
    if tag:  # the parser of ``run``'s options, loaded only for the tags it checks
        from gitml.runs.params import parse_tag

        tags = dict(parse_tag(t) for t in tag)
    request = RegisterRequest(
        model=name,
        run=run,
        artifact=artifact,
        version=version,
        description=description,
        tags=tags,
        signature_from=signature_from,
        no_artifact=no_artifact,
    )
    out = Output(json, quiet=quiet)
    doc = do_register(open_repo(), request, warn=out.warn)
    if json:
        out.json(doc)
        return
    art = doc.get("artifact")
    art_text = (
        f", artifact {art['path']} {art['digest']} ({format_bytes(art['size'])})" if art else ""
    )
    out.summary(
        f"registered {doc['model']} {doc['version']} (run {doc['run']['id']} "
        f"{doc['run']['name']}{art_text})"
    )
    if not art:
        out.info("registered without an artifact (--no-artifact): `git ml model get` has no file")
