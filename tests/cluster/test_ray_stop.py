"""Stopping a sweep on Ray: Ctrl-C or a scheduler's SIGTERM to the driver stops the members
on the nodes, and each is recorded ``interrupted`` with what it had logged."""

from __future__ import annotations

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

# Logs a step, leaves a file named by its run id (it has started) and waits far longer
# than the test.
SLEEPER = """\
import os, time
from pathlib import Path
import yaml
import gitml
gitml.log_metric("progress", 1.0, step=0)
marker = Path(yaml.safe_load(Path("params.yaml").read_text())["marker"])
(marker / os.environ["GITML_RUN_ID"]).write_text("started")
time.sleep(300)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_driver_stops_members_on_the_nodes_and_records_them(
    project: Path, on: str, tmp_path: Path, signum: signal.Signals
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    committed_script(project, "sleeper.py", SLEEPER, markers)
    driver = start_driver(project, "run", "--on", on, "-S", "k=1,2", "--", "python", "sleeper.py")
    try:
        wait_for_markers(markers, 2, driver)
        time.sleep(0.5)  # the driver hears step 0
        stopped = time.monotonic()
        driver.send_signal(signum)
        _, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert time.monotonic() - stopped < 60  # stopped, not waited out
    assert driver.returncode != 0
    runs = ls_json(project, "--where", f"sweep = '{sweep_of(err)}'")
    assert sorted(r["params"]["k"] for r in runs) == [1, 2]  # each recorded once
    assert [r["status"] for r in runs] == ["interrupted", "interrupted"]
    assert all(r["metrics"] == {"progress": 1.0} for r in runs)
    assert all("gitml.lost" not in r["tags"] for r in runs)  # stopped, not lost
