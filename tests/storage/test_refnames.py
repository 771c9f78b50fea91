"""``valid_ref_name`` answers as ``git check-ref-format`` does, on every name tried here.

Branch names come from the command line (``promote --branch-name``) and the check stands
between them and ``git update-ref``: a name git would refuse must never pass it.
"""

from __future__ import annotations

import random
import subprocess

import pytest

from gitml.storage.tracked import valid_ref_name

BRANCHES = [
    # accepted by git
    "main",
    "promote/churn-1.2.0-production",
    "archive/churn-3",
    "a/b/c/d",
    "x",
    "-leading-dash",
    "trailing-dash-",
    "with@sign",
    "@/x",
    "x/@",
    "a@b{c",
    "brace{}",
    "dots.in.name",
    "a.b/c.d",
    "lock.locked",
    "x.lockx",
    "HEAD",
    "_under",
    "!bang#hash$%&'()+,;<=>",
    'quote"d',
    "back`tick",
    "pipe|",
    "emoji-\N{ROCKET}",
    "caf\N{LATIN SMALL LETTER E WITH ACUTE}",
    "undecodable-\udcff",
    "a" * 300,
    # refused by git
    "",
    "/",
    "a/",
    "/a",
    "a//b",
    ".",
    "..",
    ".hidden",
    "a/.hidden",
    "a..b",
    "a/..",
    "a.",
    "a/b.",
    "x.lock",
    "a/x.lock/b",
    ".lock",
    "@",
    "a@{b",
    "@{",
    "sp ace",
    "tab\tx",
    "new\nline",
    "cr\rx",
    "del\x7f",
    "bell\x07",
    "til~de",
    "car^et",
    "co:lon",
    "que?ry",
    "st*ar",
    "br[acket",
    "back\\slash",
    "a/b/../c",
    "ends.lock/",
]


def git_accepts(ref: str) -> bool:
    proc = subprocess.run(["git", "check-ref-format", ref], capture_output=True, check=False)
    return proc.returncode == 0


@pytest.mark.parametrize("branch", BRANCHES)
def test_branch_names_are_judged_as_git_judges_them(branch: str) -> None:
    ref = f"refs/heads/{branch}"
    assert valid_ref_name(ref) == git_accepts(ref), ref


@pytest.mark.parametrize("ref", ["", "@", "HEAD", "main", "refs", "refs/", "refs/heads"])
def test_short_and_bare_names_are_judged_as_git_judges_them(ref: str) -> None:
    assert valid_ref_name(ref) == git_accepts(ref), ref


def test_random_names_are_judged_as_git_judges_them() -> None:
    """Names built from the characters the rules are about, many of them refused."""
    pieces = ["a", "b", ".", "..", "/", "//", "@", "{", "@{", ".lock", "lock", "-", " ",
              "~", "^", ":", "?", "*", "[", "\\", "\x01", "\x7f", "\N{SNOWMAN}", "}"]  # fmt: skip
    rng = random.Random(19)
    names = {"".join(rng.choices(pieces, k=rng.randint(1, 6))) for _ in range(400)}
    disagree = [
        name
        for name in sorted(names)
        if valid_ref_name(f"refs/heads/{name}") != git_accepts(f"refs/heads/{name}")
    ]
    assert disagree == []
    assert sum(valid_ref_name(f"refs/heads/{n}") for n in names) > 10  # some pass too


def test_a_name_with_a_nul_byte_is_refused() -> None:
    """No git argument can hold one (``subprocess`` raised on it before); the check refuses it."""
    assert not valid_ref_name("refs/heads/a\0b")
