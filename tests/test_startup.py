"""Start-up cost, held by the module sets ``python -X importtime`` reports.

``import gitml`` and ``git ml -h`` must stay cheap however the code grows: the tests name
what they may load, so a new eager import fails here rather than in a benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Third-party packages that cost tens of milliseconds or more to import.
HEAVY = frozenset(
    {
        "typer",
        "click",
        "rich",
        "pygit2",
        "dulwich",
        "jsonschema",
        "numpy",
        "pyarrow",
        "yaml",
        "boto3",
        "botocore",
        "fsspec",
        "mlflow",
        "ray",
        "optuna",
    }
)
# Standard modules that cost as much as a heavy package: ``dataclasses`` imports ``inspect``
# (with ``ast``, ``dis`` and ``tokenize``) and compiles the methods of every class it makes.
# The help and one run hold their values in NamedTuples or plain classes instead.
SLOW_STDLIB = ("dataclasses", "inspect")
HELP_MODULES = frozenset(
    {
        "gitml",
        "gitml._version",
        "gitml.cli",
        "gitml.cli._output",
        "gitml.cli._parse",
        "gitml.cli._spec",
        "gitml.escape",
    }
)


def imported(code: str, cwd: Path | None = None) -> set[str]:
    """Every module a fresh interpreter imports running ``code`` (``-X importtime``)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                found.add(name)
    return found


def git_ml(*args: str) -> str:
    return f"import sys; sys.argv = ['git-ml', *{list(args)!r}]; from gitml.cli import main; main()"


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_import_gitml_loads_only_the_facade() -> None:
    modules = imported("import gitml")
    assert {m for m in modules if m.startswith("gitml")} == {"gitml", "gitml._version"}
    assert heavy(modules) == set()


@pytest.mark.parametrize(
    "args", [("-h",), ("--version",), ("ls", "-h"), ("model", "show", "-h"), ("run", "-h")]
)
def test_help_loads_no_heavy_package_and_few_gitml_modules(args: tuple[str, ...]) -> None:
    modules = imported(git_ml(*args))
    assert heavy(modules) == set()
    assert modules.isdisjoint(SLOW_STDLIB)
    assert {m for m in modules if m.startswith("gitml")} <= HELP_MODULES


# The gitml modules ``ls`` and ``model show`` load today (35 and 43), with a little room: a
# module imported at the top that these commands never call fails here.
LS_MODULES = 37
MODEL_SHOW_MODULES = 45
# The same for the registry writes (61, 59, 67 and 80 today): ``register`` loads no tabular
# reader nor ``run``'s option parser, a promotion in the work tree neither ``apply`` nor
# the pull-request body, and ``--branch`` the lineage without the data store and remotes.
# The policy here has no ``requires_stage``, so the promotion judges no stage log and the
# first ``apply`` verifies the whole log (as in every fresh CI clone): it alone loads the
# runs store, to check the versions against their runs.
WRITE_MODULES = {"register": 63, "promote": 61, "apply": 68, "promote --branch": 82}


def gitml_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("gitml")}


def test_model_show_builds_no_dataclass(in_repo: Path) -> None:
    from tests.support.registry import init_project, register

    init_project(in_repo)
    register(in_repo, "1", 0.9)
    modules = imported(git_ml("model", "show", "churn"), cwd=in_repo)
    assert "gitml.registry.query" in modules  # the command really ran
    assert modules.isdisjoint(SLOW_STDLIB)
    assert heavy(modules) == set()
    assert len(gitml_modules(modules)) <= MODEL_SHOW_MODULES


def test_registry_writes_build_no_dataclass(in_repo: Path) -> None:
    from tests.support.core import git
    from tests.support.registry import MODEL_FILE, init_project, record_run, register

    init_project(in_repo)
    register(in_repo, "1", 0.9)
    run = record_run(in_repo, metrics={"acc": 0.95}, model_bytes=b"model 2\n")
    writes = {
        "register": ("model", "register", "churn", "--run", run, "--artifact", MODEL_FILE),
        "promote": ("promote", "churn", "2", "production"),
        "apply": ("registry", "apply"),
        "promote --branch": ("promote", "churn", "2", "staging", "--branch-name", "p/2"),
    }
    for command, args in writes.items():
        modules = imported(git_ml(*args), cwd=in_repo)
        assert "gitml.registry.store" in modules  # the command really ran
        assert modules.isdisjoint(SLOW_STDLIB), args
        assert len(gitml_modules(modules)) <= WRITE_MODULES[command], args
        if command == "promote":
            git(in_repo, "commit", "-q", "-am", "promote 2")
    assert git(in_repo, "rev-parse", "--verify", "-q", "refs/heads/p/2")
    assert git(in_repo, "ls-tree", "-r", "--name-only", "refs/gitml/registry").count("/events/")


