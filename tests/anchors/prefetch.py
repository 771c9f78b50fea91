"""Make the anchor venvs ahead of the tests that need them: ``python -m
tests.anchors.prefetch`` (``.ci/run`` starts it in the background while the other tests
run; a test needing a venv still being made waits for it on the same lock)."""

from __future__ import annotations

import sys
import time

from bench.anchors import cached_venv
from tests.anchors import anchor_requirements
from tests.pipelines.dvc_anchor import dvc_executable

NAMES = ("mlflow", "gto", "frameworks")


def main(names: list[str]) -> int:
    failed = 0
    for name in names or ["dvc", *NAMES]:
        started = time.monotonic()
        if name == "dvc":
            found, why = dvc_executable()
        else:
            found, why = cached_venv(name, anchor_requirements(name))
        took = time.monotonic() - started
        print(f"{name}: {found or 'not made: ' + why} ({took:.0f} s)", flush=True)
        failed += found is None
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
