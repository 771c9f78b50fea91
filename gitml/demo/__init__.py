"""``git ml demo``: a throwaway repository that walks a newcomer through gitml."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gitml.errors import GitmlError

PROJECT = Path(__file__).resolve().parent / "project"
GITML = (sys.executable, "-m", "gitml")


@dataclass(frozen=True)
class Step:
    """One demo step: what it shows, and the command (``git ml`` is gitml itself)."""

    say: str
    argv: tuple[str, ...]
    expect_fail: bool = False

    def display(self) -> str:
        words = ["git ml" if i == 0 and a == "gitml" else a for i, a in enumerate(self.argv)]
        return " ".join(_quote(w) if i else w for i, w in enumerate(words))

    def command(self) -> tuple[str, ...]:
        if self.argv[0] == "gitml":
            return (*GITML, *self.argv[1:])
        return (*(["git", *self.argv[1:]] if self.argv[0] == "git" else self.argv),)


def _quote(word: str) -> str:
    return word if word and all(c.isalnum() or c in "-_./=:@,+" for c in word) else repr(word)


def prepare(target: Path) -> None:
    """Create ``target`` with the demo's project files (refuses a non-empty folder)."""
    if target.exists() and any(target.iterdir()):
        raise GitmlError(f"{target}: the demo needs an empty or new folder; pass another DIR")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("train.py", "params.toml", "make_data.py", "make_serving.py"):
        shutil.copy(PROJECT / name, target / name)
    shutil.copy(PROJECT / "policy.toml", target / "demo-policy.toml")
    (target / ".gitignore").write_text(
        "metrics.json\nmodel.json\n__pycache__/\ndeploy/\ndata-store/\ndemo-policy.toml\n"
    )


