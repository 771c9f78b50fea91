"""The rules a promotion is judged by, read from a commit of the default branch.

The rules are ``.gitml/policy.toml``, the stage configuration in ``.gitml/config.toml``
(``[stages]`` and ``[core]``, which says which branch is the source of truth) and every
allowed-signers file the policy names. A promotion is judged by the rules of its target
-- the default branch before the change landed -- never by rules the change brings, and a
change may not touch the rules and the stages at once (``landings``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from gitml.config import (
    CONFIG_FILE,
    POLICY_FILE,
    STAGES_FILE,
    Settings,
    parse_config_doc,
    settings_from_doc,
)
from gitml.errors import ConfigError, InvalidRecord
from gitml.governance.policy import load_policy
from gitml.records import codec
from gitml.registry.stagefile import parse
from gitml.storage.refs import read_ref
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import (
    FileChange,
    find_tracking_commit,
    read_file_at,
    valid_ref_name,
)

if TYPE_CHECKING:
    from gitml.governance.policy import Policy

MIXED = "change the rules and the stages in separate pull requests"
GOVERNING_TABLES = ("core", "stages")


class RulesAt:
    """The rules as committed at ``commit`` (the work tree's when None), each read once."""

    def __init__(self, repo: GitRepo, commit: str | None) -> None:
        self.repo = repo
        self.commit = commit

    def read(self, path: str) -> bytes | None:
        if self.commit is None:
            full = self.repo.workdir / path
            return full.read_bytes() if full.is_file() else None
        return read_file_at(self.repo, self.commit, path)

    @cached_property
    def config_doc(self) -> codec.Doc:
        data = self.read(CONFIG_FILE)
        if data is None:
            return {}
        return parse_config_doc(data, where=f"{CONFIG_FILE} ({self.where})")

    @cached_property
    def settings(self) -> Settings:
        """Project settings as committed (gitml's defaults when there is no config)."""
        return settings_from_doc(self.config_doc) if self.config_doc else Settings()

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.read(POLICY_FILE), where=f"{POLICY_FILE} ({self.where})")

    @property
    def where(self) -> str:
        return "work tree" if self.commit is None else f"commit {self.commit[:12]}"

    def signer_files(self) -> set[str]:
        """Every allowed-signers path the policy names."""
        return set(_signer_paths(self.policy))


def stricter(in_force: Settings, proposed: Settings) -> Settings:
    """The settings ``in_force`` with each limit that only loosens a check when raised
    (``check.max_git_file_mb``, ``data.max_listing_mb``, ``sync.clock_skew_seconds``)
    taken from ``proposed`` where it is lower: a change may tighten a limit it is judged
    by, never widen it."""
    return in_force._replace(
        max_git_file_mb=min(in_force.max_git_file_mb, proposed.max_git_file_mb),
        max_listing_mb=min(in_force.max_listing_mb, proposed.max_listing_mb),
        clock_skew_s=min(in_force.clock_skew_s, proposed.clock_skew_s),
    )


def proposed_settings(repo: GitRepo, commit: str) -> Settings | None:
    """The settings committed at ``commit`` of a change being judged; None when its config
    does not parse (the schema check of the change reports that)."""
    try:
        return RulesAt(repo, commit).settings
    except ConfigError:
        return None


TARGET_VARS = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "CI_DEFAULT_BRANCH")
"""CI variables naming the branch a pull request targets, or the default branch: set by
the CI, not by the change."""


def target_branches(env: Mapping[str, str] | None) -> list[str]:
    """The branches the CI names as the target or the default (``TARGET_VARS``), in that
    order; a name git refuses names no branch."""
    given = env or {}
    names = [_branch_name(given.get(var)) for var in TARGET_VARS]
    return list(dict.fromkeys(name for name in names if name))


def _branch_name(name: str | None) -> str | None:
    """``name`` when it can name a branch (one from the environment git refuses names none)."""
    return name if name and valid_ref_name(f"refs/heads/{name}") else None


