"""Refs other tools keep in a repository (GTO's tags, DVC's ``refs/exps``), read for the
importers: names, the commit each points at, and the tag's time, tagger and message."""

from __future__ import annotations

from dataclasses import dataclass

from gitml.storage.repo import GitRepo
from gitml.storage.tracked import read_file_at

_FIELDS = ("%(refname)", "%(*objectname)", "%(objectname)", "%(creatordate:unix)",
           "%(taggername)%(authorname)", "%(taggeremail)%(authoremail)",
           "%(contents:subject)")  # fmt: skip


@dataclass(frozen=True)
class ForeignRef:
    """A ref and what it points at (``commit``: the peeled commit of an annotated tag)."""

    name: str
    commit: str
    time: int
    person: str
    email: str
    message: str


def list_refs(repo: GitRepo, prefix: str) -> list[ForeignRef]:
    """Refs under ``prefix`` (``refs/tags/``, ``refs/exps/``), oldest first, then by name."""
    proc = repo.git("for-each-ref", "--format=" + "%00".join(_FIELDS), prefix)
    found = []
    for line in proc.stdout.splitlines():
        parts = line.split("\x00")
        if len(parts) != len(_FIELDS):
            continue
        name, peeled, target, when, person, email, message = parts
        found.append(
            ForeignRef(
                name=name,
                commit=peeled or target,
                time=int(when or 0),
                person=person,
                email=email.strip("<>"),
                message=message,
            )
        )
    return sorted(found, key=lambda r: (r.time, r.name))


def file_at(repo: GitRepo, commit: str, path: str) -> bytes | None:
    """The bytes of ``path`` in ``commit`` (``None`` when it has no such file)."""
    return read_file_at(repo, commit, path)
