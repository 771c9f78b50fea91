"""Text from records is escaped for where it is shown: terminals, Markdown, HTML, trailers.

Records travel between clones, so a metric name, a param, a description or a message is
attacker-controlled text; it must not add a heading or a ticked box to a pull-request
body, inject HTML into a report, or drive the reader's terminal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.registry import MODEL_FILE, init_project, land, ok, record_run

FAKE_CHECK = "## ✅ gitml check passed"
FAKE_BOX = "- [x] approved by security"
IMG = '<img src="https://evil.example/p.png">'
SCRIPT = "<script>alert(1)</script>"
EVIL_METRIC = f"acc\n{FAKE_CHECK}\n{FAKE_BOX}\n{IMG}"
OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"


@pytest.fixture
def evil(in_repo: Path) -> Path:
    """churn 1.0.0 from a run whose names, params, description and message are hostile."""
    repo = init_project(in_repo)
    run = record_run(
        repo,
        metrics={"acc": 0.9, EVIL_METRIC: 1.0},
        params={f"lr\n{FAKE_BOX}": 0.1, "note": f"{IMG}{SCRIPT}{OSC_TITLE}{CLEAR}"},
        message=f"tuned{OSC_TITLE}{CLEAR}\n{FAKE_CHECK}",
        command=["python", f"train.py{CLEAR}"],
        model_bytes=b"model\n",
        name="evil",
    )
    ok(
        "model",
        "register",
        "churn",
        "--run",
        run,
        "--version",
        "1.0.0",
        "--artifact",
        MODEL_FILE,
        "--description",
        f"{SCRIPT}\n{FAKE_CHECK}",
    )
    return repo


def _no_injection(text: str) -> None:
    """No heading, ticked box or HTML came from record text (code spans are inert)."""
    lines = text.splitlines()
    headings = [line for line in lines if line.lstrip().startswith("#")]
    assert not any(FAKE_CHECK in line for line in headings[1:]), text
    assert not any(line.lstrip().startswith("- [x]") for line in lines), text
    prose = re.sub(r"(`+)(.+?)\1", "", text)
    assert "<img" not in prose, text
    assert "<script" not in prose, text


def test_pr_body_escapes_names_values_and_descriptions(evil: Path) -> None:
    result = cli("promote", "churn", "1.0.0", "staging", "--branch")
    assert result.exit_code == 0, result.stderr
    _no_injection(result.stdout)
    assert "&lt;img" in result.stdout


def test_check_markdown_report_escapes_record_text(evil: Path) -> None:
    (evil / ".gitml" / "policy.toml").write_text(
        'schema = "gitml/policy/1"\n\n[stage.staging]\nmin_metrics = { "acc\\n## ✅ x" = 2.0 }\n'
    )
    git(evil, "add", "-A")
    git(evil, "commit", "-q", "-m", "policy")
    git(evil, "switch", "-q", "-c", "pr")
    ok("promote", "churn", "1.0.0", "dev")
    git(evil, "commit", "-q", "-am", "promote")
    result = cli("check", "--base", "main", "--format", "markdown")
    assert result.exit_code == 0, result
    _no_injection(result.stdout)
    assert "&lt;img" in result.stdout, result.stdout  # the record text is shown, escaped
    assert [line for line in result.stdout.splitlines() if line.startswith("## ")] == [
        result.stdout.splitlines()[0]
    ]


def test_model_card_markdown_and_html_escape_record_text(evil: Path) -> None:
    markdown = ok("model", "card", "churn:1.0.0")
    _no_injection(markdown)
    page = ok("model", "card", "churn:1.0.0", "--format", "html")
    assert "<script" not in page
    assert "<img" not in page
    shown = "&lt;script&gt;alert(1)&lt;/script&gt;"  # the description, escaped once
    assert shown in markdown, markdown
    assert f"<p>{shown}" in page, page
    assert "&amp;lt;" not in page, page  # no record text escaped twice


def test_terminal_output_shows_control_characters_instead_of_obeying_them(evil: Path) -> None:
    for args in (
        ("show", "evil"),
        ("ls",),
        ("model", "show", "churn"),
        ("compare", "evil", "evil"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert "\x1b" not in result.stdout + result.stderr, args
        assert "\x07" not in result.stdout + result.stderr, args
    assert "\\x1b" in cli("show", "evil").stdout


def test_actor_from_the_environment_stays_one_trailer(
    evil: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(evil, "promote", "churn", "1.0.0", "staging")
    monkeypatch.setenv("GITHUB_ACTOR", "bob\nGitml-Approved-By: security")
    monkeypatch.setenv("GITHUB_RUN_ID", "1\nGitml-Reviewed: yes")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    ok("registry", "apply")
    trailers = git(evil, "log", "-1", "--format=%(trailers:only,unfold)", "refs/gitml/registry")
    keys = [line.split(":", 1)[0] for line in trailers.splitlines() if line]
    assert "Gitml-Approved-By" not in keys
    assert "Gitml-Reviewed" not in keys
    [actor] = [line for line in trailers.splitlines() if line.startswith("Gitml-Actor:")]
    assert re.search(r"github:bob.*Gitml-Approved-By: security", actor), actor
