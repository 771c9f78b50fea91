"""``git ml model get --to DIR``: a self-describing model package.

The folder holds the artifact file and ``gitml-model.toml`` (name, version, digests,
signature, requirements, Python version, flavor, lineage and the stage it was fetched
at). ``--format mlflow`` adds ``MLmodel``, ``requirements.txt`` and ``python_env.yaml`` in
MLflow's documented layout, so MLflow-compatible serving tools can load it.

``requirements.txt`` lists what the model needs (never gitml or development tools). The
flavor's loader must be able to read the file: a pickled LightGBM scikit-learn model
names its class (``model_class``), as ``mlflow.lightgbm`` saves one; a pickle without a
flavor is served by a small loader written beside it (``code/gitml_pyfunc.py``); what
MLflow cannot load is said in a warning rather than written silently.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.config import Settings
from gitml.errors import GitmlError, UsageError
from gitml.models.requirements import PickleInfo, normalise, read_pickle_info, without_tools
from gitml.records import codec
from gitml.registry import artifacts
from gitml.registry.artifacts import hash_file
from gitml.registry.deploy import version_artifact
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord

PACKAGE_FILE = "gitml-model.toml"
PACKAGE_FILES = (PACKAGE_FILE, "MLmodel", "requirements.txt", "python_env.yaml", "code")
PACKAGE_SCHEMA = "gitml/model-package/1"
FORMATS = ("gitml", "mlflow")
LOADERS = {
    "sklearn": "mlflow.sklearn",
    "pytorch": "mlflow.pytorch",
    "xgboost": "mlflow.xgboost",
    "lightgbm": "mlflow.lightgbm",
    "tensorflow": "mlflow.tensorflow",
    "keras": "mlflow.tensorflow",
    "onnx": "mlflow.onnx",
    "catboost": "mlflow.catboost",
    "statsmodels": "mlflow.statsmodels",
}


class PackageError(GitmlError):
    """A package folder that cannot be read or does not match its description."""


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown package format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def describe(doc: ModelVersionRecord, stage: str | None, file_name: str) -> JsonObject:
    """The ``gitml-model.toml`` content of a version record (one with an artifact)."""
    art = doc["artifact"]
    code = doc["code"]
    out: JsonObject = {
        "schema": PACKAGE_SCHEMA,
        "name": doc["model"],
        "version": doc["version"],
        "stage": stage,
        "record": doc["id"],
        "created": doc["created"],
        "flavor": doc.get("flavor"),
        "python": doc.get("python"),
        "requirements": list(doc.get("requirements", [])),
        "artifact": {
            "file": file_name,
            "path": art["path"],
            "digest": art["digest"],
            "size": art["size"],
        },
        "signature": doc.get("signature"),
        "lineage": {
            "run": doc["run"]["id"],
            "run_name": doc["run"]["name"],
            "code_commit": code["commit"],
            "checkpoint": code["checkpoint"],
            "branch": code.get("branch"),
            "datasets": dict(doc["inputs"]),
        },
    }
    return dict(codec.canonical(out))


def model_uuid(record_id: str) -> str:
    """A stable 32-hex MLflow ``model_uuid`` for a version record."""
    return uuid.UUID(hashlib.md5(record_id.encode("ascii")).hexdigest()).hex


def _specs(specs: list[Mapping[str, Any]]) -> str:
    shown = []
    for spec in specs:
        item = dict(spec)
        if "name" in item:
            item.setdefault("required", True)
        shown.append(item)
    return json.dumps(shown)


def _y(value: Any) -> str:
    """A YAML scalar (JSON strings and numbers are valid YAML)."""
    return json.dumps(value)


PYFUNC_LOADER = "gitml_pyfunc"
PYFUNC_CODE = '''"""MLflow python_function loader for a pickled model (written by ``git ml model get``).

