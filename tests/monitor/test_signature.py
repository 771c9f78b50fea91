"""Monitoring reports columns the model's signature needs as schema skew."""

from __future__ import annotations

from pathlib import Path

from gitml.monitor.signature import signature_findings

SIGNATURE = {
    "inputs": [
        {"name": "age", "type": "double"},
        {"name": "plan", "type": "string"},
        {"name": "visits", "type": "long"},
    ]
}


def test_missing_and_mistyped_signature_columns_alert(tmp_path: Path) -> None:
    data = tmp_path / "serving.csv"
    data.write_text("age,plan,prediction\nold,basic,1\nyoung,pro,0\n")
    found = {(f["column"], f["method"]): f for f in signature_findings(SIGNATURE, data)}
    assert set(found) == {("visits", "signature_missing"), ("age", "signature_type")}
    assert all(f["kind"] == "schema" and f["alert"] for f in found.values())
    assert "'old'" in found[("age", "signature_type")]["message"]


def test_conforming_data_and_no_signature_find_nothing(tmp_path: Path) -> None:
    data = tmp_path / "serving.csv"
    data.write_text("age,plan,visits,prediction\n31.5,basic,3,1\n40,pro,1,0\n")
    assert signature_findings(SIGNATURE, data) == []
    assert signature_findings(None, data) == []
