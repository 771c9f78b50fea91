from __future__ import annotations

import io
import threading

from gitml.data.progress import NullProgress, TerminalProgress, format_bytes, progress_for


class FakeTerminal(io.StringIO):
    """A real text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_for_is_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = progress_for("hashing", stream)
    assert isinstance(progress, NullProgress)
    progress.add_total(files=3)
    progress.update(files=3, nbytes=10)
    progress.close()
    assert stream.getvalue() == ""


def test_progress_for_draws_on_a_terminal() -> None:
    stream = FakeTerminal()
    progress = progress_for("hashing", stream)
    assert isinstance(progress, TerminalProgress)


def test_terminal_progress_draws_in_place_and_clears() -> None:
    stream = FakeTerminal()
    with TerminalProgress("pushing", stream, delay=0, interval=0) as progress:
        progress.add_total(files=4, nbytes=4096)
        progress.update(files=1, nbytes=1024)
        assert stream.getvalue().startswith("\rpushing  1/4 files  1.0 KiB/4.0 KiB  25%")
        assert stream.getvalue().endswith("\x1b[K")
    assert stream.getvalue().endswith("\r\x1b[K")


def test_terminal_progress_waits_before_drawing() -> None:
    stream = FakeTerminal()
    with TerminalProgress("hashing", stream, delay=60) as progress:
        progress.update(files=1)
    assert stream.getvalue() == ""


def test_terminal_progress_counts_from_many_threads() -> None:
    progress = TerminalProgress("x", FakeTerminal(), delay=0, interval=0)

    def work() -> None:
        for _ in range(1000):
            progress.update(files=1, nbytes=2)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (progress.files, progress.nbytes) == (8000, 16000)


def test_render_without_totals() -> None:
    progress = TerminalProgress("pulling", io.StringIO())
    progress.update(files=2, nbytes=3 << 20)
    assert progress.render(1.0) == "pulling  2 files  3.0 MiB  3.0 MiB/s"


def test_format_bytes() -> None:
    assert format_bytes(0) == "0 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 << 40) == "5.0 TiB"


def test_null_progress_is_a_context_manager() -> None:
    with NullProgress() as progress:
        progress.add_total(files=1)
        progress.update(files=1)


def test_render_percent_by_files_when_bytes_unknown() -> None:
    progress = TerminalProgress("pulling", io.StringIO())
    progress.add_total(files=4)
    progress.update(files=1)
    assert progress.render(0.0) == "pulling  1/4 files  25%"