The model object only needs a ``predict`` method; this file needs nothing but Python.
"""

import pickle


class PickledModel:
    def __init__(self, model):
        self._model = model

    def predict(self, model_input, params=None):
        return self._model.predict(model_input)

    def get_raw_model(self):
        return self._model


def _load_pyfunc(path):
    with open(path, "rb") as handle:
        return PickledModel(pickle.load(handle))
'''


def _pinned(desc: Mapping[str, Any], name: str) -> str | None:
    """The version ``requirements`` pin ``name`` to, if any."""

    for line in desc.get("requirements") or []:
        dist, sep, version = str(line).partition("==")
        if sep and normalise(dist) == normalise(name):
            return version
    return None


def _flavor_lines(
    desc: Mapping[str, Any], info: PickleInfo | None, warnings: list[str]
) -> tuple[list[str], list[str]]:
    """(python_function lines, the flavor's own lines) of ``MLmodel``."""
    file_name = desc["artifact"]["file"]
    flavor = desc.get("flavor")
    own: list[str] = []
    if flavor in LOADERS:
        key = "model_path" if flavor == "sklearn" else "data"  # as MLflow's flavors write it
        pyfunc = [f"    loader_module: {LOADERS[flavor]}", f"    {key}: {_y(file_name)}"]
        own = [f"  {flavor}:"]
        if flavor == "sklearn":
            own.append(f"    pickled_model: {_y(file_name)}")
            own.append("    serialization_format: pickle")
            version = _pinned(desc, "scikit-learn")
            if version:
                own.append(f"    sklearn_version: {_y(version)}")
        else:
            own.append(f"    data: {_y(file_name)}")
            own += _model_class(str(flavor), info, warnings)
        return pyfunc, own
    if info is not None:
        return [
            f"    loader_module: {PYFUNC_LOADER}",
            "    code: code",
            f"    data: {_y(file_name)}",
        ], own
    warnings.append(
        "no flavor was logged and the file is not a pickle: MLflow can read this MLmodel but "
        "cannot load the model (log it with gitml.log_model(PATH, flavor=...))"
    )
    return [], own


def _model_class(flavor: str, info: PickleInfo | None, warnings: list[str]) -> list[str]:
    """The ``model_class`` a flavor's loader needs to read the file, if it can read it."""
    if flavor == "lightgbm" and info is not None:
        top = info.top_class or ""
        if top.startswith("lightgbm.sklearn."):
            return [f"    model_class: {_y(top)}", "    serialization_format: pickle"]
        warnings.append(
            "mlflow.lightgbm reads a pickle only of a scikit-learn-style LightGBM model; save "
            "a Booster with booster.save_model('model.txt') and log that file"
        )
    elif flavor == "xgboost" and info is not None:
        warnings.append(
            "mlflow.xgboost cannot read a pickle; save the model with "
            "model.save_model('model.json') and log that file"
        )
    return []


def mlmodel_text(
    desc: Mapping[str, Any], info: PickleInfo | None = None, warnings: list[str] | None = None
) -> str:
    """The ``MLmodel`` YAML of a package description (MLflow's documented layout).

    ``info`` describes the artifact when it is a pickle; what MLflow could not load is
    appended to ``warnings``.
    """
    said: list[str] = [] if warnings is None else warnings
    created = datetime.fromisoformat(str(desc["created"])).astimezone(UTC)
    pyfunc, own = _flavor_lines(desc, info, said)
    lines = ["artifact_path: model", "flavors:" if pyfunc or own else "flavors: {}"]
    if pyfunc:
        lines += ["  python_function:", "    env:", "      virtualenv: python_env.yaml", *pyfunc]
        if desc.get("python"):
            lines.append(f"    python_version: {_y(desc['python'])}")
    lines += own
    lines.append(f"model_uuid: {model_uuid(desc['record'])}")
    lines.append(f"run_id: {desc['lineage']['run']}")
    sig = desc.get("signature")
    if sig:
        lines.append("signature:")
        lines.append(f"  inputs: {_y(_specs(sig['inputs']))}")
        if sig.get("outputs"):
            lines.append(f"  outputs: {_y(_specs(sig['outputs']))}")
        else:
            lines.append("  outputs: null")
    lines.append(f"utc_time_created: {_y(created.strftime('%Y-%m-%d %H:%M:%S.%f'))}")
    return "\n".join(lines) + "\n"


def python_env_text(desc: Mapping[str, Any]) -> str:
    python = desc.get("python") or ""
    head = f"python: {_y(python)}\n" if python else ""
    return head + "build_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"


def write_package(
    repo: GitRepo, settings: Settings, text: str, to: Path, *, fmt: str = "gitml"
) -> JsonObject:
    """Write the package of the version ``text`` names into ``to``; returns its description."""

    check_format(fmt)
    ref, doc, artifact, where = version_artifact(repo, settings, text)
    path = artifacts.materialize(
        repo, artifact, to, where=where, settings=settings, reserved=PACKAGE_FILES
    )
    desc = describe(doc, ref.stage, path.name)
    written = {PACKAGE_FILE: codec.dump_bytes(desc)}
    warnings: list[str] = []
    if fmt == "mlflow":
        written.update(_mlflow_files(desc, read_pickle_info(path), warnings))
    artifacts.write_files(to, written, where=where)
    files = [path.name, *written]
    return {
        **desc,
        "model": desc["name"],
        "digest": artifact.digest,
        "size": artifact.size,
        "run": desc["lineage"]["run"],
        "path": str(path),
        "package": str(to),
        "files": files,
        "format": fmt,
        "verified": True,
        "warnings": warnings,
    }


def _mlflow_files(
    desc: Mapping[str, Any], info: PickleInfo | None, warnings: list[str]
) -> dict[str, bytes]:
    """``MLmodel``, ``requirements.txt``, ``python_env.yaml`` (and a loader for a pickle
    without a flavor), by name."""
    text = mlmodel_text(desc, info, warnings)
    reqs = "".join(f"{r}\n" for r in without_tools(desc.get("requirements") or []))
    files = {
        "MLmodel": text.encode("utf-8"),
        "requirements.txt": reqs.encode("utf-8"),
        "python_env.yaml": python_env_text(desc).encode("utf-8"),
    }
    if f"loader_module: {PYFUNC_LOADER}" in text:
        files[f"code/{PYFUNC_LOADER}.py"] = PYFUNC_CODE.encode("utf-8")
    return files


def read_package(package_dir: str | Path) -> JsonObject:
    """The ``gitml-model.toml`` of a package folder."""
    path = Path(package_dir) / PACKAGE_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackageError(
            f"{path}: cannot read the package description ({exc.strerror}); write the package "
            "with `git ml model get NAME@STAGE --to DIR`"
        ) from None
    return dict(codec.to_jsonable(codec.loads(data, where=str(path))))


def verify_package(package_dir: str | Path) -> JsonObject:
    """Re-hash the artifact of a package against its recorded digest; returns the description."""

    desc = read_package(package_dir)
    art = desc["artifact"]
    path = Path(package_dir) / art["file"]
    if not path.is_file():
        raise PackageError(f"{path}: the package's artifact file is missing")
    digest, size = hash_file(path)
    if digest != art["digest"] or size != art["size"]:
        raise PackageError(
            f"{path}: hashes to {digest} ({size} bytes) but the package records {art['digest']} "
            f"({art['size']} bytes); fetch the package again"
        )
    return desc
