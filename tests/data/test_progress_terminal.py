"""Progress bars as a person sees them: ``git ml data add``/``push`` on a real terminal.

Each test runs the installed ``git ml`` on a pseudo-terminal and reads every state the
bars went through: one bar per phase, in order, whose counts never pass their totals and
end exactly at them; nothing at all when stderr is not a terminal or with ``-q``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitml.objects.progress import OneFile, format_bytes
from tests.support.core import cli
from tests.terminal import Terminal, last_states

BIN = str(Path(sys.executable).parent)
STATE = re.compile(
    r"^(?P<label>[a-z]+)\s.*?(?P<percent>\d+)%\s+(?P<done>[\d,]+)/(?P<total>[\d,]+) files?"
    r"(?:\s+(?P<bytes>[\d.]+ \w?i?B)/(?P<total_bytes>[\d.]+ \w?i?B))?"
)


@dataclass(frozen=True)
class State:
    label: str
    percent: int
    done: int
    total: int
    nbytes: str | None
    total_bytes: str | None


def _states(text: str) -> list[State]:
    found = []
    for line in last_states(text):
        m = STATE.match(line)
        if m:
            found.append(
                State(
                    m["label"],
                    int(m["percent"]),
                    int(m["done"].replace(",", "")),
                    int(m["total"].replace(",", "")),
                    m["bytes"],
                    m["total_bytes"],
                )
            )
    return found


def _on_terminal(cwd: Path, *args: str) -> tuple[int, list[State], str]:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "GITML_PROGRESS_DELAY": "0"}
    with Terminal(["git", "ml", *args], cwd=cwd, env=env) as term:
        code = term.wait(timeout=600)
        return code, _states(term.text), term.text


def _phases(states: list[State]) -> list[str]:
    return list(dict.fromkeys(s.label for s in states))


def _final(states: list[State], label: str) -> State:
    return [s for s in states if s.label == label][-1]


def _never_past_totals(states: list[State]) -> None:
    for s in states:
        assert s.done <= s.total, s
        assert s.percent <= 100, s


@pytest.fixture
def project(in_repo: Path) -> Path:
    assert cli("init", "-q").exit_code == 0
    return in_repo


def test_adding_one_big_file_shows_hashing_then_caching_each_to_its_size(project: Path) -> None:
    size = 96 << 20
    (project / "big.bin").write_bytes(os.urandom(size))
    code, states, text = _on_terminal(project, "data", "add", "big.bin", "--link", "copy")
    assert code == 0, text
    assert _phases(states) == ["hashing", "caching"]
    _never_past_totals(states)
    for label in ("hashing", "caching"):
        final = _final(states, label)
        assert (final.percent, final.done, final.total) == (100, 1, 1)
        assert final.nbytes == final.total_bytes == format_bytes(size)


def test_adding_20000_files_counts_each_phase_once(project: Path) -> None:
    folder = project / "many"
    for i in range(200):
        sub = folder / f"{i:03}"
        sub.mkdir(parents=True)
        for j in range(100):
            (sub / f"{j:03}.txt").write_text(f"{i} {j}\n")
    code, states, text = _on_terminal(project, "data", "add", "many")
    assert code == 0, text
    assert _phases(states) == ["hashing", "caching"]
    _never_past_totals(states)
    assert {s.total for s in states} == {20_000}
    assert (_final(states, "hashing").done, _final(states, "caching").done) == (20_000, 20_000)
    # Caching starts once hashing is over, with its own count.
    first = next(i for i, s in enumerate(states) if s.label == "caching")
    assert all(s.done == s.total for s in states[first:] if s.label == "hashing")


def test_data_push_counts_files_and_bytes_to_the_remote(project: Path, tmp_path: Path) -> None:
    data = project / "data"
    data.mkdir()
    sizes = [3 << 20] * 4 + [100] * 16
    for i, size in enumerate(sizes):
        (data / f"f{i:02}.bin").write_bytes(os.urandom(size))
    assert cli("data", "add", "data", "-q").exit_code == 0
    store = tmp_path / "store"
    store.mkdir()
    assert cli("data", "remote", "add", "store", str(store), "-q").exit_code == 0
    code, states, text = _on_terminal(project, "data", "push")
    assert code == 0, text
    assert _phases(states) == ["uploading"]
    _never_past_totals(states)
    final = _final(states, "uploading")
    # The files plus the manifest's file list, which travels with the data.
    assert final.done == final.total >= len(sizes)
    assert final.nbytes == final.total_bytes
    assert "pushed" in text


def test_no_bars_when_stderr_is_not_a_terminal_or_with_quiet(project: Path) -> None:
    (project / "a.bin").write_bytes(os.urandom(1 << 20))
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "GITML_PROGRESS_DELAY": "0"}
    piped = subprocess.run(
        ["git", "ml", "data", "add", "a.bin"], cwd=project, env=env, capture_output=True, text=True
    )
    assert piped.returncode == 0, piped.stderr
    assert "hashing" not in piped.stderr
    assert "\x1b" not in piped.stderr + piped.stdout
    (project / "b.bin").write_bytes(os.urandom(1 << 20))
    code, states, text = _on_terminal(project, "data", "add", "b.bin", "-q")
    assert code == 0
    assert states == []
    assert text.strip() == ""


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def phase(self, label: str, *, files: int = 0, nbytes: int = 0) -> None:
        self.calls.append((label, files, nbytes))

    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        self.calls.append(("total", files, nbytes))

    def update(self, files: int = 0, nbytes: int = 0) -> None:
        self.calls.append(("update", files, nbytes))


def test_one_file_reports_bytes_as_they_come_and_settles_the_rest() -> None:
    recorder = _Recorder()
    share = OneFile(recorder, 100)
    share.update(nbytes=30)
    share.update(nbytes=90)  # more than is left: capped
    share.done()
    linked = OneFile(recorder, 50)  # a hard link reads nothing
    linked.done()
    assert recorder.calls == [
        ("update", 0, 30),
        ("update", 0, 70),
        ("update", 1, 0),
        ("update", 1, 50),
    ]


def test_a_big_file_moves_its_bar_in_chunks(project: Path) -> None:
    from gitml.data.add import add_datasets
    from gitml.data.workspace import open_workspace
    from gitml.objects.cache import LinkMode

    size = 40 << 20
    (project / "big.bin").write_bytes(os.urandom(size))
    ws = open_workspace()
    ws.link = LinkMode.COPY
    recorder = _Recorder()
    add_datasets(ws, ["big.bin"], progress=recorder)
    phases = [c for c in recorder.calls if c[0] not in ("update", "total")]
    assert phases == [("hashing", 1, size), ("caching", 1, size)]
    cut = recorder.calls.index(phases[1])
    for part in (recorder.calls[:cut], recorder.calls[cut:]):
        updates = [c for c in part if c[0] == "update"]
        assert sum(n for _, _, n in updates) == size
        assert sum(f for _, f, _ in updates) == 1
        assert len([n for _, f, n in updates if n and not f]) > 1  # several partial reports
