"""Serving-side collection: append prediction rows to rolling files for ``git ml monitor``.

``Collector("serving/churn.jsonl")`` buffers rows in memory and appends them in blocks
(one write per ``flush_rows`` rows), so a call costs a dict copy. Files roll over by size
(``max_bytes``) to ``<stem>-<n><suffix>``; each finished file is a complete JSON-lines or
CSV file ``git ml monitor --data`` reads directly. Standard library only.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import UsageError

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


class Collector:
    """Append rows (features, prediction, optional label) to rolling JSONL or CSV files."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        columns: Sequence[str] | None = None,
        flush_rows: int = 1000,
        max_bytes: int = 256 << 20,
    ) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in (".jsonl", ".ndjson", ".csv"):
            raise UsageError(f"{self.path}: Collector writes .jsonl or .csv files")
        if flush_rows < 1 or max_bytes < 1:
            raise UsageError("Collector: flush_rows and max_bytes must be positive")
        self.csv = suffix == ".csv"
        self.columns = list(columns) if columns is not None else None
        self.flush_rows = flush_rows
        self.max_bytes = max_bytes
        self._rows: list[JsonObject] = []
        self._lock = threading.Lock()
        self._part = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def current_file(self) -> Path:
        if not self._part:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{self._part}{self.path.suffix}")

    def log(self, row: Mapping[str, Any], **extra: Any) -> None:
        """Record one row (``extra`` adds fields such as ``prediction=...``)."""
        item = {**row, **extra} if extra else dict(row)
        with self._lock:
            self._rows.append(item)
            full = len(self._rows) >= self.flush_rows
        if full:
            self.flush()

    def log_batch(self, rows: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            self._rows.extend(dict(r) for r in rows)
            full = len(self._rows) >= self.flush_rows
        if full:
            self.flush()

    def flush(self) -> None:
        """Append buffered rows to the current file (rolling over when it is full)."""
        with self._lock:
            rows, self._rows = self._rows, []
            if not rows:
                return
            target = self.current_file()
            if target.exists() and target.stat().st_size >= self.max_bytes:
                self._part += 1
                target = self.current_file()
            fresh = not target.exists() or target.stat().st_size == 0
            text = self._csv(rows, fresh) if self.csv else self._jsonl(rows)
            with target.open("a", encoding="utf-8", newline="") as fh:
                fh.write(text)

    def _jsonl(self, rows: list[JsonObject]) -> str:
        keep = self.columns
        return "".join(
            json.dumps({k: r.get(k) for k in keep} if keep else r, default=str) + "\n" for r in rows
        )

    def _csv(self, rows: list[JsonObject], header: bool) -> str:
        if self.columns is None:
            self.columns = list(rows[0])
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.columns, extrasaction="ignore")
        if header:
            writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
