"""Files that look like credentials, kept out of code checkpoints.

A run's checkpoint commit holds the untracked files of the work tree, and ``git ml
push`` publishes it with the run, so a stray ``.env`` or ``id_rsa`` would reach every
clone. Before a file goes in, two tests run:

* **by name**, untracked files only (tracked ones are in git already): ``.env*``,
  ``.netrc``, ``.npmrc``, ``.pypirc``, ``*.pem``, ``*.key``, SSH keys, ``credentials*``,
  ``secrets.*``, kube, docker, AWS and other tool configs (``NAMES``), plus
  ``runs.secrets.names`` globs from ``.gitml/config.toml``;
* **by content**, untracked and changed tracked files up to the checkpoint's size limit:
  private-key headers, cloud and forge token formats, credentials in URLs (``RULES``),
  plus ``runs.secrets.patterns`` regular expressions.

``runs.secrets.allow`` lists paths (or globs) that go in regardless. Each rule needs a
literal marker, found with a plain substring search before its expression runs, so a
scan costs about one pass over the bytes per marker.

These are built-in rules rather than a detector library: Yelp's detect-secrets and
similar tools scan line by line through a plugin registry (tens of milliseconds to
import, far more per megabyte), which ``git ml run``'s overhead budget cannot carry;
the token formats they know that matter for ML work are the ones below.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitml.config import Settings

# Globs matched case-insensitively against the file name, or with a '/' against the path.
NAMES = (
    ".env",
    ".env.*",
    "*.env",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".pgpass",
    ".my.cnf",
    ".htpasswd",
    ".s3cfg",
    ".boto",
    ".vault-token",
    ".dockercfg",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "credentials*",
    "secrets.*",
    "client_secret*.json",
    "service-account*.json",
    "application_default_credentials.json",
    "terraform.tfstate*",
    "*.tfvars",
    "kubeconfig",
    "*.kubeconfig",
    "*.kube/config",
    "*.docker/config.json",
    "*.aws/credentials",
    "*.aws/config",
    "*.ssh/*",
)


class SecretRule:
    """A content rule: ``pattern`` runs only where one of ``markers`` occurs (compiled on
    its first search: most runs search with few of them, or none)."""

    def __init__(self, label: str, markers: tuple[bytes, ...], pattern: str) -> None:
        self.label = label
        self.markers = markers
        self.pattern = pattern

    @cached_property
    def regex(self) -> re.Pattern[bytes]:
        return re.compile(self.pattern.encode())


RULES = (
    SecretRule(
        "a private key", (b"PRIVATE KEY",), r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    ),
    SecretRule(
        "an AWS access key id",
        (b"AKIA", b"ASIA", b"ABIA", b"ACCA"),
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)(?!IOSFODNN7EXAMPLE)[A-Z2-7]{16}(?![A-Z0-9])",
    ),
    SecretRule(
        "an AWS secret access key",
        (b"ecret_access_key", b"ECRET_ACCESS_KEY", b"ecretAccessKey"),
        r"(?i)secret_?access_?key['\"]?\s*[:=]\s*['\"]?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
    ),
    SecretRule(
        "a GitHub token",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_"),
        r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})",
    ),
    SecretRule(
        "a GitLab token",
        (b"glpat-", b"gldt-", b"glrt-", b"glptt-", b"glsoat-"),
        r"gl(?:pat|dt|rt|ptt|soat)-[A-Za-z0-9_-]{20,}",
    ),
    SecretRule("a Slack token", (b"xox",), r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    SecretRule(
        "a Slack webhook",
        (b"hooks.slack.com",),
        r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
    ),
    SecretRule("a Google API key", (b"AIza",), r"AIza[0-9A-Za-z_-]{35}"),
    SecretRule("a Google OAuth client secret", (b"GOCSPX-",), r"GOCSPX-[A-Za-z0-9_-]{28}"),
    SecretRule("a Stripe live key", (b"_live_",), r"(?:sk|rk)_live_[0-9A-Za-z]{24,}"),
    SecretRule(
        "an OpenAI key",
        (b"T3BlbkFJ",),
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
    ),
    SecretRule("an Anthropic key", (b"sk-ant-",), r"sk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{80,}"),
    SecretRule(
        "a Hugging Face token", (b"hf_",), r"(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9])"
    ),
    SecretRule("an npm token", (b"npm_",), r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    SecretRule(
        "a PyPI token", (b"pypi-AgEIcHlwaS5vcmc",), r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"
    ),
    SecretRule("an Azure storage key", (b"AccountKey=",), r"AccountKey=[A-Za-z0-9+/]{86}=="),
    SecretRule("a SendGrid key", (b"SG.",), r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    SecretRule(
        "a password in a URL",
        (b"://",),
        r"[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s/:@'\"<>{}$%]{1,128}:[^\s/@'\"<>{}$%]{1,256}@[A-Za-z0-9\[]",
    ),
)


def _matches(glob: str, path: str) -> bool:
    """``glob`` (case-insensitive) against the name, or against the path if it has a '/'."""
    lowered = path.lower()
    target = lowered if "/" in glob else lowered.rpartition("/")[2]
    return _glob_match(target, glob.lower()) or (
        "/" in glob and _glob_match(lowered, "*/" + glob.lower())
    )


def _glob_match(name: str, glob: str) -> bool:
    """``fnmatch.fnmatchcase(name, glob)``; the common shapes (no wildcard, or one ``*``)
    without compiling a regular expression for each of the many globs a run checks."""
    if "?" in glob or "[" in glob or glob.count("*") > 1:
        return fnmatch.fnmatchcase(name, glob)
    head, star, tail = glob.partition("*")
    if not star:
        return name == head
    return len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)


def find_token(
    data: bytes, rules: Sequence[SecretRule] = RULES
) -> tuple[str, re.Match[bytes]] | None:
    """The first rule whose pattern occurs in ``data``, with the match; else None."""
    for rule in rules:
        if any(marker in data for marker in rule.markers):
            found = rule.regex.search(data)
            if found is not None:
                return rule.label, found
    return None


class SecretScreen:
    """Decides which work-tree files a checkpoint withholds, and why."""

    def __init__(
        self,
        *,
        names: Sequence[str] = (),
        patterns: Sequence[str] = (),
        allow: Sequence[str] = (),
        max_bytes: int,
    ) -> None:
        self.names = (*NAMES, *names)
        extra = tuple(
            SecretRule(f"a match of runs.secrets pattern {p!r}", (b"",), p) for p in patterns
        )
        self.rules = (*RULES, *extra)
        self.allow = tuple(allow)
        self.max_bytes = max_bytes

    @classmethod
    def of(cls, settings: Settings, *, max_bytes: int) -> SecretScreen:
        return cls(
            names=settings.secret_names,
            patterns=settings.secret_patterns,
            allow=settings.secret_allow,
            max_bytes=max_bytes,
        )

    def reason(self, path: str, *, untracked: bool, full: Path) -> str | None:
        """Why ``path`` (repository-relative) must stay out of a checkpoint, or None."""
        if any(path == a or _matches(a, path) for a in self.allow):
            return None
        if untracked:
            glob = next((g for g in self.names if _matches(g, path)), None)
            if glob is not None:
                return f"looks like a credential file (name matches '{glob}')"
        try:
            st = full.lstat()
            if not full.is_file() or full.is_symlink() or st.st_size > self.max_bytes:
                return None
            data = full.read_bytes()
        except OSError:
            return None
        found = find_token(data, self.rules)
        return None if found is None else f"holds {found[0]}"


def warning_line(paths: Sequence[str], run_id: str) -> str:
    """The one line a run prints about the files its checkpoint withheld."""
    names = ", ".join(paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")
    return (
        f"left {len(paths)} file(s) that look like credentials out of the checkpoint: {names} "
        f"(`git ml show {run_id}` says why; runs.secrets.allow in .gitml/config.toml lets "
        f"one in)"
    )
