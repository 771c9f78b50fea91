"""``git ml check``: what a commit, a pull request, a push or the whole repository changes.

Checks: schema validity of gitml's tracked files and records; no large file committed into
git (``check.max_git_file_mb``); every promotion in ``.gitml/stages.toml`` against the
registry rules and ``.gitml/policy.toml`` (the policy of the base, so a change cannot relax
the policy it is judged by); with ``--all``, the registry log against the stages file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitml._version import __version__
from gitml.config import CONFIG_FILE, POLICY_FILE, STAGES_FILE, Settings
from gitml.data.audit import check_data_plane, listing_problem
from gitml.data.store import LISTING_SUFFIX, record_paths
from gitml.errors import ConfigError, GitmlError, InvalidRecord
from gitml.governance.findings import Finding, errors
from gitml.governance.promotions import PromotionCheck, check_events, promotions
from gitml.governance.rules import SIGNATURE_RULES, RuleContext
from gitml.integrity import history
from gitml.objects.digest import Digest
from gitml.records import codec
from gitml.records.limits import MAX_LISTING_BYTES, read_problem
from gitml.records.schema import validate_record
from gitml.registry.derive import derive
from gitml.registry.landings import bases, mixed_problems, pending_landings
from gitml.registry.rules import (
    RulesAt,
    assignments_changed,
    governing_changed,
    mixed_message,
    proposed_settings,
    records_settings,
    rules_changed,
    settings_before,
    signer_paths,
    stricter,
)
from gitml.registry.stagefile import parse
from gitml.registry.store import models_in, open_index, registry_collection, version_lookup
from gitml.registry.verify import verify
from gitml.storage import (
    COLLECTION_REFS,
    DATA_REF,
    INDEX_REF,
    REF_ROOT,
    REGISTRY_REF,
    remote_tracking_ref,
)
from gitml.storage.audit_statement import stated_tips
from gitml.storage.blobs import blob_sizes, read_blobs
from gitml.storage.git import git_output, raw_changes
from gitml.storage.history import is_ancestor
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import file_changes
from gitml.units import format_bytes
from gitml.validate import check_text, kind_of

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.registry.store import RegistryIndex
    from gitml.storage.collection import Snapshot

ZERO = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass
class CheckReport:
    mode: str
    base: str | None = None
    head: str | None = None
    findings: list[Finding] = field(default_factory=list)
    promotions: list[PromotionCheck] = field(default_factory=list)
    files: int = 0
    records: int = 0

    def all_findings(self) -> list[Finding]:
        return self.findings + [f for p in self.promotions for f in p.findings]

    @property
    def errors(self) -> list[Finding]:
        return errors(self.all_findings())

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> JsonObject:
        return {
            "ok": self.ok,
            "mode": self.mode,
            "base": self.base,
            "head": self.head,
            "files": self.files,
            "records": self.records,
            "findings": [f.as_dict() for f in self.findings],
            "promotions": [p.as_dict() for p in self.promotions],
        }


def _raw_changes(repo: GitRepo, *args: str) -> list[tuple[str, str]]:
    """(blob sha, path) of files added or modified, from ``git diff --raw -z`` style output."""
    return [
        (change.new_oid, change.path)
        for change in raw_changes(git_output(repo.workdir_or_gitdir, args[0], "-z", *args[1:]))
        if change.status in ("A", "M", "T") and change.new_mode != "160000"
    ]


def _sizes(repo: GitRepo, shas: list[str]) -> list[int]:
    if not shas:
        return []
    text = repo.git("cat-file", "--batch-check=%(objectsize)", input="\n".join(shas) + "\n").stdout
    return [int(x) if x.strip().isdigit() else 0 for x in text.splitlines()]


def _check_files(
    repo: GitRepo,
    settings: Settings,
    changes: list[tuple[str, str]],
    report: CheckReport,
    rev: str | None = None,
    *,
    pointer_dirs: tuple[str, ...] = (),
) -> None:
    """Size, schema and data-plane checks of the changed files, by ``settings``' limit;
    ``pointer_dirs``: more folders whose files are judged as pointers (a change's own
    ``data.pointer_dir`` beside the one in force, so moving it hides no pointer)."""
    limit = settings.max_git_file_bytes
    folders = tuple(dict.fromkeys((settings.pointer_dir, *pointer_dirs)))
    for (sha, path), size in zip(changes, _sizes(repo, [s for s, _ in changes]), strict=True):
        report.files += 1
        if size > limit:
            report.findings.append(
                Finding(
                    "max_git_file_mb",
                    f"{format_bytes(size)} is over the {settings.max_git_file_mb:g} MiB "
                    "limit for files in git; track it as data (`git ml data add`) and remove it "
                    "from the commit (`git rm --cached`)",
                    file=path,
                    field="check.max_git_file_mb",
                )
            )
        kind = next(filter(None, (kind_of(path, folder) for folder in folders)), None)
        if kind is not None:
            text = repo.git("cat-file", "blob", sha).stdout
            problems = check_text(path, text, kind=kind)
            if not problems and kind == "pointer":
                _check_pointer(repo, path, text, report)
            for problem in problems:
                rest = problem.removeprefix(f"{path}: ")
                report.findings.append(
                    Finding("schema", f"{rest}; fix it (`git ml validate {path}`)", file=path)
                )
    for folder in folders:
        _check_data_plane(repo, settings, folder, rev, [p for _, p in changes], report)


def _check_data_plane(
    repo: GitRepo,
    settings: Settings,
    pointer_dir: str,
    rev: str | None,
    changed: list[str],
    report: CheckReport,
) -> None:
    """The data plane's path rules on the datasets a change touches (``gitml.data.audit``)."""
    limit = settings.max_listing_bytes
    for file, problem in check_data_plane(repo, rev, pointer_dir, changed, max_listing=limit):
        report.findings.append(
            Finding("data-path", f"{problem}; gitml refuses this data", file=file, field="path")
        )


