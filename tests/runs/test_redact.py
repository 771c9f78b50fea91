"""What a run record keeps of the command line, params and tags: secrets become ``***``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.runs.redact import redact_command, redact_params, redact_text

S = "***"


def test_values_of_secret_flags_and_assignments() -> None:
    argv = ["python", "t.py", "--token", "abc", "--api-key=xyz", "API_KEY=s3", "--lr", "0.1"]
    assert redact_command(argv) == [
        "python",
        "t.py",
        "--token",
        S,
        "--api-key=***",
        "API_KEY=***",
        "--lr",
        "0.1",
    ]


@pytest.mark.parametrize(
    ("word", "recorded"),
    [
        ("https://user:pa55w0rd@host/repo.git", "https://user:***@host/repo.git"),
        ("postgres://u:dbpass@db:5432/x", "postgres://u:***@db:5432/x"),
        ("Authorization: Bearer abc.def", "Authorization: ***"),
        ("proxy-authorization: Basic Zm9v", "proxy-authorization: ***"),
        ("Cookie: session=abc; other=1", "Cookie: ***"),
        ("X-Api-Key: k", "X-Api-Key: ***"),
        ("https://h/x?token=abc&page=2", "https://h/x?token=***&page=2"),
        ("ghp_" + "a" * 36, S),
        ("see AKIA" + "B" * 16 + " here", "see *** here"),
        ("https://example.com/a:b", "https://example.com/a:b"),
        ("lr=0.1", "lr=0.1"),
    ],
)
def test_secrets_inside_words(word: str, recorded: str) -> None:
    assert redact_command(["cmd", word]) == ["cmd", recorded]


def test_secrets_inside_a_shell_string() -> None:
    script = "curl -H 'Authorization: Bearer abc' https://u:p@h/x && API_TOKEN=zz ./run"
    (recorded,) = redact_command(["sh", "-c", script])[2:]
    assert recorded == "curl -H 'Authorization: ***' https://u:***@h/x && API_TOKEN=*** ./run"


def test_dash_p_hides_a_password_but_keeps_numbers_and_existing_paths(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("a: 1\n")
    assert redact_command(["mysql", "-u", "root", "-p", "s3cret"], tmp_path)[-1] == S
    assert redact_command(["train", "-p", "0.5"], tmp_path)[-1] == "0.5"
    assert redact_command(["ssh", "-p", "2222", "h"], tmp_path)[2] == "2222"
    assert redact_command(["train", "-p", "params.yaml"], tmp_path)[-1] == "params.yaml"
    assert redact_command(["train", "--password", "x"], tmp_path)[-1] == S
    assert redact_command(["mysql", "-psecret", "db"], tmp_path) == ["mysql", "-p***", "db"]
    assert redact_command(["curl", "-u", "me:pw", "h"], tmp_path)[2] == "me:***"
    assert redact_command(["python", "-u", "t.py"], tmp_path) == ["python", "-u", "t.py"]
    assert redact_command(["pytest", "-pno:cacheprovider"], tmp_path)[1] == "-pno:cacheprovider"


def test_params_and_tags() -> None:
    params = {
        "api_key": "k",
        "db.password": "p",
        "lr": 0.1,
        "url": "s3://a:b@c/d",
        "n": [1, "x", "https://u:pw@h/r"],
    }
    assert redact_params(params, by_key=True) == {
        "api_key": S,
        "db.password": S,
        "lr": 0.1,
        "url": "s3://a:***@c/d",
        "n": [1, "x", "https://u:***@h/r"],  # each string of a list is scanned too
    }
    assert redact_params({"api_key": "k"}, by_key=False) == {"api_key": "k"}


def test_plain_text_is_untouched() -> None:
    text = "train on data/x.csv with lr=0.1 (see https://example.com)"
    assert redact_text(text) == text
