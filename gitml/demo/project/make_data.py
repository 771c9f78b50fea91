"""Writes a small synthetic, linearly separable-ish dataset (deterministic).

Usage: python make_data.py [ROWS]   (default 400 rows)
"""

import random
import sys
from pathlib import Path

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 400
rng = random.Random(42)
lines = ["x1,x2,label"]
for _ in range(rows):
    x1, x2 = rng.gauss(0, 1), rng.gauss(0, 1)
    label = int(x1 + 0.5 * x2 + rng.gauss(0, 0.5) > 0)
    lines.append(f"{x1:.5f},{x2:.5f},{label}")
Path("data").mkdir(exist_ok=True)
Path("data/train.csv").write_text("\n".join(lines) + "\n")
