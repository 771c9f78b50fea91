"""Several refs move in one git transaction: all of them or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.errors import RefConflict
from gitml.storage import NOTES_REF
from gitml.storage.notes import note_companion, read_note
from gitml.storage.refs import read_ref, update_refs
from gitml.storage.repo import open_repo
from tests.storage.helpers import REF, assert_fsck_clean, collection, put_record, record
from tests.support.core import git


def test_a_record_and_its_note_land_together(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    coll = collection(repo_with_commit)
    also = note_companion(repo, {head: ['x = { name = "one" }']}, "gitml note x")
    tip = coll.write(lambda _snap: {coll.record_path("x"): record("x")}, "add x", also=also)
    assert tip == git(repo_with_commit, "rev-parse", REF).strip()
    assert read_note(repo, head) == 'x = { name = "one" }\n'
    assert git(repo_with_commit, "notes", "--ref=gitml", "show", head) == 'x = { name = "one" }\n'
    assert_fsck_clean(repo_with_commit)


def test_one_stale_expectation_moves_no_ref(repo_with_commit: Path) -> None:
    put_record(collection(repo_with_commit), "seed")
    repo = open_repo(repo_with_commit)
    tip = read_ref(repo, REF)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    with pytest.raises(RefConflict):
        update_refs(repo, [(NOTES_REF, head, None), (REF, head, "1" * 40)], "both or none")
    assert read_ref(repo, NOTES_REF) is None
    assert read_ref(repo, REF) == tip
    update_refs(repo, [(NOTES_REF, head, None), (REF, head, tip)], "both")
    assert read_ref(repo, NOTES_REF) == head
    assert read_ref(repo, REF) == head