def _check_pointer(repo: GitRepo, path: str, text: str, report: CheckReport) -> None:
    """A pointer's manifest must be recorded on refs/gitml/data (else nobody can check it out)."""
    name = path.rsplit("/", 1)[1].removesuffix(".toml")
    manifest = str(codec.loads(text, where=path)["manifest"])
    want = record_paths(name, Digest(manifest))[0]
    if not _has_blob(repo, f"{DATA_REF}:{want}"):
        report.findings.append(
            Finding(
                "data-pointer",
                f"dataset {name!r} points at manifest {manifest}, which is not on {DATA_REF}; "
                "re-run `git ml data add` for it, or fetch the data records "
                "(`git ml pull`, or `git ml fetch --ci` in CI)",
                file=path,
                field="manifest",
            )
        )


def _has_blob(repo: GitRepo, spec: str) -> bool:
    return repo.git("cat-file", "-e", spec, check=False).returncode == 0


def _blob(repo: GitRepo, spec: str) -> bytes | None:
    proc = repo.git("cat-file", "blob", spec, check=False)
    return proc.stdout.encode("utf-8") if proc.returncode == 0 else None


def check_staged(
    repo: GitRepo, settings: Settings, env: Mapping[str, str], files: Sequence[str] = ()
) -> CheckReport:
    """The staged change (pre-commit); the policy is HEAD's.

    ``files``: the files pre-commit passes; when they name the stages file but it is not
    staged (``pre-commit run --all-files``), HEAD's stages file is judged against the
    applied state, as ``check --all`` does.
    """
    report = CheckReport("staged")
    changes = _raw_changes(repo, "diff", "--cached", "--raw", "--no-abbrev", "--no-renames")
    _check_files(repo, settings, changes, report)
    changed = {p for _, p in changes}
    if STAGES_FILE in files and STAGES_FILE not in changed:
        head = _resolve(repo, "HEAD")
        if head is not None:
            judge_stages(repo, env, head, report)
    if STAGES_FILE in changed:
        has_head = repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
        head = repo.git("rev-parse", "HEAD").stdout.strip() if has_head else None
        before = _blob(repo, f"HEAD:{STAGES_FILE}") if head else None
        after = _blob(repo, f":{STAGES_FILE}")
        rules = _staged_rules(repo, changed, head)
        if rules and assignments_changed(before, after):
            report.findings.append(_mixed(rules, "the staged change"))
        in_force = RulesAt(repo, head).settings if head else settings
        ctx = RuleContext(env=env, rules=head)
        _promotions(repo, in_force, before, after, head, ctx, report)
    return report


