"""HTTP behaviour: read-only methods, security headers, static allowlist, the route table."""

from __future__ import annotations

import http.client
import json
from importlib import resources
from urllib.parse import urlsplit

import pytest

from gitml.ui.app import build_router
from gitml.ui.assets import SCRIPT_PARTS, STATIC_FILES, static_bytes
from tests.support.ui import Served

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def raw(
    served: Served, method: str, path: str, body: bytes | None = None
) -> http.client.HTTPResponse:
    """A request exactly as given (no client-side normalisation of the path)."""
    where = urlsplit(served.url)
    conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    conn.request(method, path, body=body)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_every_method_but_get_and_head_is_405(served: Served, method: str) -> None:
    for path in ("/api/runs", "/", "/static/app.js"):
        response = raw(served, method, path, body=b"x=1")
        assert response.status == 405, (method, path)
        assert response.getheader("Allow") == "GET, HEAD"


def test_head_answers_headers_without_a_body(served: Served) -> None:
    get = served.get("/api/runs")
    status, headers, body = served.get("/api/runs", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(get[2]))


@pytest.mark.parametrize(
    "path",
    ["/", "/api/runs", "/static/app.js", "/runs/nope", "/api/runs/nope", "/api/runs?where=("],
)
def test_security_headers_on_every_kind_of_response(served: Served, path: str) -> None:
    _status, headers, _body = served.get(path)
    for key, value in EXPECTED_HEADERS.items():
        assert headers[key] == value
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "path",
    [
        "/static/../gitml/ui/app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2f..%2fpyproject.toml",
        "/static/vendor/uplot/../../app.py",
        "/static/app.py",
        "/static/",
        "//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/runs/..%2f..%2fetc%2fpasswd",
        "/api/runs/%2e%2e%2f%2e%2e",
        "/api/runs/a%00b",
    ],
)
def test_paths_outside_the_allowlist_are_404(served: Served, path: str) -> None:
    response = raw(served, "GET", path)
    assert response.status in (400, 404)


def test_static_files_are_served_with_their_types(served: Served) -> None:
    for url, (name, content_type) in STATIC_FILES.items():
        status, headers, body = served.get(url)
        assert status == 200, url
        assert headers["Content-Type"] == content_type
        assert body == static_bytes(name)


def test_vendored_files_keep_their_licence() -> None:
    licence = resources.files("gitml.ui").joinpath("static/vendor/uplot/LICENSE").read_text()
    assert "MIT License" in licence
    assert "Leon Sorokin" in licence
    script = resources.files("gitml.ui").joinpath("static/vendor/uplot/uPlot.iife.min.js")
    assert script.read_text().startswith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */")


def test_overlong_urls_are_refused(served: Served) -> None:
    status, _h, body = served.get("/api/runs?where=" + "x" * 9000)
    assert status == 414
    assert json.loads(body)["error"]["message"] == "the URL is too long"


def test_every_json_route_is_documented_in_openapi() -> None:
    doc = json.loads(resources.files("gitml.ui").joinpath("openapi.json").read_text())
    assert doc["openapi"] == "3.1.0"
    routes = {r.template for r in build_router() if r.kind == "api"}
    assert routes == set(doc["paths"])
    for path, item in doc["paths"].items():
        assert set(item) == {"get"}, path
        assert "200" in item["get"]["responses"], path
        names = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
        assert names == set(path.replace("}", "{").split("{")[1::2]), path


def test_openapi_is_served(served: Served) -> None:
    doc = served.json("/api/openapi.json")
    assert "/api/runs" in doc["paths"]
    params = {p["name"] for p in doc["paths"]["/api/runs"]["get"]["parameters"]}
    assert params == {"where", "sort", "columns", "offset", "limit", "branch"}


def test_openapi_references_resolve() -> None:
    text = resources.files("gitml.ui").joinpath("openapi.json").read_text()
    doc = json.loads(text)
    import re

    refs = set(re.findall(r'"\$ref": "#/([^"]+)"', text))
    assert refs  # the document does use references: the walk below checks something
    for ref in refs:
        node = doc
        for part in ref.split("/"):
            node = node[part]
        assert isinstance(node, dict), ref


def test_app_script_is_its_parts_in_one_strict_scope() -> None:
    script = static_bytes("app.js").decode()
    assert script.count('"use strict";') == 1
    assert script.rstrip().endswith("})();")
    folder = resources.files("gitml.ui").joinpath("static", "js")
    assert sorted(SCRIPT_PARTS) == sorted(
        p.name for p in folder.iterdir() if p.name.endswith(".js")
    )
    positions = [script.index(folder.joinpath(part).read_text()) for part in SCRIPT_PARTS]
    assert positions == sorted(positions)


def test_requests_for_another_host_name_are_refused(served: Served) -> None:
    where = urlsplit(served.url)
    for host in ("evil.example", f"evil.example:{where.port}", "127.0.0.1.nip.io"):
        conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        conn.request("GET", "/api/runs", headers={"Host": host})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status == 403, host
        assert "unexpected Host header" in json.loads(body)["error"]["message"]
    for host in (f"localhost:{where.port}", f"127.0.0.1:{where.port}"):
        conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        conn.request("GET", "/api/runs", headers={"Host": host})
        assert conn.getresponse().status == 200
        conn.close()
