from __future__ import annotations

import io
import threading

import pytest

from gitml.objects.progress import (
    NullProgress,
    Phase,
    TerminalProgress,
    format_bytes,
    progress_for,
)
from tests.terminal import last_states


class FakeTerminal(io.StringIO):
    """A real text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_for_is_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = progress_for(stream)
    assert isinstance(progress, NullProgress)
    progress.phase("hashing", files=3)
    progress.update(files=3, nbytes=10)
    progress.close()
    assert stream.getvalue() == ""


def test_progress_for_draws_on_a_terminal_after_the_configured_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITML_PROGRESS_DELAY", "2.5")
    progress = progress_for(FakeTerminal())
    assert isinstance(progress, TerminalProgress)
    assert progress._delay == 2.5
    monkeypatch.setenv("GITML_PROGRESS_DELAY", "soon")
    assert progress_for(FakeTerminal())._delay == 0.3  # type: ignore[union-attr]


def test_each_phase_keeps_its_own_line_and_totals() -> None:
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=0, interval=0.01) as progress:
        progress.phase("hashing", files=4, nbytes=4096)
        progress.update(files=4, nbytes=4096)
        progress.phase("caching", files=4, nbytes=4096)
        progress.update(files=1, nbytes=1024)
    lines = last_states(stream.getvalue())
    hashing = [line for line in lines if line.startswith("hashing")][-1]
    caching = [line for line in lines if line.startswith("caching")][-1]
    assert "100%" in hashing
    assert "4/4 files  4.0 KiB/4.0 KiB" in hashing
    assert " 25%" in caching
    assert "1/4 files  1.0 KiB/4.0 KiB" in caching


def test_a_phase_with_nothing_to_do_gets_no_line() -> None:
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=0) as progress:
        progress.phase("hashing")  # every file was in the stat cache
        progress.phase("uploading", files=1, nbytes=10)
        progress.update(files=1, nbytes=10)
    text = stream.getvalue()
    assert "hashing" not in text
    assert "uploading" in text


def test_terminal_progress_waits_before_drawing() -> None:
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=60) as progress:
        progress.phase("hashing", files=1)
        progress.update(files=1)
    assert stream.getvalue() == ""


def test_terminal_progress_counts_from_many_threads() -> None:
    progress = TerminalProgress(FakeTerminal(), delay=60)
    progress.phase("x", files=8000)

    def work() -> None:
        for _ in range(1000):
            progress.update(files=1, nbytes=2)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress.close()
    assert (progress.phases[0].files, progress.phases[0].nbytes) == (8000, 16000)


def test_counts_say_what_is_known() -> None:
    assert Phase("pulling", files=2, nbytes=3 << 20).counts() == "2 files  3.0 MiB"
    assert Phase("pulling", total_files=4, files=1).counts() == "1/4 files"
    assert Phase("x", total_files=1, total_bytes=10, files=1, nbytes=10).counts() == (
        "1/1 file  10 B/10 B"
    )


def test_format_bytes() -> None:
    assert format_bytes(0) == "0 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 << 40) == "5.0 TiB"


def test_null_progress_is_a_context_manager(capsys: pytest.CaptureFixture[str]) -> None:
    """It enters as itself, reports nothing and lets the block's error through."""
    null = NullProgress()

    def use() -> None:
        with null as progress:
            assert progress is null
            progress.phase("x", files=1)
            progress.add_total(files=1)
            progress.update(files=1)
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        use()
    assert capsys.readouterr() == ("", "")
