"""Deployment side of the registry: ``model get`` and ``model push`` of artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import Settings
from gitml.errors import RecordNotFound
from gitml.registry import artifacts
from gitml.registry.query import ModelRef, parse_ref, resolve
from gitml.registry.store import open_index
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord


class VersionArtifact(NamedTuple):
    """A version's artifact, with the reference and record it was found through."""

    ref: ModelRef
    doc: ModelVersionRecord
    artifact: artifacts.Artifact
    where: str
    """``MODEL VERSION``, for messages."""


def version_artifact(repo: GitRepo, settings: Settings, text: str) -> VersionArtifact:
    """The artifact of the version ``text`` names; RecordNotFound when it has none."""
    ref = parse_ref(text)
    doc = resolve(repo, settings, ref)
    art = doc.get("artifact")
    if not art:
        raise RecordNotFound(
            f"{ref.model} {doc['version']} has no artifact; register one with "
            f"`git ml model register {ref.model} --run RUN --artifact PATH`"
        )
    artifact = artifacts.Artifact(art["path"], art["digest"], art["size"])
    return VersionArtifact(
        ref=ref, doc=doc, artifact=artifact, where=f"{ref.model} {doc['version']}"
    )


def get_artifact(
    repo: GitRepo, settings: Settings, text: str, *, to: Path | None = None
) -> JsonObject:
    """The verified artifact of a version: its cache path, or a copy in ``to``.

    Missing from the cache, it is pulled from the data remote (when one is configured).
    """
    ref, doc, artifact, where = version_artifact(repo, settings, text)
    if to is None:
        path = artifacts.fetch(repo, artifact, where=where, settings=settings)
    else:
        path = artifacts.materialize(repo, artifact, to, where=where, settings=settings)
    return {
        "model": ref.model,
        "version": doc["version"],
        "stage": ref.stage,
        "digest": artifact.digest,
        "size": artifact.size,
        "path": str(path),
        "verified": True,
        "run": doc["run"]["id"],
    }


def push_artifacts(
    repo: GitRepo,
    settings: Settings,
    text: str,
    *,
    remote: str | None = None,
    verify: bool = False,
) -> JsonObject:
    """Upload the artifacts of a model (NAME: every version; NAME:VERSION, NAME@STAGE: one)."""
    ref = parse_ref(text)
    if ref.version is None and ref.stage is None:
        with open_index(repo) as index:
            docs = index.versions(ref.model)
        if not docs:
            resolve(repo, settings, ref)  # raises the "not registered" error
    else:
        docs = [resolve(repo, settings, ref)]
    digests = {str(d["artifact"]["digest"]): d["version"] for d in docs if d.get("artifact")}
    report = artifacts.push(repo, settings, digests, remote, verify=verify)
    return {
        "model": ref.model,
        "remote": settings.remote(remote).name,
        "versions": sorted(digests.values(), key=str),
        "uploaded": sorted(report.transferred),
        "present": sorted(report.skipped),
        "missing": sorted(report.missing),
        "failed": dict(report.failed),
        "repaired": sorted(report.repaired),
        "bytes": report.nbytes,
    }