def _staged_rules(repo: GitRepo, changed: set[str], head: str | None) -> list[str]:
    """The rules files (policy, governing config, allowed signers) the staged change edits."""
    before = {
        path: _blob(repo, f"HEAD:{path}") if head else None for path in (CONFIG_FILE, POLICY_FILE)
    }
    signers = signer_paths(before[POLICY_FILE]) | signer_paths(_blob(repo, f":{POLICY_FILE}"))
    out = []
    if POLICY_FILE in changed:
        out.append(POLICY_FILE)
    if CONFIG_FILE in changed and governing_changed(
        before[CONFIG_FILE], _blob(repo, f":{CONFIG_FILE}")
    ):
        out.append(CONFIG_FILE)
    out += sorted(path for path in signers if path in changed)
    return out


def _mixed(rules: list[str], span: str) -> Finding:
    return Finding("rules-and-stages", mixed_message(rules, span), file=STAGES_FILE)


def _promotions(
    repo: GitRepo,
    settings: Settings,
    before: bytes | None,
    after: bytes | None,
    policy_commit: str | None,
    ctx: RuleContext,
    report: CheckReport,
) -> None:
    found, problems = promotions(
        repo, settings, before, after, where=STAGES_FILE, policy_commit=policy_commit, ctx=ctx
    )
    report.promotions.extend(found)
    report.findings.extend(problems)


def check_range(repo: GitRepo, base: str, head: str, env: Mapping[str, str]) -> CheckReport:
    """Everything in ``base..head`` (a pull request); the rules are the merge base's (the
    base's when the two share no history).

    The settings too: the work tree is the change's own checkout in CI, so the file size
    limit is the target's, tightened (never raised) by the head's committed config
    (``rules.stricter``), and pointers are looked for in both ``data.pointer_dir``s.
    """
    head_sha = repo.git("rev-parse", "--verify", f"{head}^{{commit}}").stdout.strip()
    base_sha = repo.git("rev-parse", "--verify", f"{base}^{{commit}}").stdout.strip()
    fork = repo.git("merge-base", base_sha, head_sha, check=False).stdout.strip() or None
    # Without a history in common the target as it stands is in force, never the
    # work tree: that is the change's own checkout.
    target = fork or base_sha
    in_force = RulesAt(repo, target).settings
    proposed = proposed_settings(repo, head_sha)
    report = CheckReport("range", base_sha, head_sha)
    changes = _raw_changes(
        repo, "diff", "--raw", "--no-abbrev", "--no-renames", fork or EMPTY_TREE, head_sha
    )
    judged = in_force if proposed is None else stricter(in_force, proposed)
    more = (proposed.pointer_dir,) if proposed is not None else ()
    _check_files(repo, judged, changes, report, head_sha, pointer_dirs=more)
    rules = rules_changed(repo, fork, head_sha)
    if any(p == STAGES_FILE for _, p in changes):
        before = _blob(repo, f"{fork}:{STAGES_FILE}") if fork else None
        after = _blob(repo, f"{head_sha}:{STAGES_FILE}")
        if rules and assignments_changed(before, after):
            report.findings.append(_mixed(rules, f"{(fork or '')[:12]}..{head_sha[:12]}"))
        ctx = RuleContext(commit=head_sha, env=env, rules=target)
        _promotions(repo, in_force, before, after, target, ctx, report)
    elif rules:
        report.findings.append(
            Finding(
                "policy-change",
                f"this change edits the rules ({', '.join(rules)}); they apply to changes "
                "that land after it is applied, not to this one (review it with care)",
                file=rules[0],
                severity="warning",
            )
        )
    return report


