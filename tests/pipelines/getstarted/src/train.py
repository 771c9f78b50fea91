"""train: logistic regression by SGD (model.pkl holds its weights as JSON)."""

import json
import math
import random
import sys
from pathlib import Path

import conf


def main() -> None:
    section = conf.load("train")
    features, model = Path(sys.argv[1]), Path(sys.argv[2])
    rows = json.loads((features / "train.json").read_text(encoding="utf-8"))
    rng = random.Random(section["seed"])
    width = len(rows[0][1]) if rows else 0
    weights = [0.0] * (width + 1)
    rate = 0.5 / max(1, int(section["min_split"]))
    for _ in range(int(section["n_est"])):
        rng.shuffle(rows)
        for label, vec in rows:
            z = weights[-1] + sum(w * x for w, x in zip(weights, vec, strict=False))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - label
            for i, x in enumerate(vec):
                if x:
                    weights[i] -= rate * g * x
            weights[-1] -= rate * g
    model.write_text(json.dumps({"weights": [round(w, 10) for w in weights]}), encoding="utf-8")


if __name__ == "__main__":
    main()