def records_settings(
    repo: GitRepo, remote: str | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """The settings that judge records (fetched, or already local): the config committed on
    the default branch, its limits only tightened (``stricter``) by HEAD's committed config
    and by that of every branch the CI (``TARGET_VARS`` of ``env``) or the remote's
    ``HEAD`` names as the target or default; never the work tree's file.

    The default branch is the reviewed source of the rules (``RulesAt``, DESIGN §8), and a
    commit is what gitml reads rules at everywhere else (the merge base for a PR check,
    HEAD for ``check --staged``): in CI the work tree, and HEAD, are a pull request's own
    checkout, which could otherwise widen the clock skew the audit of fetched records
    allows, or name its own branch the default one, whose stage events fetched records
    are judged against. So the default branch's name is the one committed on the first
    branch the CI or the remote names that holds a config (the default first:
    ``CI_DEFAULT_BRANCH``, the remote's ``HEAD``, then a pull request's target, whose
    config, a release branch's say, names the default branch, not itself), HEAD's only
    when none does. A branch's tip is ``remote``'s copy (``refs/remotes/<remote>/<branch>``,
    as a fetch brings it), else the local branch, else another remote's copy. Without the
    default branch here, that target's committed config, else HEAD's (gitml's defaults
    when there is no commit). ConfigError names the file and the commit of an unreadable
    config in force.
    """
    head = repo.head_commit()
    if head is None:
        return Settings()
    at_head = proposed_settings(repo, head)
    given = env or {}
    named = [
        _named_tip(repo, given.get("CI_DEFAULT_BRANCH"), remote),
        read_ref(repo, f"refs/remotes/{remote or 'origin'}/HEAD"),
        _named_tip(repo, given.get("GITHUB_BASE_REF"), remote),
        _named_tip(repo, given.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"), remote),
    ]
    committed = [(str(tip), _configured(repo, str(tip))) for tip in dict.fromkeys(named) if tip]
    targets = [(tip, found) for tip, found in committed if found is not None]
    chosen = targets[0] if targets else None
    branch = (chosen[1] if chosen else at_head or Settings()).default_branch
    default = _branch_tip(repo, branch, remote)
    settings = RulesAt(repo, default or (chosen[0] if chosen else head)).settings
    settings = settings._replace(default_branch=branch)
    for other in (at_head, *(found for _tip, found in targets)):
        if other is not None:
            settings = stricter(settings, other)
    return settings


def _configured(repo: GitRepo, commit: str) -> Settings | None:
    """The settings committed at ``commit`` when a config that parses is committed there
    (a branch without one names no default branch and tightens nothing)."""
    rules = RulesAt(repo, commit)
    try:
        return rules.settings if rules.config_doc else None
    except ConfigError:
        return None


def _named_tip(repo: GitRepo, name: str | None, remote: str | None) -> str | None:
    """``_branch_tip`` of a branch an environment variable names (``_branch_name``)."""
    branch = _branch_name(name)
    return None if branch is None else _branch_tip(repo, branch, remote)


def _branch_tip(repo: GitRepo, branch: str, remote: str | None) -> str | None:
    """``branch`` as ``remote`` has it, else the local branch, else a remote's copy."""
    tip = read_ref(repo, f"refs/remotes/{remote}/{branch}") if remote else None
    tip = tip or read_ref(repo, f"refs/heads/{branch}")
    return str(tip) if tip is not None else find_tracking_commit(repo, branch)


def settings_before(repo: GitRepo) -> Callable[[FileChange], Settings]:
    """For ``derive``: the stage configuration in force for a change (its first parent's;
    a landing that changed it together with the stages is refused, so within an applied
    landing the first parent's is the base's)."""
    cache: dict[bytes | None, Settings] = {}

    def settings_for(change: FileChange) -> Settings:
        at = RulesAt(repo, change.parents[0] if change.parents else change.commit)
        key = at.read(CONFIG_FILE)
        if key not in cache:
            cache[key] = at.settings
        return cache[key]

    return settings_for


def _signer_paths(policy: Mapping[str, Any]) -> Iterator[str]:
    for rules in (policy.get("stage") or {}).values():
        if isinstance(rules, Mapping) and rules.get("allowed_signers"):
            yield str(rules["allowed_signers"])
    for model in (policy.get("model") or {}).values():
        for rules in ((model or {}).get("stage") or {}).values():
            if isinstance(rules, Mapping) and rules.get("allowed_signers"):
                yield str(rules["allowed_signers"])


def rules_changed(repo: GitRepo, before: str | None, after: str | None) -> list[str]:
    """Which rules files differ between two commits (None: the work tree for ``after``)."""
    old, new = RulesAt(repo, before) if before else None, RulesAt(repo, after)
    files = new.signer_files() | (old.signer_files() if old is not None else set())
    out = []
    for path in (POLICY_FILE, CONFIG_FILE, *sorted(files)):
        a = old.read(path) if old is not None else None
        b = new.read(path)
        if a == b:
            continue
        if path == CONFIG_FILE and old is not None and _same_governing(old, new):
            continue
        out.append(path)
    return out


def stages_changed(repo: GitRepo, before: str | None, after: str | None) -> bool:
    """Whether the stage assignments differ between two commits (None: the work tree)."""
    old = RulesAt(repo, before).read(STAGES_FILE) if before else None
    return assignments_changed(old, RulesAt(repo, after).read(STAGES_FILE))


def assignments_changed(before: bytes | None, after: bytes | None) -> bool:
    """Whether two versions of the stages file assign differently (a file that does not
    parse counts as a change unless the bytes are equal)."""
    if before == after:
        return False

    try:
        old = parse(before).assignments if before is not None else {}
        new = parse(after).assignments if after is not None else {}
    except InvalidRecord:
        return True
    return old != new


def _same_governing(old: RulesAt, new: RulesAt) -> bool:
    try:
        return all(old.config_doc.get(k) == new.config_doc.get(k) for k in GOVERNING_TABLES)
    except ConfigError:
        return False


def governing_changed(before: bytes | None, after: bytes | None) -> bool:
    """Whether two versions of the config differ in the tables that govern stages."""
    if before == after:
        return False
    try:
        old = codec.loads(before, where=CONFIG_FILE) if before is not None else {}
        new = codec.loads(after, where=CONFIG_FILE) if after is not None else {}
    except InvalidRecord:
        return True
    return any(old.get(k) != new.get(k) for k in GOVERNING_TABLES)


def signer_paths(policy_data: bytes | None) -> set[str]:
    """The allowed-signers files a policy file names (none when it does not parse)."""
    try:
        return set(_signer_paths(load_policy(policy_data)))
    except InvalidRecord:
        return set()


def mixed_message(rules: list[str], span: str) -> str:
    """The one refusal for a change that touches the rules and the stages."""
    return (
        f"{span} changes {', '.join(rules)} and {STAGES_FILE}; {MIXED} (a promotion is judged "
        "by the rules already in force, so the rules must land first)"
    )
