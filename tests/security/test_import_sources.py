"""``git ml import mlflow`` reads a store someone else may have written.

A hostile ``mlruns`` folder must not make the import read the user's own files (a run
whose ``artifact_uri`` names a folder outside the store, or a symbolic link among its
artifacts): whatever is imported lands in the cache and in run records that ``git ml
push`` and ``data push`` publish.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.core import cli

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY-----\nthe victim's key\n"


def _store(root: Path) -> Path:
    store = root / "mlruns"
    (store / "0").mkdir(parents=True)
    (store / "0" / "meta.yaml").write_text(
        "experiment_id: '0'\nname: Default\nlifecycle_stage: active\n"
        f"artifact_location: file://{store / '0'}\n"
    )
    return store


def _run(store: Path, run_id: str, *, artifact_uri: str) -> Path:
    folder = store / "0" / run_id
    for part in ("params", "tags", "metrics", "artifacts"):
        (folder / part).mkdir(parents=True)
    (folder / "meta.yaml").write_text(
        f"run_id: {run_id}\nrun_name: {run_id}\nexperiment_id: '0'\nstatus: 3\n"
        "start_time: 1700000000000\nend_time: 1700000001000\nuser_id: mallory\n"
        f"lifecycle_stage: active\nartifact_uri: {artifact_uri}\n"
    )
    (folder / "params" / "lr").write_text("0.1")
    return folder


def _imported(in_repo: Path) -> dict[str, dict[str, object]]:
    listed = cli("ls", "--all", "--json", "--limit", "0")
    assert listed.exit_code == 0, listed
    return {r["name"]: r for r in json.loads(listed.stdout)}


def _cached_bytes(in_repo: Path) -> list[bytes]:
    cache = in_repo / ".git" / "gitml" / "cache"
    return [p.read_bytes() for p in cache.rglob("*") if p.is_file()] if cache.is_dir() else []


def test_import_reads_artifacts_only_inside_the_store(in_repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_bytes(SECRET)
    store = _store(tmp_path / "downloaded")
    _run(store, "a" * 32, artifact_uri=f"file://{home / '.ssh'}")
    linked = _run(store, "b" * 32, artifact_uri=f"file://{store / '0' / ('b' * 32)}/artifacts")
    (linked / "artifacts" / "notes.txt").write_text("honest notes\n")
    (linked / "artifacts" / "model.key").symlink_to(home / ".ssh" / "id_ed25519")
    (linked / "artifacts" / "keys").symlink_to(home / ".ssh")
    model = linked / "artifacts" / "model"
    model.mkdir()
    (model / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: model.pkl\n")
    (model / "model.pkl").write_bytes(b"weights")
    evil = linked / "artifacts" / "evil_model"
    evil.mkdir()
    (evil / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: model.pkl\n")
    (evil / "deploy.key").symlink_to(home / ".ssh" / "id_ed25519")

    result = cli("import", "mlflow", str(store))
    assert result.exit_code == 0, result
    assert "Traceback" not in result.output
    for name in ("model.key", "keys", "evil_model"):
        assert f"artifact {name}: not " in result.stderr, result
    runs = _imported(in_repo)
    assert set(runs) == {"a" * 32, "b" * 32}
    assert runs["a" * 32].get("outputs", {}) == {}
    assert set(runs["b" * 32]["outputs"]) == {"notes.txt", "model"}  # type: ignore[arg-type]
    cached = _cached_bytes(in_repo)
    assert b"honest notes\n" in cached
    assert b"weights" in cached
    assert not any(SECRET in data for data in cached)
