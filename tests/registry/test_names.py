"""Names, versions and their order."""

from __future__ import annotations

import pytest

from gitml.registry.names import (
    InvalidName,
    check_model_name,
    check_same_scheme,
    latest,
    next_version,
    parse_version,
)


@pytest.mark.parametrize("name", ["churn", "churn-v2", "a", "x.y_z-1", "0model", "a" * 64])
def test_model_name_accepts_the_documented_charset(name: str) -> None:
    assert check_model_name(name) == name


@pytest.mark.parametrize("name", ["Churn", "-churn", "churn/v2", "ch urn", "", "a" * 65, "é"])
def test_model_name_rejects_others_with_the_rule(name: str) -> None:
    with pytest.raises(InvalidName, match=r"pattern \^\[a-z0-9\]"):
        check_model_name(name)


def test_version_drops_a_leading_v_and_keeps_semver_text() -> None:
    assert parse_version("v1.4.0").text == "1.4.0"
    assert parse_version("1.5.0-rc.1+build.7").text == "1.5.0-rc.1+build.7"
    assert parse_version("12").text == "12"


@pytest.mark.parametrize("text", ["1.4", "01.2.3", "0", "-1", "1.2.3.4", "latest", "v7", "1" * 19])
def test_version_rejects_what_is_neither_semver_nor_an_integer(text: str) -> None:
    with pytest.raises(InvalidName, match=r"SemVer MAJOR\.MINOR\.PATCH"):
        parse_version(text)


def test_versions_order_by_semver_precedence() -> None:
    texts = ["1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-alpha", "1.2.0-rc.10", "0.9.9", "1.2.0-rc.2"]
    ordered = sorted(texts, key=lambda t: parse_version(t))
    assert ordered == [
        "0.9.9",
        "1.2.0-alpha",
        "1.2.0-rc.1",
        "1.2.0-rc.2",
        "1.2.0-rc.10",
        "1.2.0",
        "1.10.0",
    ]
    assert sorted(["10", "9", "100"], key=parse_version) == ["9", "10", "100"]


def test_next_version_increments_integers_and_patches() -> None:
    assert next_version("m", []) == "1"
    assert next_version("m", ["1", "2", "10"]) == "11"
    assert next_version("m", ["1.2.9", "1.10.0"]) == "1.10.1"
    assert next_version("m", ["1.4.0", "1.5.0-rc.1"]) == "1.5.0"
    assert latest(["junk", "2"]) == parse_version("2")


def test_schemes_are_not_mixed_within_a_model() -> None:
    with pytest.raises(InvalidName, match="uses integer versions"):
        check_same_scheme("m", parse_version("1.0.0"), ["1", "2"])
    with pytest.raises(InvalidName, match="uses SemVer versions"):
        check_same_scheme("m", parse_version("3"), ["1.0.0"])
    check_same_scheme("m", parse_version("3"), ["1", "2"])
