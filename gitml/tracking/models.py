"""``gitml.log_model`` and ``gitml.load_model``: models in their frameworks' own formats.

``log_model`` takes a file or folder the run wrote, or a model object, which it saves in
its framework's native format: scikit-learn (and LightGBM/XGBoost scikit-learn models)
as a pickle, an XGBoost ``Booster`` as ``.ubj``, a LightGBM ``Booster`` as its text
model, a PyTorch module with ``torch.save``, a Keras model as ``.keras``. The file is
stored under ``<name><suffix>`` like an artifact; flavor, signature and requirements go
to the run's ``gitml.model`` tag, which ``git ml model register`` reads.

``load_model`` takes ``NAME@STAGE``, ``NAME:VERSION`` or ``NAME`` (a registered version)
or a run (id, prefix or name; the model it logged), fetches the verified artifact (from
the cache or the data remote) and loads it with the flavor it was saved with. Loading a
pickle runs code from it: load only models of your own registry.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.tracking import MODEL_TAG, current_sink

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, RunRecord, SignatureTable

FLAVORS = ("sklearn", "xgboost", "lightgbm", "pytorch", "keras")


def flavor_of(model: Any) -> str:
    """The flavor of a model object, from its class's module (no framework imported)."""
    for klass in type(model).__mro__:
        root = klass.__module__.split(".")[0]
        if root in ("xgboost", "lightgbm", "sklearn", "keras"):
            return root
        if root in ("torch", "lightning", "pytorch_lightning"):
            return "pytorch"
        if root == "tf_keras":
            return "keras"
    if hasattr(model, "fit") and hasattr(model, "predict"):
        return "sklearn"  # the scikit-learn estimator protocol (pipelines of own classes)
    raise TypeError(
        f"log_model: cannot tell the framework of a {type(model).__name__}; pass flavor= "
        f"({', '.join(FLAVORS)}) or a path to a file the run wrote"
    )


def _pickle(model: Any, path: Path) -> None:
    import pickle

    with path.open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _is_booster(model: Any, module: str) -> bool:
    return type(model).__name__ == "Booster" and type(model).__module__.startswith(module)


def _saver(model: Any, flavor: str) -> tuple[str, Callable[[Path], None]]:
    """(file suffix, function writing the model there) in the flavor's native format."""
    if flavor == "xgboost" and _is_booster(model, "xgboost"):
        return ".ubj", lambda p: model.save_model(str(p))
    if flavor == "lightgbm" and _is_booster(model, "lightgbm"):
        return ".txt", lambda p: model.save_model(str(p))
    if flavor in ("sklearn", "xgboost", "lightgbm"):
        return ".pkl", lambda p: _pickle(model, p)
    if flavor == "pytorch":

        def save_torch(path: Path) -> None:
            import torch

            torch.save(model, path)

        return ".pth", save_torch
    if flavor == "keras":
        return ".keras", lambda p: model.save(str(p))
    raise ValueError(f"log_model: flavor {flavor!r} is not one of {', '.join(FLAVORS)}")


def _model_class(model: Any) -> str:
    klass = type(model)
    return f"{klass.__module__}.{klass.__qualname__}"


def log_model(
    model: Any,
    name: str = "model",
    *,
    flavor: str | None = None,
    signature: Mapping[str, Any] | None = None,
    input_example: Any = None,
    requirements: list[str] | None = None,
) -> str:
    """Record a model: a path the run wrote, or a model object saved natively (see the
    module doc). Returns the artifact name it is stored under (the path, for a path).

    ``signature`` (MLflow layout, ``inputs`` and ``outputs`` lists of ``{name, type}``) is
    inferred from ``input_example`` (a DataFrame, pyarrow Table, numpy array, dict of
    lists or a CSV path) when not given. ``requirements`` default to what the model
    needs, pinned to the run's recorded package versions.
    """
    from gitml.models import signature as sig

    if signature is not None:
        spec: SignatureTable | None = sig.check(signature, where="log_model(signature=...)")
    elif input_example is not None:
        spec = sig.infer(input_example)
    else:
        spec = None
    sink = current_sink()
    info: JsonObject = {
        "flavor": flavor,
        "signature": spec,
        "requirements": list(requirements) if requirements is not None else None,
    }
    if isinstance(model, str | os.PathLike):
        stored = os.fspath(model)
        sink.artifact(stored)
    else:
        from gitml.runs.attached import check_artifact_name

        flavor = flavor or flavor_of(model)
        suffix, save = _saver(model, flavor)
        stored = check_artifact_name(name if name.endswith(suffix) else name + suffix)
        info.update(flavor=flavor, model_class=_model_class(model))
        folder = Path(tempfile.mkdtemp(prefix="gitml-model-"))
        try:
            path = folder / Path(stored).name
            save(path)
            sink.attach(str(path), stored, {"model": flavor})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    info["path"] = stored
    sink.tag(MODEL_TAG, json.dumps({k: v for k, v in info.items() if v is not None}))
    return stored