def test_ls_in_a_repository_loads_no_heavy_package(repo_with_commit: Path) -> None:
    modules = imported(git_ml("ls"), cwd=repo_with_commit)
    assert heavy(modules) == set()
    assert "gitml.cli._runs_view" in modules  # the command really ran
    assert len(gitml_modules(modules)) <= LS_MODULES


@pytest.mark.parametrize(
    "module",
    ["gitml.tracking", "gitml.tracking.local", "gitml.tracking.media", "gitml.tracking.models"],
)
def test_the_logging_api_loads_in_an_environment_without_gitml_dependencies(module: str) -> None:
    """A training script may run where gitml's source is, but not tomli-w or xxhash."""
    base = imported("pass")
    modules = imported(f"import {module}") - base
    others = {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - {"gitml"}
    assert others == set()


# What the pre-commit hook (``git ml check --staged``) loads when no gitml file is staged:
# the settings and the staged names, not the command-line table nor typer.
STAGED_CHECK_MODULES = frozenset(
    {
        "gitml",
        "gitml._version",
        "gitml.atomic",
        "gitml.cli",
        "gitml.config",
        "gitml.errors",
        "gitml.governance",
        "gitml.governance.fastcheck",
        "gitml.records",
        "gitml.records.codec",
        "gitml.records.limits",
        "gitml.records.schema",
        "gitml.records.validator",
        "gitml.resources",
        "gitml.storage",
        "gitml.storage.git",
        "gitml.units",
    }
)


def test_the_staged_check_loads_only_its_fast_path(in_repo: Path) -> None:
    from tests.support.registry import init_project

    init_project(in_repo)
    (in_repo / "notes.txt").write_text("staged\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=in_repo, check=True)
    modules = imported(git_ml("check", "--staged"), cwd=in_repo)
    assert "gitml.governance.fastcheck" in modules  # the hook really ran
    assert heavy(modules) == set()
    assert gitml_modules(modules) <= STAGED_CHECK_MODULES


# What a user's script loads with ``import gitml.tracking``, before its first run starts.
TRACKING_MODULES = frozenset(
    {
        "gitml",
        "gitml._version",
        "gitml.records",
        "gitml.records.stand_ins",
        "gitml.runs",
        "gitml.runs.spool",
        "gitml.runs.tags",
        "gitml.tracking",
        "gitml.tracking.sinks",
    }
)


def test_the_logging_api_loads_little_before_a_run_starts() -> None:
    modules = imported("import gitml.tracking")
    assert "gitml.tracking.sinks" in modules
    assert heavy(modules) == set()
    assert gitml_modules(modules) <= TRACKING_MODULES


# What one ``git ml run`` never calls, so never loads: the pool, sweep and search machinery,
# the registry past its check for pending registrations, the query index, the interfaces.
RUN_NEVER = (
    "gitml.runs.dispatch",
    "gitml.runs.pool",
    "gitml.runs.sweep",
    "gitml.runs.study",
    "gitml.runs.store",
    "gitml.search",
    "gitml.cluster",
    "gitml.registry.register",
    "gitml.registry.store",
    "gitml.storage.index",
    "gitml.query",
    "gitml.governance",
    "gitml.monitor",
    "gitml.tabular",
    "gitml.ui",
    "gitml.tracking",
    "concurrent.futures",
    "logging",
    "sqlite3",
    "platform",  # the host name is os.uname()'s
    "tempfile",  # temporary worktrees are for sweeps and reruns
    "shutil",  # with bz2 and lzma: the PATH lookup is runs.env.which
    "tomllib",  # TOML is read by the one parser records.codec loads
    "tomli",  # and that only when a run reads TOML: its settings come from their cache
    "csv",  # metrics files in CSV are read with it, and one run has none
    *SLOW_STDLIB,
)
# The gitml modules one run loads (61, clean or dirty, ``runs.notes`` the newest), exactly:
# a new one on this path costs every run, so it is a decision this number records.
RUN_MODULES = 61


@pytest.mark.parametrize("dirty", [False, True], ids=["clean", "dirty"])
def test_one_run_loads_only_what_it_calls(repo_with_commit: Path, dirty: bool) -> None:
    if dirty:
        (repo_with_commit / "README.md").write_text("changed\n")
        (repo_with_commit / "new.txt").write_text("new\n")
    modules = imported(git_ml("run", "--", sys.executable, "-c", "pass"), cwd=repo_with_commit)
    assert "gitml.runs.single" in modules  # the command really ran
    assert heavy(modules) == set()
    never = {
        m for m in modules if m in RUN_NEVER or m.startswith(tuple(f"{n}." for n in RUN_NEVER))
    }
    assert never == set()
    assert len({m for m in modules if m.startswith("gitml")}) <= RUN_MODULES


def test_a_run_reads_the_settings_it_cached_without_a_toml_parser(in_repo: Path) -> None:
    """Importing the TOML parser costs a run about 4% of its instructions: the settings
    are parsed once and then read from their cache (``config.load_settings``)."""
    from tests.support.registry import init_project

    init_project(in_repo)
    run = git_ml("run", "--", sys.executable, "-c", "pass")
    assert "tomli" in imported(run, cwd=in_repo)
    modules = imported(run, cwd=in_repo)
    assert "gitml.runs.single" in modules  # the command really ran
    assert "tomli" not in modules


def one_run_with(script: str, repo: Path) -> str:
    """The stderr of ``script`` run as ``git ml run -- python -c pass`` in ``repo``."""
    proc = subprocess.run(
        [sys.executable, "-c", script, "run", "--", sys.executable, "-c", "pass"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stderr


# Counts the garbage collections of a ``git ml`` process from its first gitml import to the
# end of the command (the console script's entry, ``cli.console``).
COUNTING_COLLECTIONS = """
import gc, sys
starts = []
def count(phase, info):
    if phase == "start":
        starts.append(info["generation"])
gc.callbacks.append(count)
sys.argv = ["git-ml", *sys.argv[1:]]
from gitml.cli import console
code = console()
print(f"collections {len(starts)}", file=sys.stderr)
raise SystemExit(code)
"""


def test_one_run_starts_no_collection(repo_with_commit: Path) -> None:
    """Each collection walks every object a command made so far: ``cli.console`` raises the
    threshold before ``typing`` or the command's modules load (``gitml`` and ``gitml.cli``
    import no ``typing``) and keeps it to the end of the process. At most one collection
    is left, one the interpreter's own start-up had made due."""
    stderr = one_run_with(COUNTING_COLLECTIONS, repo_with_commit)
    counted = [line for line in stderr.splitlines() if line.startswith("collections ")]
    assert counted, stderr[-2000:]
    assert int(counted[-1].split()[1]) <= 1


def test_main_gives_the_collector_back_its_threshold() -> None:
    import gc

    from gitml.cli import main

    before = gc.get_threshold()
    assert main(["--version"]) == 0
    assert gc.get_threshold() == before


# Runs ``git ml`` with ``compile()`` counted, but for the import system's own (a module
# without bytecode yet): what else compiled is written to the file named by argv[1].
COUNTING_COMPILE = """
import builtins, json, sys
compiled = []
real = builtins.compile
def counted(source, *args, **kwargs):
    if not sys._getframe(1).f_code.co_filename.startswith("<frozen importlib"):
        compiled.append(str(source)[:80])
    return real(source, *args, **kwargs)
builtins.compile = counted
out, sys.argv = sys.argv[1], ["git-ml", *sys.argv[2:]]
from gitml.cli import main
try:
    main()
finally:
    with open(out, "w") as f:
        json.dump(compiled, f)
"""


@pytest.mark.parametrize("dirty", [False, True], ids=["clean", "dirty"])
def test_one_run_compiles_no_source(repo_with_commit: Path, tmp_path: Path, dirty: bool) -> None:
    """typing compiles each string annotation of a NamedTuple it makes, and the first
    compile() of a process costs about 3 ms: the value types one run makes spell their
    annotations as objects (``records.stand_ins``)."""
    if dirty:
        (repo_with_commit / "README.md").write_text("changed\n")
        (repo_with_commit / "new.txt").write_text("new\n")
    found = tmp_path / "compiled.json"
    argv = [str(found), "run", "--", sys.executable, "-c", "pass"]
    proc = subprocess.run(
        [sys.executable, "-c", COUNTING_COMPILE, *argv],
        cwd=repo_with_commit,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(found.read_text()) == []


def test_the_check_sees_a_heavy_import() -> None:
    modules = imported("import gitml, jsonschema")
    assert "jsonschema" in heavy(modules)
    assert {m for m in modules if m.startswith("gitml")} == {"gitml", "gitml._version"}


# What rerunning one run here never loads: the cluster, pool, sweep and search code that
# ``rerun --on`` and sweeps need.
RERUN_NEVER = ("gitml.cluster", "gitml.runs.pool", "gitml.runs.sweep", "gitml.search")


def test_one_rerun_loads_no_cluster_code(in_repo: Path) -> None:
    from tests.rerun.rerun_support import make_project, record

    make_project(in_repo)
    run = record()
    modules = imported(git_ml("rerun", run["id"]), cwd=in_repo)
    assert "gitml.rerun.replay" in modules  # the command really ran
    never = {m for m in modules if m.startswith(RERUN_NEVER)}
    assert never == set()
