"""Which file a new model version takes from its run, and where its bytes come from.

A version's artifact is one of the run's recorded outputs, taken by digest: from the
content cache, else from the work tree when the file there still has the recorded bytes,
else from the data remote. What the work tree holds now never changes what is
registered, so a sweep member can be registered after another member (or anything else)
rewrote the file. The path recorded is always the output's path as the run recorded it
(relative to the work tree), also when ``--artifact`` names a copy elsewhere, such as in a
``git ml rerun --in DIR`` folder.

``--artifact`` names an output by path (from the current folder, the work tree root or
the run's folder), a file inside a folder output, or any copy with the same content. A
work-tree file that is no output of the run can still be registered, with a warning that
nothing ties it to the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, UsageError
from gitml.objects.blobs import read_listing_object
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.objects.listing import decode
from gitml.registry import artifacts

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.storage.repo import GitRepo

Warn = Callable[[str], None]


def run_artifact(
    repo: GitRepo,
    settings: Settings,
    run: Mapping[str, Any],
    path: Path | None,
    *,
    no_artifact: bool = False,
    preferred: str | None = None,
    warn: Warn | None = None,
) -> artifacts.Artifact | None:
    """The artifact a version of ``run`` records (``None`` only with ``no_artifact``).

    ``preferred`` is the path ``gitml.log_model`` named, which picks the model among
    several outputs.
    """
    if no_artifact:
        if path is not None:
            raise UsageError("--artifact and --no-artifact contradict each other; give one")
        return None
    outputs: dict[str, str] = dict(run.get("outputs") or {})
    label = f"run {run['id']} ({run.get('name')})"
    if path is None:
        rel, digest = _default_output(repo, run, outputs, preferred, label)
    else:
        found = _named_output(repo, run, outputs, path)
        if found is None:
            return _foreign_file(repo, path, label, warn)
        rel, digest = found
    return _from_output(repo, settings, outputs, rel, digest, label)


def _default_output(
    repo: GitRepo,
    run: Mapping[str, Any],
    outputs: Mapping[str, str],
    preferred: str | None,
    label: str,
) -> tuple[str, str]:
    if preferred is not None:
        found = _by_path(repo, run, outputs, preferred)
        if found is not None:
            return found
    if len(outputs) == 1:
        return next(iter(outputs.items()))
    if not outputs:
        raise GitmlError(
            f"{label} recorded no output to register; record the model file with "
            "`git ml run -o PATH` or `gitml.log_model(PATH)`, name a file with --artifact "
            "PATH, or register a version without a file with --no-artifact"
        )
    names = ", ".join(sorted(outputs))
    raise GitmlError(
        f"{label} recorded {len(outputs)} outputs ({names}); choose the model with "
        "--artifact PATH (or --no-artifact)"
    )


def _candidates(repo: GitRepo, run: Mapping[str, Any], text: str) -> list[str]:
    """Work-tree paths ``text`` may mean: from the current folder, the root, the run's folder."""
    found: list[str] = []
    here = Path(os.path.normpath(Path.cwd() / text))
    try:
        found.append(here.relative_to(repo.workdir).as_posix())
    except ValueError:
        pass
    found.append(Path(os.path.normpath(text)).as_posix())
    run_cwd = str(run.get("cwd") or ".")
    found.append(Path(os.path.normpath(Path(run_cwd) / text)).as_posix())
    return list(dict.fromkeys(found))


def _by_path(
    repo: GitRepo, run: Mapping[str, Any], outputs: Mapping[str, str], text: str
) -> tuple[str, str] | None:
    for rel in _candidates(repo, run, text):
        if rel in outputs:
            return rel, outputs[rel]
        for key, digest in outputs.items():
            if rel.startswith(key + "/"):
                inner = _listing_entry(repo, digest, rel[len(key) + 1 :])
                if inner is not None:
                    return rel, inner
    return None


def _named_output(
    repo: GitRepo, run: Mapping[str, Any], outputs: Mapping[str, str], path: Path
) -> tuple[str, str] | None:
    """The output ``--artifact`` names, by path or else by the content of the file given."""
    found = _by_path(repo, run, outputs, str(path))
    if found is not None or not path.is_file():
        return found
    digest, _size = artifacts.hash_file(path)
    for rel, recorded in outputs.items():
        if recorded == digest:
            return rel, recorded
    return None


def _listing_entry(repo: GitRepo, listing: str, inner: str) -> str | None:
    """The digest of file ``inner`` of a folder output whose listing is ``listing``."""
    data = read_listing_object(open_cache(repo.state_dir), parse_digest(listing))
    if data is None:
        return None
    for entry in decode(data, where=f"output {listing}"):
        if entry.path == inner:
            return str(entry.digest)
    return None


def _foreign_file(repo: GitRepo, path: Path, label: str, warn: Warn | None) -> artifacts.Artifact:
    """A work-tree file that is no output of the run (refused outside the work tree)."""
    resolved = path.resolve()
    try:
        rel = resolved.relative_to(repo.workdir).as_posix()
    except ValueError:
        raise GitmlError(
            f"{path}: is outside the work tree and is not an output of {label}; register "
            "one of the run's outputs (`git ml show RUN` lists them)"
        ) from None
    stored = artifacts.store(repo.state_dir, resolved, rel)
    if warn is not None:
        warn(
            f"{rel} is not an output of {label}: the version links the run, but nothing "
            "records that the run made this file (record it with `git ml run -o PATH`)"
        )
    return stored


def _from_output(
    repo: GitRepo,
    settings: Settings,
    outputs: Mapping[str, str],
    rel: str,
    digest: str,
    label: str,
) -> artifacts.Artifact:
    """The cached, verified object of output ``rel`` (restored from the work tree or the
    data remote when the cache lacks it)."""
    cache = open_cache(repo.state_dir)
    if rel in outputs and _is_listing(cache, digest):
        raise GitmlError(
            f"output {rel} of {label} is a folder; register one file of it with "
            f"--artifact {rel}/FILE (or pack the folder into an archive in the run)"
        )
    if not cache.has(digest):
        copy = repo.workdir / rel
        if copy.is_file() and artifacts.hash_file(copy)[0] == digest:
            cache.store(copy, digest)
    if not cache.has(digest) and settings.data_remotes:
        artifacts.pull(repo, settings, [digest])
    if not cache.has(digest):
        where = (
            "nor on the data remote"
            if settings.data_remotes
            else "and no data remote is configured"
        )
        raise GitmlError(
            f"output {rel} of {label} ({digest}) is not in the cache {where}, and the work "
            "tree's copy has other bytes; fetch it from the clone that ran it "
            "(`git ml data push` there, then `git ml data pull`) or re-run"
        )
    if not cache.verify(digest):
        raise GitmlError(
            f"the cached copy of output {rel} ({digest}) is damaged; delete "
            f"{cache.path_of(digest)} and register again"
        )
    return artifacts.Artifact(rel, digest, cache.path_of(digest).stat().st_size)


def _is_listing(cache: Any, digest: str) -> bool:
    return read_listing_object(cache, parse_digest(digest)) is not None
