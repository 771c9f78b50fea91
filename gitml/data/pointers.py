"""Pointer files: ``<pointer_dir>/<name>.toml``, tracked by git, one per dataset.

A pointer says where a dataset lives in the work tree and which manifest (by digest) this
commit uses, with the file count and size for people reading a diff. One small file per
dataset keeps merges clean: two branches that change different datasets never touch the
same file, and two that change the same dataset conflict on exactly one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

from gitml.config import CONFIG_FILE, Settings, load_settings
from gitml.data.manifest import check_dataset_name
from gitml.errors import ConfigError, InvalidRecord
from gitml.objects import pathguard
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError, write_error
from gitml.records import codec
from gitml.records.schema import validate
from gitml.records.typed import typed

if TYPE_CHECKING:
    from gitml.records.shapes import PointerRecord

SCHEMA: Final = "gitml/pointer/1"
SUFFIX = ".toml"
RESERVED = (".git", ".gitml")


def check_data_path(path: str, *, where: str, reserved: tuple[str, ...] = RESERVED) -> str:
    """A work-tree data path (POSIX, relative) that stays inside the repository.

    Raises ``InvalidRecord`` naming ``where`` for anything ``gitml.objects.pathguard`` refuses
    (absolute paths, ``..``, ``.``, empty components, control characters, a ``.git``
    component in any case or alias), backslashes, and paths inside ``reserved`` top-level
    folders (by default ``.git`` and ``.gitml``).
    """
    problem = pathguard.path_problem(path)
    top = path.split("/")[0]
    if problem is None and "\\" in path:
        problem = "holds a backslash"
    if problem is None and top in reserved:
        problem = f"is inside {top}/, which gitml and git own"
    if problem is None:
        return path
    raise InvalidRecord(f"{where}: path: {path!r} {problem}")


class Pointer(NamedTuple):
    """A dataset as one commit uses it."""

    name: str
    path: str
    manifest: Digest
    files: int
    nbytes: int

    def to_doc(self) -> PointerRecord:
        return {
            "schema": SCHEMA,
            "path": self.path,
            "manifest": str(self.manifest),
            "files": self.files,
            "bytes": self.nbytes,
        }

    def dump(self) -> bytes:
        """Canonical TOML, checked against the schema before it is written."""
        doc = self.to_doc()
        validate(doc, "pointer", where=f"pointer of dataset '{self.name}'")
        return codec.dump_bytes(doc)


def pointer_file(pointer_dir: str, name: str) -> str:
    """The pointer's path relative to the repository root."""
    return f"{pointer_dir.rstrip('/')}/{name}{SUFFIX}"


def parse_pointer(data: bytes, *, name: str, where: str) -> Pointer:
    """A pointer from its bytes; ``InvalidRecord`` names ``where`` and the bad field."""
    parsed = codec.loads(data, where=where)
    if isinstance(parsed.get("path"), str):
        check_data_path(parsed["path"], where=where)
    doc = typed(parsed, "pointer", where=where)
    try:
        check_dataset_name(name)
    except DataError:
        raise InvalidRecord(
            f"{where}: {name!r} is not a valid dataset name; rename the file "
            f"(letters, digits, '.', '_', '-')"
        ) from None
    return Pointer(
        name=name,
        path=doc["path"],
        manifest=Digest(doc["manifest"]),
        files=doc["files"],
        nbytes=doc["bytes"],
    )


def pointer_folder(settings: Settings) -> str:
    """The folder of the pointers (``data.pointer_dir``), checked as a path of the work tree."""
    try:
        return check_data_path(
            settings.pointer_dir.rstrip("/"), where=CONFIG_FILE, reserved=(".git",)
        )
    except InvalidRecord as exc:
        raise ConfigError(f"{exc} (data.pointer_dir)") from None


def work_tree_pointers(workdir: Path) -> dict[str, Pointer]:
    """Every pointer in the work tree at ``workdir``, by dataset name (as its settings say)."""
    return load_pointers(workdir, pointer_folder(load_settings(workdir)))


def load_pointers(workdir: Path, pointer_dir: str) -> dict[str, Pointer]:
    """Every pointer in the work tree, by dataset name (sorted)."""
    folder = workdir / pointer_dir
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(SUFFIX))
    except FileNotFoundError:
        return {}
    except NotADirectoryError:
        raise DataError(
            f"'{pointer_dir}' is not a directory; it holds gitml's data pointers"
        ) from None
    pointers: dict[str, Pointer] = {}
    for filename in names:
        where = f"{pointer_dir}/{filename}"
        try:
            data = (folder / filename).read_bytes()
        except OSError as exc:
            raise DataError(f"{where}: cannot read: {exc.strerror}") from None
        name = filename[: -len(SUFFIX)]
        pointers[name] = parse_pointer(data, name=name, where=where)
    return pointers


def parse_pointers(files: Mapping[str, bytes], pointer_dir: str, rev: str) -> dict[str, Pointer]:
    """Pointers read from a commit: ``files`` maps file names in the pointer dir to bytes."""
    pointers: dict[str, Pointer] = {}
    for filename, data in sorted(files.items()):
        if filename.endswith(SUFFIX) and "/" not in filename:
            name = filename[: -len(SUFFIX)]
            where = f"{rev}:{pointer_dir}/{filename}"
            pointers[name] = parse_pointer(data, name=name, where=where)
    return pointers


def write_pointer(workdir: Path, pointer_dir: str, pointer: Pointer) -> str:
    """Write (atomically) the pointer file; returns its repository-relative path."""
    rel = pointer_file(pointer_dir, pointer.name)
    write_text_atomic(workdir, rel, pointer.dump())
    return rel


def write_text_atomic(workdir: Path, rel: str, data: bytes) -> None:
    """Replace ``workdir/rel`` with ``data`` through a temporary file and a rename.

    Written by the path guard's ``TreeWriter``: a link on the way stops the write and a
    link at ``rel`` itself is replaced, never followed (a commit may have put either there).
    """
    try:
        with pathguard.TreeWriter(workdir, where=rel) as writer:
            writer.write_bytes(rel, data)
    except OSError as exc:
        raise write_error(exc, f"'{rel}'") from None
