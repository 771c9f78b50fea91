"""Installing git hook shims that chain, instead of clobbering, a user's own hooks."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from gitml.atomic import write_atomic
from gitml.errors import GitmlError
from gitml.resources import resource_dir

MARKER = "gitml-hook-shim"
HOOKS = ("pre-commit", "pre-push", "post-rewrite")


@dataclass(frozen=True)
class HookResult:
    name: str
    action: str  # "installed" | "updated" | "chained" | "removed" | "absent"


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text("utf-8", errors="replace")
    except OSError:
        return False


def shim_text() -> str:
    template = resource_dir("hooks") / "git-hook-shim.sh"
    return template.read_text("utf-8").replace("@PYTHON@", sys.executable)


def install_hooks(hooks_dir: Path, names: tuple[str, ...] = HOOKS) -> list[HookResult]:
    """Install shims; a foreign hook is renamed ``NAME.legacy`` and run first."""
    hooks_dir.mkdir(parents=True, exist_ok=True)
    text = shim_text()
    results = []
    for name in names:
        path = hooks_dir / name
        action = "installed"
        if path.exists() or path.is_symlink():
            if _is_ours(path):
                action = "updated"
            else:
                legacy = hooks_dir / f"{name}.legacy"
                if legacy.exists():
                    raise GitmlError(
                        f"{path}: a foreign hook and {legacy.name} both exist; merge them by "
                        "hand, then run `git ml init --hooks` again"
                    )
                path.rename(legacy)
                action = "chained"
        write_atomic(path, text, mode=0o755)
        results.append(HookResult(name, action))
    return results


def uninstall_hooks(hooks_dir: Path, names: tuple[str, ...] = HOOKS) -> list[HookResult]:
    """Remove our shims and put chained hooks back."""
    results = []
    for name in names:
        path = hooks_dir / name
        if not _is_ours(path):
            results.append(HookResult(name, "absent"))
            continue
        path.unlink()
        legacy = hooks_dir / f"{name}.legacy"
        if legacy.exists():
            legacy.rename(path)
        results.append(HookResult(name, "removed"))
    return results