def steps() -> Iterator[Step]:
    py = sys.executable
    yield Step(
        "A fresh repository with a small training project.", ("git", "init", "-q", "-b", "main")
    )
    yield Step("", ("git", "config", "user.name", "gitml demo"))
    yield Step("", ("git", "config", "user.email", "demo@gitml.invalid"))
    yield Step("Make the training data (deterministic).", (py, "make_data.py"))
    yield Step(
        "Commit the code.", ("git", "add", "train.py", "params.toml", "make_data.py", ".gitignore")
    )
    yield Step("", ("git", "commit", "-q", "-m", "Add a logistic-regression trainer"))
    yield Step(
        "Set the repository up for gitml: settings, policy, stages, refspecs.", ("gitml", "init")
    )
    yield Step("The settings are files, reviewed like code.", ("git", "add", ".gitml"))
    yield Step("", ("git", "commit", "-q", "-m", "Set up gitml"))
    yield Step(
        "Version the data: content hashed into the cache, a manifest on refs/gitml/data, "
        "a small pointer file for git, data/ added to .gitignore, a profile of the CSV.",
        ("gitml", "data", "add", "data"),
    )
    yield Step("Git tracks the pointer, not the data.", ("git", "add", ".gitml", ".gitignore"))
    yield Step("", ("git", "commit", "-q", "-m", "Track the training data"))
    yield Step(
        "The dataset, with the profile monitoring will compare against.",
        ("gitml", "data", "show", "data"),
    )
    yield Step("Train once without gitml, to see the script work.", (py, "train.py"))
    train = ("-M", "metrics.json", "--", py, "train.py")
    yield Step(
        "Record a run: code checkpoint, params, metrics (-M file and gitml.log_metric), env.",
        ("gitml", "run", "-n", "baseline", *train),
    )
    yield Step(
        "Two more with overridden params (params.toml is restored after each run).",
        ("gitml", "run", "-n", "fast-lr", "-S", "train.lr=2.0", *train),
    )
    yield Step("", ("gitml", "run", "-n", "slow-lr", "-S", "train.lr=0.05", *train))
    yield Step(
        "A sweep over a grid, two runs at a time, each in its own temporary worktree.",
        (
            "gitml",
            "run",
            "--jobs",
            "2",
            "-S",
            "train.lr=0.2,1.0",
            "-S",
            "train.epochs=10,40",
            *train,
        ),
    )
    yield Step(
        "List runs with a query, best first.",
        (
            "gitml",
            "ls",
            "--where",
            "metrics.acc > 0.8 and status = 'completed'",
            "--sort",
            "-metrics.acc",
        ),
    )
    yield Step(
        "Everything about one run, with its loss curve and the data version it read.",
        ("gitml", "show", "fast-lr"),
    )
    yield Step("Compare runs side by side.", ("gitml", "compare", "slow-lr", "fast-lr"))
    yield Step(
        "Reproduce a run in a temporary worktree of its checkpoint (your files stay as they "
        "are), with its data and params; metrics are compared within a tolerance.",
        ("gitml", "rerun", "baseline"),
    )
    yield Step(
        "A what-if rerun changes a param; it answers another question, so it is never "
        "'reproduced' (exit 1).",
        ("gitml", "rerun", "baseline", "--set", "train.epochs=5"),
        expect_fail=True,
    )
    yield Step("A run lists its reruns and their verdicts.", ("gitml", "show", "baseline"))
    yield Step("Each run is a line in git log.", ("git", "log", "--notes=gitml", "-1"))
    yield Step("More data arrives.", (py, "make_data.py", "600"))
    yield Step(
        "gitml sees which files changed (one stat per unchanged file).", ("gitml", "data", "status")
    )
    yield Step("Record the new version and commit its pointer.", ("gitml", "data", "add", "data"))
    yield Step("", ("git", "commit", "-q", "-am", "600 rows of training data"))
    yield Step(
        "What changed in the data between two commits.", ("gitml", "data", "diff", "HEAD~1", "HEAD")
    )
    yield Step(
        "Share data through a data remote (a folder here; s3://bucket/prefix works too).",
        ("mkdir", "data-store"),
    )
    yield Step("", ("gitml", "data", "remote", "add", "store", "data-store", "--default"))
    yield Step("", ("gitml", "data", "push"))
    yield Step("", ("git", "commit", "-q", "-am", "Add a data remote"))
    yield Step(
        "Go back in time: check out the first data commit...", ("git", "checkout", "-q", "HEAD~2")
    )
    yield Step("...and restore exactly the data it used.", ("gitml", "data", "checkout"))
    yield Step("", ("gitml", "data", "status"))
    yield Step("Back to the present.", ("git", "checkout", "-q", "main"))
    yield Step("", ("gitml", "data", "checkout"))
    yield from registry_steps()
    if importlib.util.find_spec("pyarrow") is not None:
        yield from monitor_steps()
    else:
        yield Step(
            "Monitoring needs the tabular extra; skipped here.",
            (sys.executable, "-c", "print(\"pip install 'gitml[tabular]' to see git ml monitor\")"),
        )
    yield Step(
        "Everything gitml records lives under refs/gitml/* and refs/notes/gitml.",
        ("git", "for-each-ref", "refs/gitml/", "refs/notes/"),
    )


def registry_steps() -> Iterator[Step]:
    """The model registry: register, promote through a pull request, apply, deploy."""
    py = sys.executable
    train = ("-M", "metrics.json", "-o", "model.json", "--", py, "train.py")
    yield Step(
        "Train a model and keep its file as the run's output.",
        ("gitml", "run", "-n", "churn-a", *train),
    )
    yield Step(
        "Register it as version 1.0.0 of model churn (run, code, params, metrics, data; "
        "the artifact is cached by digest).",
        ("gitml", "model", "register", "churn", "--run", "churn-a", "--version", "1.0.0"),
    )
    yield Step(
        "A second candidate.", ("gitml", "run", "-n", "churn-b", "-S", "train.lr=1.0", *train)
    )
    yield Step(
        "", ("gitml", "model", "register", "churn", "--run", "churn-b", "--version", "1.1.0")
    )
    yield Step(
        "Promotion is a reviewed change of .gitml/stages.toml: --branch commits it on a new "
        "branch (work tree untouched) and prints the pull-request body.",
        ("gitml", "promote", "churn", "1.1.0", "production", "--branch"),
    )
    yield Step(
        "Merge the pull request (a forge would, after review and checks).",
        (
            "git",
            "merge",
            "-q",
            "--no-ff",
            "promote/churn-1.1.0-production",
            "-m",
            "Merge: promote churn 1.1.0",
        ),
    )
    yield Step(
        "CI on main records the merged change as a stage event on refs/gitml/registry.",
        ("gitml", "registry", "apply"),
    )
    yield Step("Applying again changes nothing.", ("gitml", "registry", "apply"))
    yield from governance_steps()
    yield Step(
        "Promoting a version that was never registered is refused.",
        ("gitml", "promote", "churn", "9.9.9", "production"),
        expect_fail=True,
    )
    yield Step(
        "The model: applied stages and every version's lineage.",
        ("gitml", "model", "show", "churn"),
    )
    yield Step(
        "Who changed which stage, when, from which commit.", ("gitml", "model", "history", "churn")
    )
    yield Step(
        "Deployment fetches the production artifact, verified against its digest, as a "
        "self-describing package (gitml-model.toml; --format mlflow adds MLmodel and "
        "requirements.txt).",
        ("gitml", "model", "get", "churn@production", "--to", "deploy", "--format", "mlflow"),
    )
    yield Step("", ("cat", "deploy/MLmodel"))
    yield Step(
        "Scoring data is checked against the signature train.py logged: the training file "
        "still has its label column, which the model does not take.",
        ("gitml", "model", "validate", "churn@production", "--data", "data/train.csv"),
        expect_fail=True,
    )
    yield Step(
        "A model card for review and audit: lineage, metrics, environment, promotions.",
        ("gitml", "model", "card", "churn:1.1.0"),
    )
    yield Step(
        "The applied log matches main's history of stages.toml.", ("gitml", "registry", "verify")
    )
    yield Step(
        "The log is plain git, one readable commit per change.",
        ("git", "log", "-1", "--format=%s%n%n%(trailers:only)", "refs/gitml/registry"),
    )


