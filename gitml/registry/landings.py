"""How changes landed on the default branch since ``registry apply`` last ran.

Each merge commit on the branch's first-parent line is one landing (a pull request);
commits that landed without a merge commit (direct pushes, fast-forward and rebase
merges, squashes) cannot be told apart, so a run of them since the last applied state
is one landing. A landing is judged by the rules at its base -- the branch just before
it -- and may not change the rules and the stages together.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from typing import NamedTuple

from gitml.config import STAGES_FILE
from gitml.registry.rules import mixed_message, rules_changed, stages_changed
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import changed_path, first_parent_line, read_file_at


class Landing(NamedTuple):
    base: str | None
    """The default branch just before the change landed (None: it starts the history)."""
    commits: tuple[str, ...]
    """Its first-parent commits, oldest first."""

    @property
    def span(self) -> str:
        if len(self.commits) == 1:
            return f"commit {self.commits[0][:12]}"
        return f"commits {self.commits[0][:12]}..{self.commits[-1][:12]}"


def pending_landings(repo: GitRepo, tip: str, *, stop: Callable[[str], bool]) -> list[Landing]:
    """The landings after the newest commit ``stop`` accepts (the last applied state).

    When nothing was ever applied, history before the first commit that assigns a stage
    is set-up and counts as applied.
    """
    line, reached = first_parent_line(repo, tip, stop=stop)
    if not reached:
        line = line[_first_assignment(repo, line) :]
    out: list[Landing] = []
    run: list[str] = []
    base: str | None = None
    for sha, parents in line:
        if len(parents) > 1:
            if run:
                out.append(Landing(base, tuple(run)))
                run = []
            out.append(Landing(parents[0], (sha,)))
            continue
        if not run:
            base = parents[0] if parents else None
        run.append(sha)
    if run:
        out.append(Landing(base, tuple(run)))
    return out


def skipped_landings(
    repo: GitRepo, commit: str, skipped: Sequence[str], *, applied: Container[str]
) -> list[Landing] | None:
    """The landings ``registry apply`` at ``commit`` judged, had it skipped the stage changes
    ``skipped`` (oldest first): those after the newest earlier commit that was applied
    (``applied``: the commits of the applied-state records) or changed the stages besides
    them. None when that commit comes after ``skipped[0]``: apply never goes back past an
    applied state, so it would not have skipped that change."""
    inside = set(skipped)
    ended: list[str] = []

    def stop(sha: str) -> bool:
        if sha != commit and (
            sha in applied or (sha not in inside and changed_path(repo, sha, STAGES_FILE))
        ):
            ended.append(sha)
            return True
        return False

    landings = pending_landings(repo, commit, stop=stop)
    if ended and not any(skipped[0] in landing.commits for landing in landings):
        return None
    return landings


def _first_assignment(repo: GitRepo, line: list[tuple[str, tuple[str, ...]]]) -> int:
    """Index of the first commit whose stages file assigns a version (len(line): none)."""
    for n, (sha, _parents) in enumerate(line):
        data = read_file_at(repo, sha, STAGES_FILE)
        if data is not None and b"[models." in data:
            return n
    return len(line)


def landing_rules(repo: GitRepo, landing: Landing) -> list[str]:
    """The rules files any commit of ``landing`` changed."""
    found: list[str] = []
    before = landing.base
    for sha in landing.commits:
        found += [r for r in rules_changed(repo, before, sha) if r not in found]
        before = sha
    return found


def mixed_problems(
    repo: GitRepo, landings: list[Landing], rules_of: Mapping[Landing, list[str]] | None = None
) -> list[str]:
    """A refusal for each landing that changed the rules and the stages together
    (``rules_of``: each landing's ``landing_rules``, when the caller has them)."""
    out = []
    for landing in landings:
        rules = rules_of[landing] if rules_of is not None else landing_rules(repo, landing)
        if not rules:
            continue
        before = landing.base
        for sha in landing.commits:
            if stages_changed(repo, before, sha):
                out.append(mixed_message(rules, landing.span))
                break
            before = sha
    return out


def bases(landings: list[Landing]) -> dict[str, str | None]:
    """commit -> the base of the landing it belongs to."""
    return {sha: landing.base for landing in landings for sha in landing.commits}
