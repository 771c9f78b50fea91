"""Project settings for registry commands, checked with the fast schema validator.

Same result and messages as ``gitml.config.load_settings``, without importing jsonschema
(about 40 ms, a third of a registry command's budget). Once ``gitml.config`` validates
with the fast validator itself, this module can go.
"""

from __future__ import annotations

from pathlib import Path

from gitml.config import CONFIG_FILE, Settings, settings_from_doc
from gitml.errors import ConfigError, InvalidRecord
from gitml.records import codec
from gitml.runs.fastschema import find_errors


def load_settings(workdir: Path) -> Settings:
    path = workdir / CONFIG_FILE
    if not path.is_file():
        return Settings()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}") from None
    try:
        doc = codec.loads(text, where=CONFIG_FILE)
    except InvalidRecord as exc:
        raise ConfigError(str(exc)) from None
    errors = find_errors(doc, "config")
    if errors:
        raise ConfigError(f"{CONFIG_FILE}: {errors[0]}")
    return settings_from_doc(doc)
