"""Hook shims: identity marker, chaining and removal."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.errors import GitmlError
from gitml.hooks import MARKER, install_hooks, uninstall_hooks


def test_install_creates_executable_shims(tmp_path: Path) -> None:
    results = install_hooks(tmp_path)
    assert {r.name: r.action for r in results} == {
        "pre-commit": "installed",
        "pre-push": "installed",
        "post-rewrite": "installed",
    }
    for result in results:
        path = tmp_path / result.name
        assert MARKER in path.read_text()
        assert path.stat().st_mode & 0o111


def test_uninstall_restores_chained_hook(tmp_path: Path) -> None:
    (tmp_path / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    install_hooks(tmp_path)
    assert (tmp_path / "pre-push.legacy").exists()
    results = {r.name: r.action for r in uninstall_hooks(tmp_path)}
    assert results["pre-push"] == "removed"
    assert (tmp_path / "pre-push").read_text() == "#!/bin/sh\nexit 0\n"
    assert not (tmp_path / "pre-push.legacy").exists()


def test_install_refuses_when_foreign_and_legacy_both_exist(tmp_path: Path) -> None:
    (tmp_path / "pre-commit").write_text("#!/bin/sh\n")
    (tmp_path / "pre-commit.legacy").write_text("#!/bin/sh\n")
    with pytest.raises(GitmlError, match="merge them by hand"):
        install_hooks(tmp_path, ("pre-commit",))
