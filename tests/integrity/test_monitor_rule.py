"""require_monitor_ok reads the latest `monitor` report; scans count under require_scan_ok.

A passing scan run after a monitoring alert must not let a promotion through, and the UI
and the model card must show the same state the rule judges.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.core import cli
from tests.support.governance import commit_all
from tests.support.integrity import save_monitor
from tests.support.registry import ok_json
from tests.support.ui import fetch, serving


def _policy(repo: Path, rules: str) -> None:
    (repo / ".gitml" / "policy.toml").write_text(
        f'schema = "gitml/policy/1"\n\n[stage.production]\n{rules}\n'
    )
    commit_all(repo, "Policy")


def _promote(version: str = "1.2.0") -> tuple[int, str]:
    result = cli("promote", "churn", version, "production")
    return result.exit_code, result.stderr


def test_a_passing_scan_does_not_hide_a_monitoring_alert(governed: Path) -> None:
    _policy(governed, "require_monitor_ok = true")
    alert = save_monitor(governed, "1.2.0", alert=True)
    save_monitor(governed, "1.2.0", alert=False, kind="scan")
    code, stderr = _promote()
    assert code == 1
    assert "the latest monitoring report" in stderr
    assert alert.rsplit("/", 1)[1].removesuffix(".toml") in stderr
    card = ok_json("model", "card", "churn:1.2.0")
    assert card["monitoring"]["file"] == alert
    assert card["monitoring"]["record"]["alert"] is True
    with serving(governed) as url:
        status, _headers, body = fetch(url + "api/monitor")
    assert status == 200
    [latest] = json.loads(body)["latest"]
    assert (latest["kind"], latest["alert"]) == ("monitor", True)


def test_a_new_clean_monitoring_report_lets_the_promotion_through(governed: Path) -> None:
    _policy(governed, "require_monitor_ok = true")
    save_monitor(governed, "1.2.0", alert=True)
    save_monitor(governed, "1.2.0", alert=False)
    save_monitor(governed, "1.2.0", alert=True, kind="scan")
    code, stderr = _promote()
    assert code == 0, stderr
    stages = (governed / ".gitml" / "stages.toml").read_text()
    assert '[models.churn]\nproduction = "1.2.0"' in stages, stages


@pytest.mark.parametrize(("scan_alert", "expected"), [(True, 1), (False, 0)])
def test_require_scan_ok_reads_the_latest_scan(
    governed: Path, scan_alert: bool, expected: int
) -> None:
    _policy(governed, "require_scan_ok = true")
    save_monitor(governed, "1.2.0", alert=not scan_alert, kind="scan")
    save_monitor(governed, "1.2.0", alert=scan_alert, kind="scan")
    save_monitor(governed, "1.2.0", alert=not scan_alert)
    code, stderr = _promote()
    assert code == expected, stderr
    stages = (governed / ".gitml" / "stages.toml").read_text()
    assert ('production = "1.2.0"' in stages) is (not scan_alert), stages
    if scan_alert:
        assert "the latest scan report" in stderr
        assert "[require_scan_ok]" in stderr
