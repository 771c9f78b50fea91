"""How the current environment differs from the one a run recorded.

Compared: Python (version, implementation, interpreter: two names of one file are the
same interpreter), platform, machine, CPU, GPUs,
gitml's version, allow-listed variables, and the installed packages (by digest; when the
digests differ, the two lists are compared name by name). Differences are reported and
stored with the rerun; they do not change its verdict, which the metrics decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

FIELDS = ("python", "implementation", "executable", "platform", "machine", "cpu", "cpus", "gitml")


@dataclass(frozen=True)
class EnvChange:
    """One field whose value differs (``None``: not recorded / not present now)."""

    field: str
    recorded: str | None
    current: str | None

    def as_dict(self) -> JsonObject:
        return asdict(self)


@dataclass(frozen=True)
class PackageDiff:
    """Installed packages: added and removed (``name==version``), and version changes."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[tuple[str, str, str], ...] = ()  # (name, recorded, current)
    known: bool = True  # False when the recorded list is not available

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or not self.known)

    def as_dict(self) -> JsonObject:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"name": n, "recorded": a, "current": b} for n, a, b in self.changed],
            "list_available": self.known,
        }

    def summary(self) -> str:
        if not self.known:
            return "the installed packages differ (the recorded list is not available)"
        parts = [f"{n} {a} -> {b}" for n, a, b in self.changed]
        parts += [f"+{p}" for p in self.added]
        parts += [f"-{p}" for p in self.removed]
        return ", ".join(parts)


@dataclass(frozen=True)
class EnvDiff:
    changes: tuple[EnvChange, ...] = ()
    packages: PackageDiff = field(default_factory=PackageDiff)

    @property
    def fields(self) -> list[str]:
        """Names of the fields that differ (``packages`` included)."""
        names = [c.field for c in self.changes]
        return [*names, "packages"] if self.packages else names

    def __bool__(self) -> bool:
        return bool(self.changes or self.packages)

    def as_dict(self) -> JsonObject:
        return {
            "same": not self,
            "changes": [c.as_dict() for c in self.changes],
            "packages": self.packages.as_dict(),
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or None
    return str(value)


def _same_file(a: str | None, b: str | None) -> bool:
    """Two interpreter paths naming one file (``bin/python`` and ``bin/python3``)."""
    if a is None or b is None:
        return False
    from pathlib import Path

    try:
        return Path(a).samefile(b)
    except OSError:
        return False


def parse_packages(lines: Sequence[str]) -> dict[str, str]:
    """``name==version`` lines to ``{name: version}``."""
    out: dict[str, str] = {}
    for line in lines:
        name, sep, version = line.strip().partition("==")
        if sep and name:
            out[name] = version
    return out


def diff_packages(recorded: Sequence[str], current: Sequence[str]) -> PackageDiff:
    old, new = parse_packages(recorded), parse_packages(current)
    return PackageDiff(
        added=tuple(f"{n}=={new[n]}" for n in sorted(set(new) - set(old))),
        removed=tuple(f"{n}=={old[n]}" for n in sorted(set(old) - set(new))),
        changed=tuple((n, old[n], new[n]) for n in sorted(set(old) & set(new)) if old[n] != new[n]),
    )


def compare_env(
    recorded: Mapping[str, Any],
    current: Mapping[str, Any],
    recorded_packages: Sequence[str] | None,
    current_packages: Sequence[str],
) -> EnvDiff:
    """The differences between two ``env`` tables (and their package lists).

    ``recorded_packages`` is None when the recorded list cannot be read.
    """
    changes = []
    for name in (*FIELDS, "gpus"):
        a, b = _text(recorded.get(name)), _text(current.get(name))
        if a != b and not (name == "executable" and _same_file(a, b)):
            changes.append(EnvChange(name, a, b))
    old_vars = recorded.get("vars") or {}
    new_vars = current.get("vars") or {}
    for name in sorted(set(old_vars) | set(new_vars)):
        a, b = _text(old_vars.get(name)), _text(new_vars.get(name))
        if a != b:
            changes.append(EnvChange(f"vars.{name}", a, b))
    old_digest = (recorded.get("packages") or {}).get("digest")
    new_digest = (current.get("packages") or {}).get("digest")
    packages = PackageDiff()
    if old_digest != new_digest:
        if recorded_packages:
            packages = diff_packages(recorded_packages, current_packages)
        else:
            packages = PackageDiff(known=False)
    return EnvDiff(tuple(changes), packages)
