"""Read one section of params.yaml with the standard library (flat "key: value" lines)."""

from pathlib import Path


def _value(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def load(section: str) -> dict[str, object]:
    found: dict[str, object] = {}
    current = None
    for raw in Path("params.yaml").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith(" "):
            current = raw.rstrip(":").strip()
            continue
        key, _, value = raw.strip().partition(":")
        if current == section:
            found[key.strip()] = _value(value.strip())
    return found
