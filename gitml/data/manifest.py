"""Dataset manifests: one small canonical TOML record per dataset version.

A manifest names the dataset, says whether it is one file or a folder, totals its files
and bytes, and points at the file list (``listing``) by digest. Its own digest, the
xxh3-128 of its bytes, is what pointer files and run inputs record, so one digest pins
every byte of the data. Manifests live on ``refs/gitml/data`` at
``data/<name>/<shard>/<digest hex>.toml`` with the listing beside them, and in the
content cache (and so on data remotes) as ordinary objects.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Final, NamedTuple

from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import DataError
from gitml.records import codec
from gitml.records.schema import validate
from gitml.records.typed import typed

if TYPE_CHECKING:
    from gitml.records.shapes import DatasetRecord

SCHEMA: Final = "gitml/dataset/1"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class DatasetKind(StrEnum):
    FILE = "file"
    DIRECTORY = "directory"


def check_dataset_name(name: str) -> str:
    """A valid dataset name, or ``DataError`` saying what names may be."""
    if not NAME_RE.fullmatch(name) or name.endswith(".toml"):
        raise DataError(
            f"invalid dataset name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit (set one with --name)"
        )
    return name


class Manifest(NamedTuple):
    """One version of a dataset."""

    name: str
    kind: DatasetKind
    files: int
    nbytes: int
    listing: Digest

    def to_doc(self) -> DatasetRecord:
        return {
            "schema": SCHEMA,
            "name": self.name,
            "kind": "file" if self.kind is DatasetKind.FILE else "directory",
            "files": self.files,
            "bytes": self.nbytes,
            "listing": str(self.listing),
        }

    def dump(self) -> bytes:
        """Canonical TOML, checked against the schema before it is written anywhere."""
        doc = self.to_doc()
        validate(doc, "dataset", where=f"manifest of dataset '{self.name}'")
        return codec.dump_bytes(doc)

    @property
    def digest(self) -> Digest:
        return hash_bytes(self.dump())


def parse(data: bytes, *, where: str) -> Manifest:
    """A manifest from its bytes, validated against ``schemas/dataset.schema.json``.

    Raises ``InvalidRecord`` naming ``where`` and the first bad field.
    """
    doc = typed(codec.loads(data, where=where), "dataset", where=where)
    return Manifest(
        name=doc["name"],
        kind=DatasetKind(doc["kind"]),
        files=doc["files"],
        nbytes=doc["bytes"],
        listing=Digest(doc["listing"]),
    )