def monitor_steps(reference: tuple[str, ...] = ()) -> Iterator[Step]:
    """Observation: serving batches against the training profile, found through lineage."""
    py = sys.executable
    check = ("--prediction", "prediction", "--label", "label", *reference)
    yield Step(
        "Serving writes batches with its predictions (gitml.monitor.Collector does this in a "
        "service); here, one like the training data and one drifted.",
        (py, "make_serving.py"),
    )
    yield Step(
        "Monday's batch against the profile of the data churn@production was trained on "
        "(version -> run -> input data -> stored profile): no alert.",
        ("gitml", "monitor", "churn@production", "--data", "serving/monday.csv", *check),
    )
    yield Step(
        "Tuesday's x1 moved by one standard deviation: drift is flagged and the command "
        "exits 4 (an alert, not an error), so cron or CI can act on it.",
        ("gitml", "monitor", "churn@production", "--data", "serving/tuesday.csv", *check),
        expect_fail=True,
    )
    yield Step(
        "Both reports are stored on refs/gitml/monitor.", ("gitml", "monitor", "log", "churn")
    )


def governance_steps() -> Iterator[Step]:
    """Policy as code: one promotion the policy refuses, one it lets through."""
    yield Step(
        "Governance: a policy, reviewed like code (production only after staging).",
        ("cp", "demo-policy.toml", ".gitml/policy.toml"),
    )
    yield Step("", ("git", "commit", "-q", "-m", "Add a promotion policy", ".gitml/policy.toml"))
    yield Step(
        "Straight to production is refused: 1.0.0 never was in staging.",
        ("gitml", "promote", "churn", "1.0.0", "production"),
        expect_fail=True,
    )
    yield Step(
        "Staging first, on a branch for review.",
        ("gitml", "promote", "churn", "1.0.0", "staging", "--branch"),
    )
    yield Step("", ("git", "switch", "-q", "promote/churn-1.0.0-staging"))
    yield Step(
        "The pull-request check CI posts (candidate vs current, every finding).",
        ("gitml", "check", "--base", "main", "--format", "markdown"),
    )
    yield Step("", ("git", "switch", "-q", "main"))
    yield Step(
        "Merge it; `registry apply` re-runs every check before recording it.",
        (
            "git",
            "merge",
            "-q",
            "--no-ff",
            "promote/churn-1.0.0-staging",
            "-m",
            "Merge: stage 1.0.0",
        ),
    )
    yield Step("", ("gitml", "registry", "apply"))


def run_demo(target: Path, run: Callable[[Step], int]) -> None:
    """Prepare ``target`` and run every step through ``run`` (which prints and executes)."""
    prepare(target)
    for step in steps():
        code = run(step)
        if (code != 0) != step.expect_fail:
            raise GitmlError(
                f"demo step `{step.display()}` exited with {code}; the folder {target} is kept for a look"
            )
