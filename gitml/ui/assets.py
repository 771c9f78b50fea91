"""Front-end files packaged with gitml: a fixed allowlist, read once per process.

``app.js`` is assembled from ``static/js/*.js`` (in ``SCRIPT_PARTS`` order) inside one
strict-mode function scope, so the parts stay small and share helpers without globals;
the server and ``git ml report`` use the same bytes.
"""

from __future__ import annotations

import functools
from importlib import resources

SCRIPT_PARTS = (
    "core.js",
    "charts.js",
    "media.js",
    "runs.js",
    "compare.js",
    "data.js",
    "registry.js",
    "monitor.js",
    "pipelines.js",
    "main.js",
)

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"

# URL -> (file under gitml/ui/static, content type). Nothing else is ever read from disk.
STATIC_FILES = {
    "/static/app.js": ("app.js", JS),
    "/static/app.css": ("app.css", CSS),
    "/static/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/static/vendor/uplot/uPlot.iife.min.js": ("vendor/uplot/uPlot.iife.min.js", JS),
    "/static/vendor/uplot/uPlot.min.css": ("vendor/uplot/uPlot.min.css", CSS),
    "/static/vendor/uplot/LICENSE": ("vendor/uplot/LICENSE", "text/plain; charset=utf-8"),
}

_HEADER = (
    "/* gitml ui (assembled from gitml/ui/static/js/). Record data never reaches an HTML\n"
    " * parser: every string goes through createTextNode, textContent or setAttribute. */\n"
    '(function () {\n"use strict";\n'
)


def _read(name: str) -> bytes:
    return resources.files("gitml.ui").joinpath("static", *name.split("/")).read_bytes()


@functools.cache
def static_bytes(name: str) -> bytes:
    """A packaged front-end file by its name under ``static/`` (``app.js`` is assembled)."""
    if name == "app.js":
        parts = [_read(f"js/{part}").decode("utf-8") for part in SCRIPT_PARTS]
        return (_HEADER + "\n".join(parts) + "})();\n").encode("utf-8")
    return _read(name)


@functools.cache
def openapi_bytes() -> bytes:
    return resources.files("gitml.ui").joinpath("openapi.json").read_bytes()
