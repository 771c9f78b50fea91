"""Editing params files for ``-S`` overrides without disturbing anything else in them.

A checkpoint diff of an overridden params file must show the overridden values and nothing
more: comments, blank lines, key order, quoting and number spellings (``0.20`` stays
``0.20``) are kept. YAML is edited with ruamel.yaml's round-trip mode and TOML with
tomlkit, the maintained style-preserving editors of each format; JSON has no comments, so
the value's text is replaced in place (a new key rewrites the file with its indentation).
These libraries are imported only when a run has overrides.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError

if TYPE_CHECKING:
    from gitml.records.codec import Doc

KeyPath = tuple[str, ...]
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def set_path(doc: Doc, key: str, value: Any, *, create: bool) -> KeyPath | None:
    """Set dotted ``key`` in nested ``doc`` (a literal dotted key wins); the keys used.

    ``None`` when the key is absent and ``create`` is false, or a value on the way is not a
    table.
    """
    if key in doc and not isinstance(doc[key], dict):
        doc[key] = convert(doc[key], value)
        return (key,)
    parts = key.split(".")
    for i in range(1, len(parts)):
        head, rest = ".".join(parts[:i]), ".".join(parts[i:])
        sub = doc.get(head)
        if isinstance(sub, dict):
            found = set_path(sub, rest, value, create=False)
            if found is not None:
                return (head, *found)
    if not create:
        return None
    node = doc
    for part in parts[:-1]:
        if part not in node:
            node[part] = {}
        child = node[part]
        if not isinstance(child, dict):
            return None
        node = child
    node[parts[-1]] = value
    return tuple(parts)


def convert(old: Any, new: Any) -> Any:
    """``new`` in the style of the value it replaces (a YAML flow list stays a flow list)."""
    fa = getattr(old, "fa", None)
    if isinstance(new, list) and fa is not None and fa.flow_style():
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq(new)
        seq.fa.set_flow_style()
        return seq
    return new


def edit_text(text: str, rel: str, changes: Sequence[tuple[str, Any, bool]]) -> str:
    """``text`` of params file ``rel`` with every ``(key, value, create)`` change applied."""
    if rel.endswith((".yaml", ".yml")):
        return _edit_yaml(text, changes)
    if rel.endswith(".toml"):
        return _edit_toml(text, changes)
    return _edit_json(text, changes)


def _yaml() -> Any:
    """A round-trip YAML that writes floats PyYAML reads back as floats (``1.0e-05``)."""
    try:
        from ruamel.yaml import YAML
        from ruamel.yaml.representer import RoundTripRepresenter
    except ImportError:
        raise GitmlError(
            "-S on a YAML params file needs ruamel.yaml (it keeps the file's comments and "
            "layout); install it with `pip install 'gitml[yaml]'`"
        ) from None

    class Representer(RoundTripRepresenter):
        pass

    def float_text(rep: Any, value: float) -> Any:
        text = repr(value)
        if "e" in text and "." not in text:
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0e{exponent}"
        return rep.represent_scalar("tag:yaml.org,2002:float", text)

    Representer.add_representer(float, float_text)
    yaml = YAML()
    yaml.Representer = Representer
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def _edit_yaml(text: str, changes: Sequence[tuple[str, Any, bool]]) -> str:
    yaml = _yaml()
    doc = yaml.load(text)
    if doc is None:
        from ruamel.yaml.comments import CommentedMap

        doc = CommentedMap()
    _apply(doc, changes)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _edit_toml(text: str, changes: Sequence[tuple[str, Any, bool]]) -> str:
    import tomlkit

    doc = tomlkit.parse(text)
    _apply(doc, changes)
    return tomlkit.dumps(doc)


def _apply(doc: Doc, changes: Sequence[tuple[str, Any, bool]]) -> None:
    for key, value, create in changes:
        if set_path(doc, key, value, create=create) is None:
            raise GitmlError(f"-S {key}: cannot set it (a value on the way is not a table)")


def _edit_json(text: str, changes: Sequence[tuple[str, Any, bool]]) -> str:
    doc = json.loads(text) if text.strip() else {}
    for key, value, create in changes:
        path = set_path(doc, key, value, create=create)
        if path is None:
            raise GitmlError(f"-S {key}: cannot set it (a value on the way is not a table)")
        span = _json_span(text, path)
        if span is None:
            return json.dumps(doc, indent=_json_indent(text)) + "\n"
        start, end = span
        text = text[:start] + json.dumps(value) + text[end:]
    return text


def _json_indent(text: str) -> int | str | None:
    match = re.search(r"\n([ \t]+)\S", text)
    if match is None:
        return 2 if "\n" in text.strip() else None
    indent = match.group(1)
    return indent if "\t" in indent else len(indent)


def _skip(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


def _json_span(text: str, path: KeyPath) -> tuple[int, int] | None:
    """Where the value at ``path`` is written in JSON ``text`` (the last duplicate wins,
    as in ``json.loads``); ``None`` when it is not there."""
    decoder = json.JSONDecoder()
    pos = 0
    found: tuple[int, int] | None = None
    for depth, wanted in enumerate(path):
        pos = _skip(text, pos)
        if text[pos : pos + 1] != "{":
            return None
        pos += 1
        found = None
        while True:
            pos = _skip(text, pos)
            if text[pos : pos + 1] in ("}", ""):
                break
            name, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            _value, end = decoder.raw_decode(text, pos)
            if name == wanted:
                found = (pos, end)
            pos = _skip(text, end)
            if text[pos : pos + 1] == ",":
                pos += 1
        if found is None:
            return None
        if depth < len(path) - 1:
            pos = found[0]
    return found
