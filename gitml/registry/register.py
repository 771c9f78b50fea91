"""``git ml model register``: a version linked to its run, with its artifact cached."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import load_settings
from gitml.errors import GitmlError
from gitml.models.requirements import model_requirements, read_pickle_info
from gitml.objects.cache import open_cache
from gitml.records import codec, ids
from gitml.records.typed import typed
from gitml.registry import artifacts
from gitml.registry import records as rec
from gitml.registry.names import (
    check_model_name,
    check_same_scheme,
    next_version,
    parse_version,
)
from gitml.registry.run_artifact import run_artifact
from gitml.registry.store import Plan, registry_collection, versions_in, write_planned
from gitml.runs.store import get_run, read_packages
from gitml.runs.tags import MODEL_TAG
from gitml.storage.collection import Companion, Snapshot
from gitml.storage.notes import note_companion
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord, RunRecord
    from gitml.registry.records import PackageInfo


class VersionExists(GitmlError):
    """A version with this name is already registered (versions are immutable)."""


class RegisterRequest(NamedTuple):
    model: str
    run: str
    artifact: Path | None = None
    version: str | None = None
    description: str | None = None
    tags: Mapping[str, str] = MappingProxyType({})
    signature_from: Path | None = None
    no_artifact: bool = False


def logged_model(run: RunRecord) -> JsonObject:
    """What ``gitml.log_model`` left in the run's ``gitml.model`` tag ({} when nothing)."""
    import json

    raw = run["tags"].get(MODEL_TAG)
    if not raw:
        return {}
    try:
        loaded = json.loads(raw)
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        raise GitmlError(
            f"run {run['id']}: tag {MODEL_TAG} is not the JSON gitml.log_model writes; "
            "remove the tag or log the model again"
        )
    return loaded


def package_info(
    repo: GitRepo,
    run: RunRecord,
    signature_from: Path | None,
    *,
    artifact: artifacts.Artifact | None = None,
    warn: Callable[[str], None] | None = None,
) -> PackageInfo:
    """Flavor, signature, requirements and Python version of the model a run logged.

    ``gitml.log_model`` leaves them in the run's ``gitml.model`` tag; ``signature_from``
    (an example data file or a signature JSON) overrides the signature. Requirements not
    given to ``log_model`` are what the model needs (``gitml.models.requirements``): the
    flavor's packages and what the artifact's pickle imports, pinned to the run's versions.
    """
    logged = logged_model(run)
    if signature_from is not None:  # the tabular readers, for this option only
        from gitml.models.signature import from_file

        logged["signature"] = from_file(signature_from)
    signature = logged.get("signature")
    if signature and signature["inputs"] and signature["inputs"][0].get("type") != "tensor":
        numeric = {"integer", "long", "float", "double"}
        wanted = {s["name"] for s in signature["inputs"] if s.get("type") in numeric}
        from gitml.lineage.profiles import training_ranges

        ranges = training_ranges(repo, run["inputs"])
        profile = dict(signature.get("profile") or {})
        profile.update({col: r for col, r in ranges.items() if col in wanted})
        if profile:
            signature["profile"] = profile
    if logged.get("requirements") is None:
        info = None
        if artifact is not None:
            info = read_pickle_info(open_cache(repo.state_dir).path_of(artifact.digest))
        found = model_requirements(logged.get("flavor"), info, read_packages(repo, run) or [])
        logged["requirements"] = found.requirements or None
        if warn is not None:
            for problem in found.warnings:
                warn(problem)
    package: PackageInfo = {}
    for key in ("flavor", "signature", "requirements"):
        if logged.get(key) is not None:
            package[key] = logged[key]
    if run["env"].get("python") is not None:
        package["python"] = run["env"]["python"]
    return package


def register(
    repo: GitRepo,
    request: RegisterRequest,
    *,
    now: datetime | None = None,
    warn: Callable[[str], None] | None = None,
) -> ModelVersionRecord:
    """Record a new version of ``request.model``; returns the version record (JSON form).

    The artifact is one of the run's outputs, by digest (``gitml.registry.run_artifact``);
    ``warn`` hears about a file registered that the run did not record.
    """
    model = check_model_name(request.model)
    wanted = parse_version(request.version) if request.version is not None else None
    run = get_run(repo, request.run)
    if run["status"] != "completed":
        raise GitmlError(
            f"run {run['id']} ({run['name']}) is {run['status']}; only completed runs "
            "can be registered as model versions"
        )
    artifact = run_artifact(
        repo,
        load_settings(repo.workdir),
        run,
        request.artifact,
        no_artifact=request.no_artifact,
        preferred=logged_model(run).get("path"),
        warn=warn,
    )
    package = package_info(repo, run, request.signature_from, artifact=artifact, warn=warn)
    signature = repo.signature()
    created = now or datetime.now(UTC)
    record_id = ids.new_id(int(created.timestamp() * 1000))

    def plan(snap: Snapshot) -> Plan:
        existing = versions_in(snap, model)
        if wanted is not None:
            check_same_scheme(model, wanted, existing)
            if wanted.text in existing:
                raise VersionExists(
                    f"model {model!r} already has version {wanted.text!r} (versions are "
                    f"immutable); choose another --version or omit it to auto-increment"
                )
            version = wanted.text
        else:
            version = next_version(model, existing)
        built = rec.build_version(
            record_id=record_id,
            model=model,
            version=version,
            run=run,
            created=created,
            author=rec.person(signature.name, signature.email),
            artifact=artifact.as_dict() if artifact else None,
            description=request.description,
            tags=request.tags,
            package=package,
        )
        path = rec.version_path(model, version)
        doc = typed(built, "model-version", where=path)
        trailers = [
            f"Gitml-Model: {model}",
            f"Gitml-Version: {version}",
            f"Gitml-Event: {rec.VERSION_CREATED}",
            f"Gitml-Run: {run['id']}",
        ]
        if artifact is not None:
            trailers.append(f"Gitml-Artifact: {artifact.digest}")
        message = f"register {model} {version} (run {run['id']} {run['name']})".rstrip()
        message += "\n\n" + "\n".join(trailers) + "\n"
        return Plan({path: codec.dump_bytes(doc)}, message, doc)

    def note(planned: Plan) -> Companion | None:
        """The line on the run's code commit, published with the version."""
        commit = run["code"]["commit"]
        if not commit:
            return None
        made = planned.result
        line = (
            f'{made["id"]} = {{ model = "{model}", version = "{made["version"]}", '
            f'run = "{run["id"]}" }}'
        )
        return note_companion(repo, {commit: [line]}, f"gitml note model {model} {made['version']}")

    _tip, planned = write_planned(registry_collection(repo), plan, also=note)
    assert planned is not None
    doc: ModelVersionRecord = codec.to_jsonable(planned.result)
    return doc
