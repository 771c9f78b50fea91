"""Record ids: 26-char Crockford base32, 48-bit millisecond time + 80 random bits."""

from __future__ import annotations

import os
import re
import time
from functools import cache

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@cache
def _id_re() -> re.Pattern[str]:
    """Compiled when first asked (one run checks no id), as is ``_prefix_re``."""
    return re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@cache
def _prefix_re() -> re.Pattern[str]:
    return re.compile(r"[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{1,26}")


_ADJECTIVES = (
    "amber",
    "bold",
    "brisk",
    "calm",
    "clever",
    "crisp",
    "dapper",
    "eager",
    "fancy",
    "fast",
    "gentle",
    "glad",
    "grand",
    "happy",
    "hazy",
    "jolly",
    "keen",
    "lively",
    "lucky",
    "mellow",
    "merry",
    "misty",
    "neat",
    "noble",
    "plucky",
    "proud",
    "quick",
    "quiet",
    "rapid",
    "rosy",
    "shiny",
    "silent",
    "sleek",
    "snappy",
    "solid",
    "steady",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "warm",
    "wise",
    "witty",
    "zesty",
)
_NOUNS = (
    "alder",
    "aspen",
    "badger",
    "bison",
    "brook",
    "cedar",
    "comet",
    "crane",
    "delta",
    "dune",
    "eagle",
    "ember",
    "falcon",
    "fern",
    "finch",
    "fjord",
    "gecko",
    "glade",
    "harbor",
    "heron",
    "ibex",
    "iris",
    "jay",
    "kestrel",
    "lake",
    "lark",
    "lynx",
    "maple",
    "meadow",
    "moss",
    "newt",
    "oak",
    "orca",
    "otter",
    "pine",
    "plover",
    "quartz",
    "raven",
    "reef",
    "river",
    "sparrow",
    "spruce",
    "tern",
    "tiger",
    "vole",
    "willow",
    "wren",
    "yak",
)


def encode_base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(now_ms: int | None = None) -> str:
    """A new time-sortable id."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return encode_base32(ms & ((1 << 48) - 1), 10) + encode_base32(
        int.from_bytes(os.urandom(10), "big"), 16
    )


def id_time_ms(record_id: str) -> int:
    value = 0
    for ch in record_id[:10]:
        value = value * 32 + CROCKFORD.index(ch)
    return value


def normalise_prefix(prefix: str) -> str | None:
    """Upper-case a candidate id prefix; ``None`` when it cannot be one."""
    if not _prefix_re().fullmatch(prefix):
        return None
    return prefix.upper()


def is_id(value: str) -> bool:
    return _id_re().fullmatch(value) is not None


def new_name() -> str:
    """A readable ``adjective-noun`` name (not unique)."""
    rnd = int.from_bytes(os.urandom(4), "big")
    return f"{_ADJECTIVES[rnd % len(_ADJECTIVES)]}-{_NOUNS[(rnd // 256) % len(_NOUNS)]}"
