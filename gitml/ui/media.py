"""The media a run logged (figures, images, tables, text, dicts), served and embedded.

A media entry of a run record names a cached file by digest. The app fetches it by the
entry's index (``/api/runs/{run}/media/{index}``); ``git ml report`` embeds it. The bytes
are never trusted to say what they are: an image is served (or embedded as a ``data:``
URI) only when its first bytes are PNG, JPEG, GIF or WebP, and then with that type;
everything else is text (``text/plain``, shown through ``textContent``) or, for an
unknown binary, a download.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.runs.store import get_run
from gitml.ui.http import HttpError, Response

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

MAX_BYTES = 25 << 20
MAX_EMBEDDED = 2 << 20  # per file in a report
MAX_REPORT_MEDIA = 24 << 20  # all media of one report
TEXT = "text/plain; charset=utf-8"
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
TEXT_KINDS = ("table", "text", "dict", "plot")


def image_type(data: bytes) -> str | None:
    """The image type the bytes are (PNG, JPEG, GIF, WebP), or ``None``."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _entry(doc: Mapping[str, Any], index: int) -> Mapping[str, Any]:
    entries = doc.get("media") or []
    if not 0 <= index < len(entries):
        raise HttpError(404, f"run {doc['id']} has no media #{index}")
    entry: Mapping[str, Any] = entries[index]
    return entry


def _bytes(repo: GitRepo, doc: Mapping[str, Any], entry: Mapping[str, Any], limit: int) -> bytes:
    cache = open_cache(repo.state_dir, durable=False)
    try:
        digest = str(parse_digest(str(entry.get("digest", ""))))
    except GitmlError:
        raise HttpError(404, f"media {entry.get('name')!r}: not a content digest") from None
    if not cache.has(digest):
        raise HttpError(
            404,
            f"media {entry.get('name')!r} of run {doc['id']} is not in this clone's content "
            "cache; `git ml data pull --all` fetches recorded outputs",
        )
    path = cache.path_of(digest)
    if path.stat().st_size > limit:
        raise HttpError(413, f"media {entry.get('name')!r} is over {limit >> 20} MiB")
    return path.read_bytes()


def media_response(repo: GitRepo, ref: str, index_text: str) -> Response:
    """The file of a run's media entry, with a type decided from its bytes."""

    if not index_text.isdigit():
        raise HttpError(404, f"media index {index_text!r} is not a number")
    doc = get_run(repo, ref)
    entry = _entry(doc, int(index_text))
    data = _bytes(repo, doc, entry, MAX_BYTES)
    kind = image_type(data)
    headers = {"Cache-Control": "no-cache"}
    if kind is not None:
        return Response(status=200, body=data, content_type=kind, headers=headers)
    if entry.get("kind") in TEXT_KINDS or entry.get("format") == "plotly" or _is_text(data):
        return Response(status=200, body=data, content_type=TEXT, headers=headers)
    headers["Content-Disposition"] = "attachment"
    return Response(status=200, body=data, content_type="application/octet-stream", headers=headers)


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def embedded(repo: GitRepo, doc: Mapping[str, Any], budget: list[int]) -> list[JsonObject]:
    """The run's media entries, each with ``data`` (a ``data:`` URI for an image, else its
    text) while the report's ``budget`` (bytes left, shared) lasts; ``skipped`` says why not."""
    out = []
    for index, entry in enumerate(doc.get("media") or []):
        item = dict(entry, index=index)
        try:
            data = _bytes(repo, doc, entry, MAX_EMBEDDED)
        except HttpError as exc:
            item["skipped"] = exc.message
            out.append(item)
            continue
        if len(data) > budget[0]:
            item["skipped"] = "the report's media budget is spent"
        else:
            budget[0] -= len(data)
            kind = image_type(data)
            if kind is not None:
                item["data"] = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
            elif _is_text(data):
                item["data"] = data.decode("utf-8")
            else:
                item["skipped"] = "binary file (download it from the app)"
        out.append(item)
    return out
