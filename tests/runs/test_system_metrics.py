"""System metrics: CPU and memory sampled into the run's step history (opt-in)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import gitml
from gitml.runs.store import read_history
from gitml.runs.sysmetrics import Probe, Sampler
from gitml.storage.repo import open_repo
from tests.support.runs import git_ml, setup_ml_env

CPU = "system/cpu_utilization_percentage"
MEMORY = "system/system_memory_usage_megabytes"


def test_probe_reads_cpu_and_memory() -> None:
    import time

    probe = Probe()
    time.sleep(0.2)  # CPU use is measured between two readings: let the clock tick
    values = probe.read()
    assert values[MEMORY] > 0
    assert 0 <= values["system/system_memory_usage_percentage"] <= 100
    assert 0 <= values[CPU] <= 100


def test_sampler_samples_until_stopped_and_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    sampler = Sampler(lambda name, _value, step, _ms: seen.append((name, step)), interval=0.05)
    sampler.start()
    import time

    time.sleep(0.3)
    sampler.stop()
    steps = sorted({s for n, s in seen if n == MEMORY})
    assert steps == list(range(len(steps)))
    assert len(steps) >= 3


def test_git_ml_run_system_metrics_records_a_timed_history(
    repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    monkeypatch.setenv("GITML_SYSTEM_METRICS_INTERVAL", "0.1")
    sleep = "import time; time.sleep(0.6)"
    git_ml(repo_with_commit, "run", "--system-metrics", "--", sys.executable, "-c", sleep)
    (run,) = json.loads(git_ml(repo_with_commit, "ls", "--json").stdout)
    assert run["metric_stats"][MEMORY]["steps"] >= 3
    assert run["metric_stats"][CPU]["steps"] >= 2
    events = [e for e in read_history(open_repo(repo_with_commit), run) if e.name == MEMORY]
    assert all(e.timestamp is not None for e in events)
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)  # type: ignore[type-var]
    git_ml(repo_with_commit, "run", "--", sys.executable, "-c", "pass")
    newest = json.loads(git_ml(repo_with_commit, "ls", "--json", "--limit", "1").stdout)[0]
    assert not any(k.startswith("system/") for k in newest["metrics"])  # opt-in only


def test_start_run_system_metrics_samples_in_process(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITML_SYSTEM_METRICS_INTERVAL", "0.1")
    import time

    with gitml.start_run(system_metrics=True) as run:
        time.sleep(0.35)
    assert run.doc is not None
    assert run.doc["metric_stats"][MEMORY]["steps"] >= 3
