"""A member whose Ray worker process is killed mid-run: recorded interrupted, retried."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import (
    committed_script,
    ls_json,
    start_driver,
    sweep_of,
    wait_for_markers,
)

# The first attempt of member k=1 logs a step, leaves its pid in a marker file and waits to
# be killed; its next attempt finds the marker and finishes, as does member k=2.
STUCK = """\
import os
import time
from pathlib import Path

import yaml

import gitml

params = yaml.safe_load(Path("params.yaml").read_text())
marker = Path(params["marker"]) / "pid"
gitml.log_metric("progress", 1.0, step=0)
if params["k"] == 1 and not marker.exists():
    time.sleep(1.5)  # the driver hears step 0 before the kill
    marker.write_text(str(os.getpid()))
    time.sleep(300)
gitml.log_metric("progress", 2.0, step=1)
gitml.log_metric("k", float(params["k"]))
"""


def _ray_worker_of(pid: int) -> int:
    """The Ray worker process (``ray::...``) that ``pid`` descends from."""
    while pid > 1:
        if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::"):
            return pid
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat.rpartition(")")[2].split()[1])
    raise AssertionError("the member's command does not run under a Ray worker")


@pytest.mark.slow
def test_killed_worker_is_recorded_interrupted_and_retried_to_completed(
    project: Path, on: str, tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    committed_script(project, "stuck.py", STUCK, markers)
    driver = start_driver(project, "run", "-n", "lost", "--on", on, "--retries", "1", "-S", "k=1,2", "--", "python", "stuck.py")  # fmt: skip
    try:
        (victim,) = wait_for_markers(markers, 1, driver)
        time.sleep(0.3)
        os.kill(_ray_worker_of(int(victim.read_text())), signal.SIGKILL)
        _, err = driver.communicate(timeout=240)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 0, err  # the lost member was run again and completed
    runs = ls_json(project, "--where", f"sweep = '{sweep_of(err)}'")
    lost = [r for r in runs if r["status"] == "interrupted"]
    assert len(lost) == 1, runs
    (lost_run,) = lost
    assert "gitml.lost" in lost_run["tags"]
    assert lost_run["metrics"] == {"progress": 1.0}  # what it had logged before it died
    assert lost_run["code"]["checkpoint"]
    retried = [r for r in runs if r["tags"].get("gitml.retry_of") == lost_run["id"]]
    assert len(retried) == 1
    assert retried[0]["status"] == "completed"
    assert retried[0]["params"] == lost_run["params"]
    completed = [r for r in runs if r["status"] == "completed"]
    assert sorted(r["params"]["k"] for r in completed) == [1, 2]  # each member done once
    assert len(runs) == 3
    assert len({r["id"] for r in runs}) == 3
