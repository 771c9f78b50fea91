"""Run ids: 26-char Crockford base32, time-sortable, accepted by unique prefix."""

from __future__ import annotations

from gitml.records import ids


def test_new_id_is_26_crockford_chars() -> None:
    value = ids.new_id()
    assert len(value) == 26
    assert ids.is_id(value)
    assert not set(value) & set("ILOU")


def test_ids_sort_by_time() -> None:
    early = ids.new_id(now_ms=1_700_000_000_000)
    late = ids.new_id(now_ms=1_700_000_000_001)
    assert early < late
    assert ids.id_time_ms(early) == 1_700_000_000_000


def test_ids_are_unique() -> None:
    assert len({ids.new_id(now_ms=5) for _ in range(2000)}) == 2000


def test_normalise_prefix_uppercases_and_rejects_bad_chars() -> None:
    assert ids.normalise_prefix("01ab") == "01AB"
    assert ids.normalise_prefix("01-ab") is None
    assert ids.normalise_prefix("") is None
    assert ids.normalise_prefix("I") is None


def test_new_name_is_adjective_noun() -> None:
    adjective, noun = ids.new_name().split("-")
    assert adjective.isalpha()
    assert noun.isalpha()
