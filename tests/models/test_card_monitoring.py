"""The model card's Monitoring section reads as prose, and its HTML form is a styled page."""

from __future__ import annotations

from pathlib import Path

from gitml.errors import ALERT_EXIT
from tests.monitor.test_honest_verdicts import monitored, write
from tests.support.core import cli

__all__ = ["monitored"]  # the fixture: a registered version with a profiled training set


def test_monitoring_section_lists_verdict_metrics_and_findings(monitored: Path) -> None:
    write(monitored / "serving.csv", 3000, seed=5, shift=1.0, pred=True)
    ran = cli("monitor", "clf:1", "--data", "serving.csv", "--prediction", "pred", "--label", "y")
    assert ran.exit_code == ALERT_EXIT, ran
    card = cli("model", "card", "clf:1")
    assert card.exit_code == 0, card
    section = card.stdout.split("## Monitoring\n", 1)[1].split("\n## ", 1)[0]
    assert "{'" not in section
    assert "[{" not in section
    lines = [line for line in section.splitlines() if line]
    assert lines[0].startswith("- latest report: `")
    assert "**ALERT**" in lines[0]
    assert any(line.startswith("- measured: accuracy ") for line in lines)
    assert any(line.startswith("- ALERT drift `x` psi: serving mean") for line in lines)
    assert lines[-1].startswith("- record: `monitor/clf/1/")


def test_html_card_is_styled_and_renders_code_spans(monitored: Path, tmp_path: Path) -> None:
    target = tmp_path / "card.html"
    result = cli("model", "card", "clf:1", "--format", "html", "-o", str(target))
    assert result.exit_code == 0, result
    page = target.read_text()
    assert "<style>" in page
    assert "font:" in page
    assert "`" not in page
    assert "<code>" in page
    assert "<li>record: <code>" in page