def check_records(
    repo: GitRepo,
    ref: str,
    old: str | None,
    new: str,
    report: CheckReport,
    *,
    max_listing: int = MAX_LISTING_BYTES,
) -> None:
    """Schema validity of every record added to gitml ref ``ref`` in ``old..new``; a file
    list over ``max_listing`` is reported by its size, unread."""
    args = ("diff-tree", "-r", "--raw", "--no-abbrev", "--no-renames", old or EMPTY_TREE, new)
    raw = _raw_changes(repo, *args)
    changes = [(s, p) for s, p in raw if p.endswith(".toml") and p != "layout.toml"]
    report.records += len(changes)
    known = _valid_blobs(repo)
    fresh = [(s, p) for s, p in raw if s not in known]
    valid = _check_listings(repo, ref, fresh, report, max_listing=max_listing)
    todo = [(s, p) for s, p in changes if s not in known]
    if not todo:
        _remember_valid(repo, valid)
        return
    for (sha, path), (_oid, data) in zip(todo, read_blobs(repo, [s for s, _ in todo]), strict=True):
        where = f"{ref}:{path}"
        try:
            validate_record(codec.loads(data, where=where), where=where)
            valid.append(sha)
        except InvalidRecord as exc:
            report.findings.append(
                Finding(
                    "schema",
                    f"{exc}; this record is invalid, rewrite it with gitml (records "
                    "are written by `git ml`, never by hand)",
                    file=where,
                )
            )
    _remember_valid(repo, valid)


def _check_listings(
    repo: GitRepo,
    ref: str,
    changes: list[tuple[str, str]],
    report: CheckReport,
    *,
    max_listing: int,
) -> list[str]:
    """File lists on ``refs/gitml/data`` obey the path guard's rules; returns the valid ones.

    One over ``max_listing`` is reported by its object header and never read."""
    found = [(s, p) for s, p in changes if ref == DATA_REF and p.endswith(LISTING_SUFFIX)]
    listings = []
    for (sha, path), size in zip(found, blob_sizes(repo, [s for s, _ in found]), strict=True):
        problem = read_problem(path, size or 0, max_listing=max_listing)
        if problem is None:
            listings.append((sha, path))
            continue
        report.findings.append(
            Finding(
                "data-path",
                f"{problem}; gitml refuses this dataset version (raise the limit on the default "
                "branch if the dataset really has that many files)",
                file=f"{ref}:{path}",
            )
        )
    valid = []
    for (sha, path), (_oid, data) in zip(
        listings, read_blobs(repo, [s for s, _ in listings]), strict=True
    ):
        problem = listing_problem(data, where=f"{ref}:{path}")
        if problem is None:
            valid.append(sha)
            continue
        report.findings.append(
            Finding(
                "data-path", f"{problem}; gitml refuses this dataset version", file=f"{ref}:{path}"
            )
        )
    return valid


def _cache_path(repo: GitRepo) -> Path:
    return repo.state_dir / f"check-valid-{__version__}.txt"


def _valid_blobs(repo: GitRepo) -> set[str]:
    """Blob ids of records already found valid by this gitml version (records are immutable)."""
    try:
        return set(_cache_path(repo).read_text("ascii").split())
    except OSError:
        return set()


