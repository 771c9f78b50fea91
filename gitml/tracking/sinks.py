"""Where the calls of one run go (the ``Sink`` protocol), and the sink of no run."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Protocol


class GitmlWarning(UserWarning):
    """Logging calls made outside any run (they are not recorded)."""


class Sink(Protocol):
    """Where the calls of one run go: the spool, an in-process run, or nowhere."""

    def metric(
        self, name: str, value: Any, step: int | None = None, timestamp: int | None = None
    ) -> None: ...
    def params(self, params: Mapping[str, Any]) -> None: ...
    def tag(self, key: str, value: Any) -> None: ...
    def artifact(self, path: str) -> None: ...
    def attach(self, path: str, name: str, info: Mapping[str, Any] | None = None) -> None: ...


class NullSink:
    """Calls outside any run: recorded nowhere, with one warning."""

    warned = False

    def _warn(self) -> None:
        if not self.warned:
            self.warned = True
            warnings.warn(
                "gitml: no active run (not under `git ml run` nor inside "
                "`with gitml.start_run()`); logged values are not recorded",
                GitmlWarning,
                stacklevel=4,
            )

    def metric(
        self, name: str, value: Any, step: int | None = None, timestamp: int | None = None
    ) -> None:
        self._warn()

    def params(self, params: Mapping[str, Any]) -> None:
        self._warn()

    def tag(self, key: str, value: Any) -> None:
        self._warn()

    def artifact(self, path: str) -> None:
        self._warn()

    def attach(self, path: str, name: str, info: Mapping[str, Any] | None = None) -> None:
        self._warn()
