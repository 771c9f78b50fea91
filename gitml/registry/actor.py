"""Who applies registry changes: the git identity plus what the CI environment tells.

Only identities and run links are read from the environment, never tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from gitml import escape

# (variable, provider) in order of preference: the login of whoever triggered the job.
LOGIN_VARS = (
    ("GITHUB_ACTOR", "github"),
    ("GITLAB_USER_LOGIN", "gitlab"),
    ("GITEA_ACTOR", "gitea"),
    ("BITBUCKET_STEP_TRIGGERER_UUID", "bitbucket"),
    ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
    ("CIRCLE_USERNAME", "circleci"),
    ("BUILD_REQUESTEDFOREMAIL", "azure"),
    ("BUILD_USER_ID", "jenkins"),
)
# The branch a CI job builds, for checkouts with a detached HEAD.
BRANCH_VARS = (
    "CI_COMMIT_BRANCH",
    "BUILDKITE_BRANCH",
    "CIRCLE_BRANCH",
    "BITBUCKET_BRANCH",
    "BRANCH_NAME",
    "BUILD_SOURCEBRANCHNAME",
)


class Actor(NamedTuple):
    name: str
    email: str
    login: str | None = None
    run_url: str | None = None

    def trailer(self) -> str:
        text = f"{self.name} <{self.email}>"
        return escape.trailer(f"{text} ({self.login})" if self.login else text)


def actor_from(name: str, email: str, env: Mapping[str, str]) -> Actor:
    """Who applies: the git identity and CI login, each made one line (CI variables are
    whatever the job's environment says, and each becomes part of a commit trailer)."""
    login = None
    for var, provider in LOGIN_VARS:
        value = env.get(var, "").strip()
        if value:
            login = escape.trailer(f"{provider}:{value}")
            break
    url = ci_run_url(env)
    return Actor(
        name=escape.trailer(name),
        email=escape.trailer(email),
        login=login,
        run_url=escape.trailer(url) if url else None,
    )


def ci_run_url(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    for var in ("CI_PIPELINE_URL", "BUILDKITE_BUILD_URL", "CIRCLE_BUILD_URL", "BUILD_URL"):
        if env.get(var):
            return env[var]
    return None


def ci_branch(env: Mapping[str, str]) -> str | None:
    """The branch a CI job checked out (when HEAD is detached), if the CI says so."""
    ref = env.get("GITHUB_REF", "")
    if ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/")
    for var in BRANCH_VARS:
        value = env.get(var, "").strip()
        if value:
            return value.removeprefix("refs/heads/")
    return None