def _remember_valid(repo: GitRepo, shas: list[str]) -> None:
    if not shas:
        return
    try:
        path = _cache_path(repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as fh:
            fh.write("\n".join(shas) + "\n")
    except OSError:
        return


def _resolve(repo: GitRepo, ref: str) -> str | None:
    proc = repo.git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() or None


def push_updates(
    repo: GitRepo, stdin: str, remote: str, env: Mapping[str, str] | None = None
) -> list[tuple[str, str, str | None]]:
    """(local ref, local sha, remote sha or None) of every ref a push sends.

    From pre-push's stdin when git gave it; otherwise (pre-commit's pre-push stage consumes
    stdin and exposes only the first ref, as ``PRE_COMMIT_LOCAL_BRANCH``/``_TO_REF``/
    ``_FROM_REF``) that ref or the current branch, plus every ``refs/gitml/*`` ref that
    differs from its remote-tracking copy: what ``git push`` plus ``git ml push`` send.
    """
    out: list[tuple[str, str, str | None]] = []
    lines = [line.split() for line in stdin.splitlines() if line.strip()]
    if lines:
        for parts in lines:
            if len(parts) == 4 and parts[1] != ZERO:
                out.append((parts[0], parts[1], None if parts[3] == ZERO else parts[3]))
        return out
    env = env or {}
    local, to_ref = env.get("PRE_COMMIT_LOCAL_BRANCH", ""), env.get("PRE_COMMIT_TO_REF", "")
    branch = repo.git("symbolic-ref", "-q", "HEAD", check=False).stdout.strip()
    if local.startswith("refs/heads/") and to_ref and to_ref != ZERO:
        from_ref = env.get("PRE_COMMIT_FROM_REF", "")
        theirs = None if not from_ref or from_ref == ZERO else from_ref
        if _resolve(repo, theirs or ZERO) is None:
            theirs = None
        out.append((local, to_ref, theirs))
    elif branch:
        sha = _resolve(repo, branch)
        theirs = _resolve(repo, f"refs/remotes/{remote}/{branch.removeprefix('refs/heads/')}")
        if sha and sha != theirs:
            out.append((branch, sha, theirs))
    for ref in COLLECTION_REFS:
        sha = _resolve(repo, ref)
        theirs = _resolve(repo, remote_tracking_ref(remote, ref))
        if sha and sha != theirs:
            out.append((ref, sha, theirs))
    return out


def check_push(
    repo: GitRepo, settings: Settings, stdin: str, env: Mapping[str, str], remote: str = "origin"
) -> CheckReport:
    report = CheckReport("push")
    for ref, sha, theirs in push_updates(
        repo, stdin, env.get("PRE_COMMIT_REMOTE_NAME", remote), env
    ):
        if ref == INDEX_REF:  # a cache of derived rows; readers check it themselves
            continue
        if ref.startswith(REF_ROOT):
            check_records(repo, ref, theirs, sha, report, max_listing=settings.max_listing_bytes)
            continue
        if ref.startswith("refs/heads/"):
            base = theirs or _resolve(repo, f"refs/remotes/{remote}/{settings.default_branch}")
            if base is None or base == sha:
                continue
            sub = check_range(repo, base, sha, env)
            report.findings.extend(sub.findings)
            report.promotions.extend(sub.promotions)
            report.files += sub.files
    return report


def _check_history(
    repo: GitRepo,
    settings: Settings,
    ref: str,
    tip: str,
    report: CheckReport,
    *,
    since: str | None = None,
) -> None:
    """The local history of ``ref`` is append-only and every record is where it belongs
    (from ``since``, a trusted audited tip, when given)."""
    known = history.audited_tips(repo, ref) + ([since] if since else [])
    found = history.check_history(
        repo, ref, tip, known, skew_s=settings.clock_skew_s, max_listing=settings.max_listing_bytes
    )
    for problem in found.problems:
        report.findings.append(
            Finding(
                "append-only",
                f"{problem.removeprefix(ref + ': ')}; records are append-only, so this history "
                "was rewritten or forged (restore it from a clone that has the records)",
                file=ref,
            )
        )
    for root in [] if since else _roots_in(repo, tip):
        report.findings.append(
            Finding(
                "shallow-history",
                f"the history before commit {root[:12]} is not in this clone (its first pull "
                "started at a signed audit statement, not trusted now), so whether a record "
                "older than it was ever edited was not audited here; fetch the whole "
                "history (`git fetch --unshallow`) to audit it",
                file=ref,
                severity="warning",
            )
        )
    if not found.problems:
        history.remember_audited(repo, ref, tip)


def _roots_in(repo: GitRepo, tip: str) -> list[str]:
    """The shallow commits a first pull started at that ``tip``'s history reaches."""
    if not repo.is_shallow:
        return []
    roots = repo.shallow_roots() & repo.shallow_commits()
    return sorted(root for root in roots if is_ancestor(repo, root, tip))


def judge_stages(repo: GitRepo, env: Mapping[str, str], head: str, report: CheckReport) -> None:
    """The stages file at ``head`` against the applied state and the rules in force.

    Every assignment the registry has not applied yet is a promotion, judged by the rules
    as ``registry apply`` will judge it (those at the base of the first change since the
    last applied state); a change since then that touched the rules and the stages
    together is reported. A violation committed past the hooks (``--no-verify``) is
    found here.
    """
    after = _blob(repo, f"{head}:{STAGES_FILE}")
    if after is None:
        return
    snap = registry_collection(repo).snapshot()
    with open_index(repo) as index:
        index.refresh()
        if _applied_as_committed(repo, head, after, index, snap):
            return  # nothing is pending, so there is nothing to judge
        landings = pending_landings(repo, head, stop=index.is_applied)
        base = landings[0].base if landings else head
        rules = RulesAt(repo, base or head)
        stages = rules.settings
        models = models_in(snap)
        state = index.state(models, stages.stages, stages.terminal_stages)
        derived = derive(
            repo,
            file_changes(repo, head, STAGES_FILE, stop=index.is_applied),
            settings=stages,
            versions=version_lookup(snap),
            state=state,
            seqs={model: index.max_seq(model) for model in models},
            settings_for=settings_before(repo),
        )
        by_commit = check_events(
            repo, derived.events, snap, env, bases=bases(landings), index=index
        )
    for problem in mixed_problems(repo, landings):
        report.findings.append(Finding("rules-and-stages", problem, file=STAGES_FILE))
    found, problems = promotions(
        repo,
        stages,
        None,
        after,
        where=f"{STAGES_FILE} (HEAD)",
        policy_commit=base or head,
        ctx=RuleContext(env=env, rules=base or head),
        snap=snap,
        applied=state,
    )
    report.promotions.extend(found)
    report.findings.extend(problems)
    # The signature rule needs the commit that made a promotion: judged as `registry
    # apply` judges it, commit by commit; the rest was judged above at HEAD.
    report.findings.extend(
        Finding(f.rule, f.message, file=STAGES_FILE, field=f.field)
        for f in by_commit
        if f.rule in SIGNATURE_RULES
    )


def _applied_as_committed(
    repo: GitRepo, head: str, after: bytes, index: RegistryIndex, snap: Snapshot
) -> bool:
    """Whether the stages file at ``head`` assigns exactly what the registry applied."""
    settings = RulesAt(repo, head).settings
    try:
        committed = parse(after, settings=settings).assignments
    except InvalidRecord:
        return False
    models = models_in(snap)
    return committed == index.state(models, settings.stages, settings.terminal_stages)


def audit_records(
    repo: GitRepo, settings: Settings, report: CheckReport, *, registry_history: bool = True
) -> dict[str, str]:
    """Every record ref's history and records into ``report``; the tips audited.

    Only what follows the tips of a trusted audit statement is read
    (``storage.audit_statement``); without one, the whole history. ``registry_history``
    False leaves the registry's history to ``registry verify``.
    """
    tips = {ref: tip for ref in COLLECTION_REFS if (tip := _resolve(repo, ref))}
    stated = stated_tips(repo, tips)
    for ref, tip in tips.items():
        since = stated.get(ref)
        if ref != REGISTRY_REF or registry_history:
            _check_history(repo, settings, ref, tip, report, since=since)
        check_records(repo, ref, since, tip, report, max_listing=settings.max_listing_bytes)
    return tips


def check_all(repo: GitRepo, env: Mapping[str, str]) -> CheckReport:
    """Every tracked gitml file and large file at HEAD, every record, and the registry log.

    By committed settings (``rules.records_settings``: the default branch's, tightened by
    HEAD's), never the work tree's: in a CI checkout that is the change's own. Pointers
    are looked for in both ``data.pointer_dir``s, the default branch's and HEAD's.
    """
    report = CheckReport("all")
    try:
        settings = records_settings(repo, env=env)
    except ConfigError as exc:
        report.findings.append(
            Finding("config", f"{exc} (checking with gitml's defaults)", severity="warning")
        )
        settings = Settings()
    head = _resolve(repo, "HEAD")
    report.head = head
    if head:
        changes = _raw_changes(repo, "diff-tree", "-r", "--raw", "--no-abbrev", EMPTY_TREE, head)
        # HEAD's own pointer folder too: in a PR's checkout it may have moved it.
        at_head = proposed_settings(repo, head)
        more = (at_head.pointer_dir,) if at_head is not None else ()
        _check_files(repo, settings, changes, report, head, pointer_dirs=more)
    verifies = bool(head and _resolve(repo, REGISTRY_REF))
    audit_records(repo, settings, report, registry_history=not verifies)
    if head:
        judge_stages(repo, env, head, report)
    if verifies:
        try:
            result = verify(repo, settings, env)  # audits the registry's history too
        except GitmlError as exc:
            report.findings.append(Finding("registry-log", f"{exc}", severity="warning"))
        else:
            for problem in result.problems:
                report.findings.append(
                    Finding("registry-log", f"{problem} (see `git ml registry verify`)")
                )
    return report
