"""featurize: bag of words over the most frequent n-grams (data/features/*.json)."""

import collections
import json
import sys
from pathlib import Path

import conf


def grams(text: str, n: int) -> list[str]:
    words = text.split()
    out = list(words)
    if n > 1:
        out += [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]
    return out


def main() -> None:
    section = conf.load("featurize")
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for split in ("train", "test"):
        rows[split] = [
            line.rstrip("\n").split("\t")
            for line in (source / f"{split}.tsv").open(encoding="utf-8")
        ]
    counts = collections.Counter(
        g for _, _, text in rows["train"] for g in grams(text, int(section["ngrams"]))
    )
    vocab = [g for g, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][
        : int(section["max_features"])
    ]
    index = {g: i for i, g in enumerate(vocab)}
    for split, items in rows.items():
        matrix = []
        for _, label, text in items:
            vec = [0] * len(vocab)
            for g in grams(text, int(section["ngrams"])):
                if g in index:
                    vec[index[g]] += 1
            matrix.append([int(label), vec])
        (out / f"{split}.json").write_text(json.dumps(matrix), encoding="utf-8")


if __name__ == "__main__":
    main()
