"""HTML shells of the app's pages and its error pages.

A shell holds no record data but what its ``data-*`` attributes carry (escaped); the
script ``/static/app.js`` fills ``<main>`` from the JSON API with text nodes.
"""

from __future__ import annotations

from html import escape

NAV = (
    ("runs", "/", "Runs"),
    ("compare", "/compare", "Compare"),
    ("pipeline", "/pipeline", "Pipeline"),
    ("data", "/data", "Data"),
    ("registry", "/registry", "Registry"),
    ("monitor", "/monitor", "Monitoring"),
)


def _nav(active: str) -> str:
    links = []
    for key, href, label in NAV:
        current = ' aria-current="page"' if key == active else ""
        links.append(f'<a href="{href}"{current}>{label}</a>')
    return (
        '<header class="top"><a class="brand" href="/">gitml</a>'
        f'<nav>{"".join(links)}</nav><span id="repo-name" class="repo"></span></header>'
    )


def _head(title: str, *, scripts: bool = True) -> str:
    script = (
        '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>'
        '<script src="/static/app.js" defer></script>'
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)} · gitml</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">'
        '<link rel="stylesheet" href="/static/app.css">'
        f"{script if scripts else ''}</head>"
    )


def shell(page: str, title: str, nav: str | None = None, **data: str) -> str:
    """The page ``page`` (``runs``, ``run``, ``compare`` ...) with ``data-*`` attributes."""
    attrs = "".join(
        f' data-{k.replace("_", "-")}="{escape(v, quote=True)}"' for k, v in data.items()
    )
    return (
        f"{_head(title)}"
        f'<body data-page="{escape(page, quote=True)}"{attrs}>{_nav(nav or page)}'
        '<main id="main"><p class="loading">Loading…</p>'
        "<noscript><p>This page needs JavaScript; the same data is at "
        '<a href="/api/openapi.json">the JSON API</a>.</p></noscript></main></body></html>\n'
    )


def error_page(status: int, message: str) -> str:
    """A plain error page (no script), the message shown as text."""
    titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}
    title = titles.get(status, "Error")
    return (
        f"{_head(title, scripts=False)}"
        f'<body data-page="error">{_nav("")}<main id="main" class="error">'
        f'<h1>{status} {escape(title)}</h1><p class="message">{escape(message)}</p>'
        '<p><a href="/">Back to the runs</a></p></main></body></html>\n'
    )
