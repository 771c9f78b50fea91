"""Settings: defaults, validation errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.config import Settings, load_settings, save_config_doc
from gitml.errors import ConfigError


def write(root: Path, text: str) -> None:
    (root / ".gitml").mkdir(exist_ok=True)
    (root / ".gitml" / "config.toml").write_text(text)


def test_defaults_without_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, 'schema = "gitml/config/1"\n[core\n')
    with pytest.raises(ConfigError, match=r"^\.gitml/config\.toml: invalid TOML: .*line 2"):
        load_settings(tmp_path)


def test_unknown_field_is_named(tmp_path: Path) -> None:
    write(tmp_path, 'schema = "gitml/config/1"\n[runs]\nparam_files = ["p.yaml"]\n')
    with pytest.raises(ConfigError, match=r"runs\.param_files: is not a known field"):
        load_settings(tmp_path)


def test_repeated_stage_is_rejected(tmp_path: Path) -> None:
    write(
        tmp_path,
        'schema = "gitml/config/1"\n[stages]\norder = ["dev", "prod"]\nterminal = ["prod"]\n',
    )
    with pytest.raises(ConfigError, match="repeated: prod"):
        load_settings(tmp_path)


def test_remotes_and_default(tmp_path: Path) -> None:
    doc = {
        "schema": "gitml/config/1",
        "data": {
            "default_remote": "a",
            "remotes": {"a": {"url": "/x"}, "b": {"url": "s3://b/p", "region": "eu"}},
        },
    }
    save_config_doc(tmp_path, doc)
    settings = load_settings(tmp_path)
    assert settings.remote(None).url == "/x"
    assert settings.remote("b").options == {"region": "eu"}
    with pytest.raises(ConfigError, match="no data remote named 'c'"):
        settings.remote("c")


def test_default_remote_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default_remote"):
        save_config_doc(tmp_path, {"schema": "gitml/config/1", "data": {"default_remote": "zz"}})
    assert not (tmp_path / ".gitml" / "config.toml").exists()


def test_every_configured_size_limit_is_in_mib(tmp_path: Path) -> None:
    write(
        tmp_path,
        'schema = "gitml/config/1"\n[runs]\ncheckpoint_max_file_mb = 1.5\n'
        "[check]\nmax_git_file_mb = 2\n",
    )
    settings = load_settings(tmp_path)
    assert settings.checkpoint_max_file_bytes == 1_572_864
    assert settings.max_git_file_bytes == 2_097_152
