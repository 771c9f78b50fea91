from __future__ import annotations

from pathlib import Path

import pytest

from gitml.atomic import write_atomic


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.toml"
    write_atomic(target, "one\n")
    write_atomic(target, b"two\n", mode=0o755)
    assert target.read_bytes() == b"two\n"
    assert target.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.toml"]


def test_write_atomic_keeps_the_old_content_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "b.toml"
    target.write_text("old\n")
    with pytest.raises(TypeError):
        write_atomic(target, 3)  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml"]
