from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from gitml.runs.metrics import InvalidMetric
from gitml.runs.spool import SpoolWriter, read_spool


def test_spool_round_trip_with_automatic_steps(tmp_path: Path) -> None:
    path = str(tmp_path / "spool")
    writer = SpoolWriter(path)
    writer.metric("loss", 1.0)
    writer.metric("loss", 0.5)
    writer.metric("acc", 1, step=7)
    writer.params({"opt": {"name": "adam", "lr": 0.1}, "layers": (1, 2)})
    writer.tag("team", 3)
    (tmp_path / "model.bin").write_bytes(b"m")
    writer.artifact(str(tmp_path / "model.bin"))
    data = read_spool(path)
    assert data.metrics == [("loss", 0, 1.0), ("loss", 1, 0.5), ("acc", 7, 1)]
    assert data.params == {"opt.name": "adam", "opt.lr": 0.1, "layers": [1, 2]}
    assert data.tags == {"team": "3"}
    assert data.artifacts == [str(tmp_path / "model.bin")]


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "spool"
    path.write_bytes(b"m\tloss\t0.5\t0\nm\tloss\t0.2")
    assert read_spool(str(path)).metrics == [("loss", 0, 0.5)]
    assert read_spool(str(tmp_path / "missing")).metrics == []


def test_writer_rejects_bad_values_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "spool"
    writer = SpoolWriter(str(path))
    with pytest.raises(InvalidMetric, match="metric 'acc': 'high' is not a number"):
        writer.metric("acc", "high")
    with pytest.raises(InvalidMetric, match=r"step 1\.5 is not an integer"):
        writer.metric("acc", 1.0, step=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidMetric, match="name"):
        writer.metric("a\tb", 1.0)
    writer.flush()
    assert [line.split(b"\t")[0] for line in path.read_bytes().splitlines()] == [b"e"]


def test_import_gitml_loads_neither_pygit2_nor_typer() -> None:
    code = (
        "import sys, gitml; gitml.log_metric; "
        "print(sorted(m for m in ('pygit2', 'typer', 'numpy', 'jsonschema') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_api_outside_a_run_warns_once_and_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gitml.tracking as tracking

    monkeypatch.delenv("GITML_RUN_SPOOL", raising=False)
    monkeypatch.setattr(tracking, "_default", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracking.log_metric("acc", 0.5)
        tracking.log_params({"a": 1})
    assert [w.category for w in caught] == [tracking.GitmlWarning]
    assert tracking.active_run() is None


def test_api_under_a_spool_appends_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gitml
    import gitml.tracking as tracking

    spool = tmp_path / "spool"
    monkeypatch.setenv("GITML_RUN_SPOOL", str(spool))
    monkeypatch.setenv("GITML_RUN_ID", "01J0000000000000000000000A")
    monkeypatch.setattr(tracking, "_default", None)
    gitml.log_metric("acc", 0.5)
    gitml.log_metrics({"acc": 0.6, "loss": 0.1}, step=4)
    gitml.log_param("lr", 0.1)
    gitml.set_tag("k", "v")
    with gitml.start_run(params={"b": 2}) as run:
        run.log_metric("acc", 0.7)
        assert run.id == "01J0000000000000000000000A"
    data = read_spool(str(spool))
    assert data.metrics == [("acc", 0, 0.5), ("acc", 4, 0.6), ("loss", 4, 0.1), ("acc", 5, 0.7)]
    assert data.params == {"lr": 0.1, "b": 2}
    assert data.tags == {"k": "v"}


def _child(tmp_path: Path, code: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GITML_RUN_SPOOL": str(tmp_path / "spool")}
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )


def test_buffered_metrics_are_written_before_sigterm_ends_the_command(tmp_path: Path) -> None:
    proc = _child(
        tmp_path,
        "import time, gitml\n"
        "for i in range(100):\n"
        "    gitml.log_metric('loss', 1.0 / (i + 1))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n",
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    assert read_spool(str(tmp_path / "spool")).metrics == []  # still buffered
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM
    assert len(read_spool(str(tmp_path / "spool")).metrics) == 100


def test_a_forked_worker_does_not_repeat_its_parents_buffer(tmp_path: Path) -> None:
    proc = _child(
        tmp_path,
        "import os, gitml\n"
        "gitml.log_metric('parent', 1.0)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    gitml.log_metric('child', 2.0)\n"
        "    gitml.tracking._default.flush()\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n",
    )
    assert proc.wait(timeout=30) == 0
    names = [name for name, _step, _value in read_spool(str(tmp_path / "spool")).metrics]
    assert sorted(names) == ["child", "parent"]


def test_metrics_are_written_a_quarter_second_later_at_most(tmp_path: Path) -> None:
    from gitml.runs.spool import FLUSH_SECONDS, SpoolWriter

    writer = SpoolWriter(str(tmp_path / "spool"))
    writer.metric("loss", 1.0)
    assert read_spool(str(tmp_path / "spool")).metrics == []
    time.sleep(FLUSH_SECONDS + 0.05)
    writer.metric("loss", 0.5)
    assert len(read_spool(str(tmp_path / "spool")).metrics) == 2


def test_metrics_before_a_quiet_stretch_reach_the_spool_a_quarter_second_later(
    tmp_path: Path,
) -> None:
    from gitml.runs.spool import FLUSH_SECONDS, SpoolWriter

    writer = SpoolWriter(str(tmp_path / "spool"))
    writer.metric("loss", 1.0, step=0)
    writer.metric("loss", 0.9, step=1)
    assert read_spool(str(tmp_path / "spool")).metrics == []
    time.sleep(FLUSH_SECONDS + 0.25)  # no further call: a watcher still sees both
    assert len(read_spool(str(tmp_path / "spool")).metrics) == 2
