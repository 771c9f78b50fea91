"""Settings: defaults, validation errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.config import SETTINGS_CACHE, Settings, load_settings, save_config_doc
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


# The settings cache of ``git ml run`` (``load_settings(..., cache_dir=...)``).
CANONICAL = (
    'schema = "gitml/config/1"\n\n[core]\ndefault_branch = "trunk"\n\n'
    "[runs]\ncheckpoint_max_file_mb = 3\n"
)


def cached(tmp_path: Path, text: str) -> tuple[Settings, Path]:
    """The settings read twice through the cache (the second read uses it), and its folder."""
    write(tmp_path, text)
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    first = load_settings(tmp_path, cache_dir=state)
    assert load_settings(tmp_path, cache_dir=state) == first
    return first, state


def test_a_canonical_config_is_cached_and_read_back_the_same(tmp_path: Path) -> None:
    settings, state = cached(tmp_path, CANONICAL)
    assert settings == load_settings(tmp_path)
    assert settings.default_branch == "trunk"
    assert settings.checkpoint_max_file_mb == 3.0
    assert (state / SETTINGS_CACHE).is_file()


def test_a_changed_config_is_read_again(tmp_path: Path) -> None:
    _, state = cached(tmp_path, CANONICAL)
    write(tmp_path, CANONICAL.replace('"trunk"', '"main"'))
    assert load_settings(tmp_path, cache_dir=state).default_branch == "main"
    write(tmp_path, CANONICAL.replace("[runs]", "[runs\n"))
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path, cache_dir=state)


@pytest.mark.parametrize(
    "forged",
    [
        b"not json",
        b"[]",
        b'{"schema": "gitml/config-cache/0", "doc": {}}',
        # another document: what the file says wins
        b'{"schema": "gitml/config-cache/1", "doc": {"schema": "gitml/config/1",'
        b' "core": {"default_branch": "evil"}, "runs": {"checkpoint_max_file_mb": 3}}}',
        # the same text once written, but values the file does not hold
        b'{"schema": "gitml/config-cache/1", "doc": {"schema": "gitml/config/1",'
        b' "core": {"default_branch": "trunk", "gc_every": null},'
        b' "runs": {"checkpoint_max_file_mb": 3}}}',
        b'{"schema": "gitml/config-cache/1", "doc": {"schema": "gitml/config/1",'
        b' "core": {"default_branch": "trunk"}, "runs": {"checkpoint_max_file_mb": 3.0}}}',
        b'{"schema": "gitml/config-cache/1", "doc": {"schema": "gitml/config/1",'
        b' "core": {"default_branch": "trunk"}, "runs": {"checkpoint_max_file_mb": "3"}}}',
        b'{"schema": "gitml/config-cache/1", "doc": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
    ],
)
def test_a_forged_or_stale_cache_changes_nothing(tmp_path: Path, forged: bytes) -> None:
    settings, state = cached(tmp_path, CANONICAL)
    (state / SETTINGS_CACHE).write_bytes(forged)
    assert load_settings(tmp_path, cache_dir=state) == settings
    assert load_settings(tmp_path, cache_dir=state).raw == settings.raw


def test_a_hand_written_config_is_parsed_each_time(tmp_path: Path) -> None:
    text = 'schema = "gitml/config/1"\ncore = { default_branch = "trunk" }\n'
    settings, state = cached(tmp_path, text)
    assert settings.default_branch == "trunk"
    assert not (state / SETTINGS_CACHE).exists()


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    write(tmp_path, CANONICAL)
    state = tmp_path / "state"
    state.write_text("a file where the folder would be\n")
    assert load_settings(tmp_path, cache_dir=state).default_branch == "trunk"
