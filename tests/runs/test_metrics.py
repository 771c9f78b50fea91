from __future__ import annotations

import math
from pathlib import Path

import pytest

from gitml.runs import metrics as m
from gitml.runs.metrics import MetricEvent


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("m.json", '{"acc": 0.9, "val": {"loss": 0.2}}'),
        ("m.yaml", "acc: 0.9\nval:\n  loss: 0.2\n"),
        ("m.toml", "acc = 0.9\n[val]\nloss = 0.2\n"),
        ("m.csv", "acc,val.loss\n0.9,0.2\n"),
    ],
)
def test_metrics_files_in_every_format(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    events = m.read_metrics_file(tmp_path / name, name)
    assert {(e.name, e.value) for e in events} == {("acc", 0.9), ("val.loss", 0.2)}


def test_csv_with_step_column_is_history(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("step,loss\n0,1.0\n5,0.5\n10,0.25\n")
    events = m.read_metrics_file(tmp_path / "h.csv", "h.csv")
    assert [(e.step, e.value) for e in events] == [(0, 1.0), (5, 0.5), (10, 0.25)]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.json", '{"acc": "high"}', "m.json: metric 'acc': 'high' is not a number"),
        ("m.json", '{"ok": true}', "m.json: metric 'ok': True is not a number"),
        ("m.csv", "acc\nhigh\n", "m.csv: row 2: metric 'acc': 'high' is not a number"),
        ("m.json", "[1]", "m.json: must hold a table of metrics"),
        ("m.toml", "acc = ", "m.toml: invalid TOML"),
    ],
)
def test_non_numeric_metrics_are_one_line_errors(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(m.InvalidMetric) as info:
        m.read_metrics_file(tmp_path / name, name)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_to_number_accepts_numpy_scalars_and_rejects_the_rest() -> None:
    import numpy as np

    assert m.to_number(np.float32(0.5), "x") == 0.5
    assert type(m.to_number(np.float64(0.5), "x")) is float
    assert type(m.to_number(np.int64(3), "x")) is int
    for bad in ("1", None, True, [1]):
        with pytest.raises(m.InvalidMetric, match="is not a number"):
            m.to_number(bad, "x")


def test_check_metric_name_rejects_tabs_and_newlines() -> None:
    assert m.check_metric_name("val/loss") == "val/loss"
    for bad in ("a\tb", "a\nb", "", 3):
        with pytest.raises(m.InvalidMetric):
            m.check_metric_name(bad)


def test_summary_uses_the_last_step_and_ignores_non_finite() -> None:
    events = [
        MetricEvent("loss", 2, 0.5),
        MetricEvent("loss", 0, 1.0),
        MetricEvent("loss", 1, float("nan")),
        MetricEvent("acc", 0, 0.7),
    ]
    last, stats = m.summarise(events)
    assert last == {"acc": 0.7, "loss": 0.5}
    assert stats["loss"] == {"first": 1.0, "last": 0.5, "min": 0.5, "max": 1.0, "steps": 3}


def test_a_later_value_at_the_same_step_wins() -> None:
    events = m.merge_events([MetricEvent("acc", 3, 0.1)], [MetricEvent("acc", 3, 0.2)])
    assert events == [MetricEvent("acc", 3, 0.2)]


def test_final_values_land_on_the_last_logged_step() -> None:
    history = [MetricEvent("loss", s, 1.0 / (s + 1)) for s in range(4)]
    final = [MetricEvent("loss", 0, 0.1), MetricEvent("acc", 0, 0.9)]
    placed = m.at_last_steps(final, history)
    assert placed == [MetricEvent("loss", 3, 0.1), MetricEvent("acc", 0, 0.9)]


def test_history_round_trips_and_is_omitted_for_single_values() -> None:
    assert m.dump_history([MetricEvent("acc", 0, 0.9)]) is None
    events = [MetricEvent("a,b", 0, 1), MetricEvent("a,b", 1, 0.5), MetricEvent("x", 0, 2.0)]
    data = m.dump_history(events)
    assert data is not None
    assert data.decode().splitlines()[0] == "metric,step,value"
    assert m.load_history(data) == m.merge_events(events)


def test_sparkline_shows_the_trend() -> None:
    assert m.sparkline([3, 2, 1]) == "█▄▁"
    assert m.sparkline([1]) == ""
    assert len(m.sparkline(list(range(100)), width=10)) == 10
    assert m.sparkline([math.inf, 1, 2]) == "▁█"
