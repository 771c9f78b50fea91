"""Writes two serving batches with the model's predictions: like training, and drifted."""

import json
import math
import random
from pathlib import Path

model = json.loads(Path("model.json").read_text())
w, b = model["w"], model["b"]


def batch(path: str, seed: int, shift: float) -> None:
    rng = random.Random(seed)
    lines = ["x1,x2,prediction,label"]
    for _ in range(2000):
        x1, x2 = rng.gauss(shift, 1), rng.gauss(0, 1)
        label = int(x1 + 0.5 * x2 + rng.gauss(0, 0.5) > 0)
        prediction = int(1 / (1 + math.exp(-(w[0] * x1 + w[1] * x2 + b))) > 0.5)
        lines.append(f"{x1:.5f},{x2:.5f},{prediction},{label}")
    Path(path).parent.mkdir(exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")


batch("serving/monday.csv", 7, 0.0)
batch("serving/tuesday.csv", 8, 1.0)
