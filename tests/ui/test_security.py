"""Record strings never become markup: escaped JSON, escaped pages, escaped reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from gitml.ui.http import dump_json
from tests.support.core import cli
from tests.support.ui import XSS, XSS_KEY, Served

RAW = (b"<script>alert", b"<img src=x", b"</script><")


def test_embedded_json_escapes_html_characters() -> None:
    text = dump_json({"a</script><script>": "<b>&amp;</b>", "n": float("nan"), "line": "\u2028"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == {
        "a</script><script>": "<b>&amp;</b>",
        "n": None,
        "line": "\u2028",
    }


def test_api_answers_never_carry_raw_markup(served_xss: Served) -> None:
    run_id = served_xss.json("/api/runs?limit=1")["rows"][0]["id"]
    paths = [
        "/api/runs",
        "/api/runs/columns",
        f"/api/runs/{run_id}",
        f"/api/runs/{run_id}/diff",
        f"/api/compare?runs={run_id}",
        "/api/runs?where=" + quote(f"params.title = '{XSS}'"),
        "/api/runs?columns=" + quote("params.`<img src=x onerror=alert(2)>`"),
    ]
    for path in paths:
        status, _headers, body = served_xss.get(path)
        assert status == 200, path
        for marker in RAW:
            assert marker not in body, (path, marker)
    page = served_xss.json("/api/runs?where=" + quote(f"params.title = '{XSS}'"))
    assert page["total"] == 1
    detail = served_xss.json(f"/api/runs/{run_id}")
    assert detail["run"]["params"] == {"depth": 3, "lr": 0.1, "title": XSS, XSS_KEY: 1}
    assert detail["run"]["message"] == XSS


def test_pages_and_error_pages_escape_what_the_url_says(served_xss: Served) -> None:
    for path in (
        "/runs/" + quote(XSS, safe=""),
        "/data/" + quote(XSS, safe=""),
        "/registry/" + quote(XSS_KEY, safe=""),
        "/" + quote(XSS, safe=""),
        "/api/runs/" + quote(XSS, safe=""),
    ):
        status, _headers, body = served_xss.get(path)
        assert status in (400, 404), path
        for marker in RAW:
            assert marker not in body, (path, marker)
    body = served_xss.get("/runs/" + quote(XSS, safe=""))[2]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_run_name_cannot_carry_markup(in_repo: Path) -> None:
    import gitml
    from gitml.errors import GitmlError

    with pytest.raises(GitmlError, match="run name"), gitml.start_run(name=XSS):
        pass


def test_report_keeps_record_strings_out_of_markup(
    xss_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(xss_repo)
    target = tmp_path / "report.html"
    result = cli("report", "xss-run", "-o", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_bytes()
    for marker in RAW[:2]:
        assert marker not in html, marker
    assert html.count(b"<script") == 3  # the JSON block, uPlot and the app
    data = re.search(rb'<script type="application/json" id="gitml-report">(.*?)</script>', html)
    assert data is not None
    assert b"<" not in data.group(1)
    assert b">" not in data.group(1)
    payload = json.loads(data.group(1))
    assert payload["details"][0]["run"]["message"] == XSS


def test_app_script_never_uses_html_sinks() -> None:
    from gitml.ui.assets import static_bytes

    script = static_bytes("app.js").decode()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert sink not in script, sink
