"""Credential file names are matched exactly as ``fnmatch`` matches them."""

from __future__ import annotations

import fnmatch

import pytest

from gitml.runs.secrets import NAMES, _glob_match

PATHS = [
    "",
    ".env",
    ".env.local",
    ".envrc",
    "a.env",
    "x.env.y",
    "server.pem",
    "pem",
    "id_rsa",
    "id_rsa.pub",
    "credentials",
    "credentials.json",
    "secrets",
    "secrets.yaml",
    "client_secret.json",
    "client_secret_42.json",
    "client_secret.jsonx",
    "service-account.json",
    "terraform.tfstate.backup",
    "kubeconfig",
    "prod.kubeconfig",
    "deploy/.kube/config",
    ".kube/config",
    "home/.ssh/id_ed25519",
    ".ssh/",
    "u/.aws/credentials",
    "a.tfvars",
    "tfvars",
    "a*b",
]
GLOBS = sorted(
    {g.lower() for g in NAMES}
    | {"*/" + g.lower() for g in NAMES if "/" in g}
    | {"*", "**", "a*b", "a?c", "[ab]*", "x", ""}
)


@pytest.mark.parametrize("glob", GLOBS)
def test_every_glob_matches_as_fnmatch_does(glob: str) -> None:
    assert [p for p in PATHS if _glob_match(p, glob)] == [
        p for p in PATHS if fnmatch.fnmatchcase(p, glob)
    ]
