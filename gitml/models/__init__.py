"""Model packages: signatures, the package written by ``model get --to``, input checks, cards.

``gitml.models.validate(frame, package_dir)`` checks serving input against a package's
signature and training profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitml.models.check import Problem
    from gitml.records.shapes import SignatureTable


def validate(frame: Any, package_dir: Any) -> list[Problem]:
    """Problems of ``frame`` against the package in ``package_dir`` ([] when it conforms)."""
    from gitml.models.check import validate_package

    return validate_package(frame, package_dir)


def infer_signature(example: Any) -> SignatureTable:
    """The MLflow-style signature (``inputs``, ``profile``) of an example input."""
    from gitml.models.signature import infer  # the tabular readers: not for ``model register``

    return infer(example)


__all__ = ["infer_signature", "validate"]
