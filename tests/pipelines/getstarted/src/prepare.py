"""prepare: split the posts into train and test sets (data/prepared/*.tsv)."""

import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import conf


def main() -> None:
    section = conf.load("prepare")
    source, out = Path(sys.argv[1]), Path("data") / "prepared"
    rng = random.Random(section["seed"])
    out.mkdir(parents=True, exist_ok=True)
    train, test = [], []
    for row in ET.parse(source).getroot():
        label = 1 if "python" in row.get("Tags", "") else 0
        line = f"{row.get('Id')}\t{label}\t{row.get('Body', '')}\n"
        (test if rng.random() < section["split"] else train).append(line)
    (out / "train.tsv").write_text("".join(train), encoding="utf-8")
    (out / "test.tsv").write_text("".join(test), encoding="utf-8")


if __name__ == "__main__":
    main()
