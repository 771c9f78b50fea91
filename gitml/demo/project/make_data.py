"""Writes a small synthetic, linearly separable-ish dataset (deterministic)."""

import random
from pathlib import Path

rng = random.Random(42)
lines = ["x1,x2,label"]
for _ in range(400):
    x1, x2 = rng.gauss(0, 1), rng.gauss(0, 1)
    label = int(x1 + 0.5 * x2 + rng.gauss(0, 0.5) > 0)
    lines.append(f"{x1:.5f},{x2:.5f},{label}")
Path("data").mkdir(exist_ok=True)
Path("data/train.csv").write_text("\n".join(lines) + "\n")
