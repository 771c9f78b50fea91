"""How sizes and times are shown to people (records keep the raw numbers and ISO times),
and the unit conversions configuration and the query index read them in."""

from __future__ import annotations

import time
from datetime import datetime


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'`` (powers of 1024, one decimal above bytes)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def mib(size_mib: float) -> int:
    """A size configured in MiB (``max_git_file_mb = 5``) in bytes: configured limits are binary."""
    return int(size_mib * 1024 * 1024)


def format_time(iso: object) -> str:
    """An ISO time for a table: local time to the minute (``''`` for none; odd text as is)."""
    if not isinstance(iso, str):
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def format_utc(stamp: float) -> str:
    """Seconds since the epoch as ``2026-01-02T03:04:05Z`` (messages about commit times)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def time_ms_sql(value: str) -> str:
    """SQL for the time the ISO-8601 text of SQL expression ``value`` spells, in
    milliseconds since 1970 as ``julianday()`` reads it: how the query index holds a time
    field and how a query compares against one."""
    return f"round((julianday({value}) - 2440587.5) * 86400000.0)"
