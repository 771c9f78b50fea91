"""``git ml model card``: every fact from records, promotions with actors and merge commits."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.models.test_package import land
from tests.support.core import cli, git
from tests.support.registry import ok, ok_json, record_run

DATA = "xxh3-128:00112233445566778899aabbccddeeff"


def registered(project: Path) -> str:
    run = record_run(
        project,
        metrics={"acc": 0.91},
        params={"lr": 0.1},
        inputs={"data/train.csv": DATA},
        model_bytes=b"model 1.0.0\n",
    )
    ok(
        "model", "register", "churn", "--run", run, "--version", "1.0.0",
        "--artifact", "model.bin", "--description", "Churn risk for retention offers",
    )  # fmt: skip
    return run


def test_card_lists_both_promotions_and_digests_match_records(project: Path) -> None:
    run = registered(project)
    git(project, "config", "user.name", "Stage Reviewer")
    first = land(project, "promote", "churn", "1.0.0", "staging")
    git(project, "config", "user.name", "Prod Approver")
    second = land(project, "promote", "churn", "1.0.0", "production")
    record = tomllib.loads(
        git(project, "show", "refs/gitml/registry:models/churn/versions/1.0.0.toml")
    )
    card = ok_json("model", "card", "churn:1.0.0")
    assert [(p["stage"], p["commit"], p["who"]["name"]) for p in card["promotions"]] == [
        ("staging", first, "Stage Reviewer"),
        ("production", second, "Prod Approver"),
    ]
    assert {p["signature"] for p in card["promotions"]} == {"unsigned"}
    assert card["artifact"]["digest"] == record["artifact"]["digest"]
    assert card["lineage"]["run"]["id"] == run
    assert card["lineage"]["datasets"] == [
        {"name": "data/train.csv", "digest": DATA, "profiles": []}
    ]
    assert card["lineage"]["code"]["commit"] == record["code"]["commit"]
    assert card["monitoring"] is None
    assert [c["stage"] for c in card["policy_checks"]] == ["staging", "production"]

    text = ok("model", "card", "churn:1.0.0")
    assert text.startswith("# Model card: churn 1.0.0\n")
    assert "Churn risk for retention offers" in text
    for commit, who in ((first, "Stage Reviewer"), (second, "Prod Approver")):
        [line] = [x for x in text.splitlines() if commit in x]
        assert who in line
        assert "commit signature: unsigned" in line
    digests = set(re.findall(r"xxh3-128:[0-9a-f]{32}", text))
    assert digests == {record["artifact"]["digest"], DATA, *record["outputs"].values()}
    assert "- `acc`: 0.91" in text
    assert "- `lr`: 0.1" in text
    assert "python train.py" in text
    assert "no monitoring report" in text


def test_card_html_to_a_file_escapes_text(project: Path, tmp_path: Path) -> None:
    registered(project)
    out = tmp_path / "card.html"
    result = cli("model", "card", "churn:1.0.0", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    page = out.read_text()
    assert page.startswith("<!doctype html>")
    assert "<h1>Model card: churn 1.0.0</h1>" in page
    assert "<li>(never promoted)</li>" in page
    assert "<li>no monitoring report</li>" in page
    assert "by Test User &lt;test@example.com&gt;</li>" in page  # escaped once, shown as typed


def test_card_shows_the_latest_monitoring_report(project: Path) -> None:
    from tests.support.integrity import save_monitor

    registered(project)
    saved = [
        save_monitor(project, "1.0.0", alert=alert, kind=kind)
        for kind, alert in (("monitor", False), ("monitor", True), ("scan", False))
    ]
    card = ok_json("model", "card", "churn:1.0.0")
    assert card["monitoring"]["file"] == saved[1]
    assert card["monitoring"]["record"]["alert"] is True


def test_card_and_validation_use_the_training_data_profile(project: Path, tmp_path: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "train.csv").write_text("age,plan\n20,basic\n70,pro\n")
    added = ok_json("data", "add", "data")
    manifest = added["datasets"][0]["manifest"]
    run = record_run(project, metrics={"acc": 0.9}, inputs={"data": manifest}, model_bytes=b"m\n")
    example = tmp_path / "example.csv"
    example.write_text("age,plan\n30,basic\n")
    doc = ok_json(
        "model", "register", "churn", "--run", run, "--artifact", "model.bin",
        "--signature-from", str(example),
    )  # fmt: skip
    assert doc["signature"]["profile"] == {"age": {"min": 20.0, "max": 70.0}}
    [dataset] = ok_json("model", "card", "churn:1")["lineage"]["datasets"]
    assert dataset["digest"] == manifest
    assert dataset["profiles"] == [
        {
            "file": "data/train.csv",
            "rows": 2,
            "columns": {
                "age": {"type": "numeric", "missing": 0, "min": 20, "max": 70},
                "plan": {"type": "categorical", "missing": 0},
            },
        }
    ]
    assert "  - `data/train.csv`: 2 rows; age numeric \\[20, 70\\], plan categorical" in ok(
        "model", "card", "churn:1"
    )
    scoring = tmp_path / "scoring.csv"
    scoring.write_text("age,plan\n75,basic\n")
    result = cli("model", "validate", "churn:1", "--data", str(scoring))
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: column 'age': 1 value(s) outside the training range [20, 70] (seen 75 to 75)\n"
    )
