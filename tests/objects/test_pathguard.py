"""The path guard's name rules: git's ``verify_path`` (protectNTFS and protectHFS on), and
the JSON Schema patterns that state the same rules for records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitml.errors import GitmlError
from gitml.objects.pathguard import check_file_name, check_path, check_root, path_problem
from gitml.resources import resource_dir

REFUSED = [
    "",
    "/abs",
    "C:x",
    "c:/x",
    "a//b",
    "a/",
    ".",
    "./a",
    "a/./b",
    "..",
    "../a",
    "a/../b",
    "a\\..\\b",
    ".git",
    ".git/config",
    "a/.git",
    "a/.git/hooks/pre-commit",
    ".GIT",
    ".Git/x",
    "a/.gIt",
    ".git.",
    ".git ",
    ".git. . ",
    ".git::$INDEX_ALLOCATION/x",
    ".git:stream",
    "git~1",
    "GIT~1/config",
    "a/git~1 .",
    "a\\.git",
    ".git\\config",
    ".g\u200cit",
    "\u200c.git/x",
    ".git\ufeff",
    ".\u202eg\u206ait",
    "a\nb",
    "tab\there",
    "del\x7f",
]
ALLOWED = [
    "a",
    "a/b/c.csv",
    ".gitignore",
    ".gitattributes",
    ".gitmodules",
    ".github/workflows/ci.yml",
    ".gitx",
    ".git_keep",
    "git~2",
    "git~10",
    "gitx~1",
    "x.git",
    "a b/c d",
    "naïve/ünïcode",
    ".mailmap",
    "..a",
    "a..",
    "...",
]
LINKS_REFUSED = [
    ".gitmodules",
    "a/.GITMODULES",
    ".gitmodules .",
    "GITMOD~1",
    "gi7eba~1",
    "gi7eba~9",
    ".gitattributes",
    "gitatt~1",
    "gi7d29~2",
    ".gitignore",
    "gi250a~1",
    ".mailmap",
    "maba30~1",
    ".git\u200cmodules",
]


@pytest.mark.parametrize("path", REFUSED)
def test_git_refuses_these_and_so_does_the_guard(path: str) -> None:
    assert path_problem(path) is not None


@pytest.mark.parametrize("path", ALLOWED)
def test_ordinary_names_pass(path: str) -> None:
    assert path_problem(path) is None
    assert path_problem(path, symlink=True) is None or path in LINKS_REFUSED


@pytest.mark.parametrize("path", LINKS_REFUSED)
def test_special_files_may_not_be_symbolic_links(path: str) -> None:
    assert path_problem(path, symlink=True) is not None


def test_messages_name_the_place_and_the_component() -> None:
    assert check_path("a/b", where="unused") == "a/b"
    with pytest.raises(GitmlError, match=r"^listing x: line 3: path 'a/\.GIT/b' has a '\.GIT'"):
        check_path("a/.GIT/b", where="listing x: line 3")


def test_single_names_hold_no_slash() -> None:
    with pytest.raises(GitmlError, match="holds a '/'"):
        check_file_name("a/b", where="artifact")


def test_root_may_not_be_or_pass_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "file").write_text("x")
    (tmp_path / "filelink").symlink_to(tmp_path / "file")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    check_root(tmp_path, "real/new/deeper", where="p")
    check_root(tmp_path, "filelink", where="p")  # a file dataset's link is replaced
    for bad, why in (
        ("link", "^p: 'link' is a symbolic link"),
        ("link/x", "^p: 'link' is a symbolic link"),
        ("dangling", "^p: 'dangling' is a symbolic link"),
        ("file/x", "^p: 'file' is a file, but dataset 'file/x' lies below it"),
        (".git/x", "^p: path '.git/x' has a '.git' component"),
    ):
        with pytest.raises(GitmlError, match=why):
            check_root(tmp_path, bad, where="p")


def _pattern(schema: str, *keys: str) -> re.Pattern[str]:
    node = json.loads((resource_dir("schemas") / f"{schema}.schema.json").read_text())
    for key in keys:
        node = node[key]
    return re.compile(node["pattern"] if isinstance(node, dict) else node)


POINTER = _pattern("pointer", "properties", "path")
INPUTS = _pattern("run", "properties", "inputs", "propertyNames")
ARTIFACT = _pattern("model-version", "properties", "artifact", "properties", "path")
ALPHABET = [".", "g", "G", "i", "I", "t", "T", "/", "\\", "~", "1", "2", " ", ":", "a", "C"]
ALPHABET += ["\u200c", "\ufeff", "\x01", "\n"]
paths = st.lists(st.sampled_from(ALPHABET), max_size=12).map("".join)


def _agree(path: str) -> None:
    ok = path_problem(path) is None
    assert bool(POINTER.search(path)) == (ok and "\\" not in path), path
    control = any(ord(c) < 32 for c in path)
    assert bool(INPUTS.search(path)) == (ok or (path.startswith("/") and not control)), path
    name = path.replace("\\", "/").rpartition("/")[2]
    assert bool(ARTIFACT.search(path)) == (not control and path_problem(name) is None), path


@pytest.mark.parametrize("path", [*REFUSED, *ALLOWED])
def test_schema_patterns_state_the_same_rules(path: str) -> None:
    _agree(path)


@settings(max_examples=3000, deadline=None)
@given(paths)
def test_schema_patterns_agree_with_the_code_on_generated_paths(path: str) -> None:
    _agree(path)
