from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime

import pytest

from gitml.units import format_bytes, format_time, format_utc, time_ms_sql


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 << 20, "3.0 MiB"), (5 << 40, "5.0 TiB")],
)
def test_format_bytes_uses_powers_of_1024(n: int, text: str) -> None:
    assert format_bytes(n) == text


def test_format_time_shows_local_minutes_and_passes_odd_text_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    assert format_time("2026-01-02T03:04:05+00:00") == "2026-01-02 03:04"
    assert format_time("yesterday") == "yesterday"
    assert format_time(None) == ""


def test_format_utc_is_iso_with_z() -> None:
    assert format_utc(0) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "text",
    ["2026-12-07T15:09:31.071000+00:00", "2026-12-07T16:09:31.071+01:00", "1970-01-01T00:00:00Z"],
)
def test_time_ms_sql_reads_an_iso_time_as_milliseconds_since_1970(text: str) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        (ms,) = conn.execute(f"SELECT {time_ms_sql('?')}", (text,)).fetchone()
    expected = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    assert ms == round(expected)
