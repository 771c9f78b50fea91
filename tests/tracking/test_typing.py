"""The public API is typed for checkers, and ``import gitml`` stays cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = """\
import gitml

with gitml.start_run(run_name="typed", nested=False, tags={"a": "b"}) as run:
    gitml.log_metric("loss", 0.5, step=1, timestamp=1)
    gitml.log_params({"lr": 0.1})
    gitml.log_image([[0, 1]], key="k", step=2)
    runs: list[gitml.Run] = gitml.search_runs(where="metrics.loss < 1", order_by="-metrics.loss")
    run_id: str = run.id
reveal_type(gitml.log_metric)
"""


def mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "user_script.py"
    script.write_text(code)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        cwd=tmp_path,  # not the checkout: gitml is found as an installed, typed package
        capture_output=True,
        text=True,
        check=False,
    )


BAD = """\
gitml.log_metrc("a", 1.0)
gitml.log_metric("a", 1.0, stepp=2)
"""


@pytest.mark.slow
def test_mypy_strict_sees_real_signatures_and_catches_misspellings(tmp_path: Path) -> None:
    """One mypy run (it is slow): the correct lines pass, the two wrong ones are caught."""
    proc = mypy(tmp_path, GOOD + BAD)
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    good_lines = GOOD.count("\n")
    assert all(int(e.split(":")[1]) > good_lines for e in errors), proc.stdout
    assert 'Module has no attribute "log_metrc"' in proc.stdout, proc.stdout
    assert 'Unexpected keyword argument "stepp"' in proc.stdout, proc.stdout
    assert len(errors) == 2, proc.stdout
    revealed = next(line for line in proc.stdout.splitlines() if "Revealed type" in line)
    assert "Any" not in revealed.split("Revealed type is", 1)[1]
    assert re.search(r"def \(name: (builtins\.)?str, value: (builtins\.)?float, step:", revealed)


def test_package_ships_the_py_typed_marker() -> None:
    import gitml

    assert (Path(gitml.__file__).parent / "py.typed").is_file()


def imported(statement: str) -> tuple[dict[str, int], dict[str, int]]:
    """``({module: self µs}, {module: cumulative µs})`` of what ``statement`` imports
    beyond interpreter start-up (``python -X importtime``)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    lines = proc.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("| site"))
    for line in lines[start + 1 :]:
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
            own[parts[2].strip()] = int(parts[0].split(":")[1])
            total[parts[2].strip()] = int(parts[1])
    return own, total


def test_import_gitml_imports_what_it_did_before_and_stays_fast() -> None:
    """``import gitml`` loads ``typing``, gitml's own ``__init__`` and its version, nothing
    else (no pygit2, typer, numpy or tracking code), and gitml's own part takes microseconds."""
    modules, _ = imported("import gitml")
    baseline, _ = imported("import typing")
    assert set(modules) - set(baseline) == {"gitml", "gitml._version"}
    best = min(imported("import gitml")[0]["gitml"] for _ in range(5))
    assert best < 10_000  # µs of gitml/__init__.py itself (measured: about 1 ms)


def test_every_public_name_resolves_lazily() -> None:
    import gitml

    for name in gitml.__all__:
        assert getattr(gitml, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'log_metrc'"):
        gitml.log_metrc  # type: ignore[attr-defined]  # noqa: B018