def log_model_file(path: str, name: str, *, flavor: str) -> str:
    """Store a model file or folder a framework wrote (anywhere) under ``name`` as the
    run's model, with its flavor in the ``gitml.model`` tag."""
    from gitml.runs.attached import check_artifact_name

    sink = current_sink()
    sink.attach(path, check_artifact_name(name), {})
    sink.tag(MODEL_TAG, json.dumps({"path": name, "flavor": flavor}))
    return name


def load_model(ref: str, *, path: str | os.PathLike[str] | None = None) -> Any:
    """Load a registered version (``NAME@STAGE``, ``NAME:VERSION``, ``NAME``) or the model
    a run logged (run id, prefix or name) from the repository at ``path`` (default: here)."""
    from gitml.config import load_settings
    from gitml.storage.repo import open_repo

    repo = open_repo(Path(path) if path is not None else Path.cwd())
    settings = load_settings(repo.workdir_or_gitdir)
    if "@" in ref or ":" in ref or _is_model(repo, ref):
        file, meta = _version_file(repo, settings, ref)
    else:
        file, meta = _run_file(repo, settings, ref)
    return load_file(file, meta)


def _is_model(repo: Any, name: str) -> bool:
    from gitml.registry.store import registry_collection, versions_in

    try:
        return bool(versions_in(registry_collection(repo).snapshot(), name))
    except (ValueError, KeyError):
        return False


def _version_file(repo: Any, settings: Any, ref: str) -> tuple[Path, JsonObject]:
    from gitml.registry.artifacts import Artifact, fetch
    from gitml.registry.query import parse_ref, resolve

    version = resolve(repo, settings, parse_ref(ref))
    art = version.get("artifact")
    if not art:
        from gitml.errors import GitmlError

        raise GitmlError(f"{ref}: version {version['version']} was registered without a file")
    artifact = Artifact(str(art["path"]), str(art["digest"]), int(art["size"]))
    file = fetch(repo, artifact, where=ref, settings=settings)
    meta = {"flavor": version.get("flavor"), "path": art["path"]}
    run = _find_run(repo, version["run"]["id"])
    logged = _logged(run) if run else {}
    meta.setdefault("model_class", logged.get("model_class"))
    return file, meta


def _find_run(repo: Any, run_id: str) -> RunRecord | None:
    from gitml.runs.store import find_run

    return find_run(repo, run_id) if run_id else None


def _logged(run: RunRecord) -> JsonObject:
    from gitml.registry.register import logged_model

    return logged_model(run)


def _run_file(repo: Any, settings: Any, ref: str) -> tuple[Path, JsonObject]:
    from gitml.errors import GitmlError
    from gitml.registry.run_artifact import run_artifact
    from gitml.runs.store import get_run

    run = get_run(repo, ref)
    logged = _logged(run)
    if not logged:
        raise GitmlError(f"run {run['id']} ({run['name']}) logged no model (gitml.log_model)")
    artifact = run_artifact(repo, settings, run, None, preferred=str(logged.get("path")))
    assert artifact is not None
    from gitml.registry.artifacts import fetch

    return fetch(repo, artifact, where=ref, settings=settings), logged


def load_file(file: Path, meta: Mapping[str, Any]) -> Any:
    """A model loaded from ``file`` in the flavor ``meta`` names (by suffix otherwise)."""
    flavor = meta.get("flavor")
    suffix = Path(str(meta.get("path") or file)).suffix
    if suffix == ".skops":  # MLflow 3's scikit-learn format
        import skops.io

        return skops.io.load(file, trusted=skops.io.get_untrusted_types(file=file))
    if suffix == ".pkl" or (flavor == "sklearn" and suffix not in (".ubj", ".json")):
        import pickle

        with file.open("rb") as fh:
            return pickle.load(fh)
    if flavor == "xgboost" or suffix == ".ubj":
        import xgboost

        booster = xgboost.Booster()
        booster.load_model(str(file))
        return booster
    if flavor == "lightgbm" or suffix == ".txt":
        import lightgbm

        return lightgbm.Booster(model_file=str(file))
    if flavor == "pytorch" or suffix in (".pth", ".pt"):
        import torch

        return torch.load(file, weights_only=False)
    if flavor == "keras" or suffix == ".keras":
        import keras

        return keras.saving.load_model(_with_suffix(file, ".keras"))
    raise ValueError(f"load_model: no loader for {file.name} (flavor {flavor!r})")


def _with_suffix(file: Path, suffix: str) -> str:
    """Keras reads a model only from a file with its suffix: a cache object has none."""
    if file.suffix == suffix:
        return str(file)
    folder = Path(tempfile.mkdtemp(prefix="gitml-load-"))
    target = folder / f"model{suffix}"
    shutil.copyfile(file, target)
    return str(target)
