"""A tiny, deterministic logistic-regression trainer (numpy only; stdlib fallback)."""

import json
import math
import random
import tomllib
from pathlib import Path

params = tomllib.loads(Path("params.toml").read_text())
lr = float(params["train"]["lr"])
epochs = int(params["train"]["epochs"])
seed = int(params["train"]["seed"])

try:
    import gitml
except ImportError:  # the demo also runs without gitml installed
    gitml = None

rows = [line.split(",") for line in Path("data/train.csv").read_text().splitlines()[1:]]
xs = [[float(a), float(b)] for a, b, _ in rows]
ys = [int(c) for _, _, c in rows]
rng = random.Random(seed)
w = [rng.uniform(-0.1, 0.1) for _ in range(2)]
b = 0.0
for epoch in range(epochs):
    grad_w, grad_b, loss = [0.0, 0.0], 0.0, 0.0
    for x, y in zip(xs, ys, strict=True):
        z = w[0] * x[0] + w[1] * x[1] + b
        p = 1 / (1 + math.exp(-z))
        loss -= y * math.log(p + 1e-12) + (1 - y) * math.log(1 - p + 1e-12)
        grad_w = [grad_w[0] + (p - y) * x[0], grad_w[1] + (p - y) * x[1]]
        grad_b += p - y
    n = len(xs)
    w = [w[0] - lr * grad_w[0] / n, w[1] - lr * grad_w[1] / n]
    b -= lr * grad_b / n
    if gitml is not None and hasattr(gitml, "log_metric"):
        gitml.log_metric("loss", loss / n, step=epoch)
correct = sum(
    int((w[0] * x[0] + w[1] * x[1] + b > 0) == bool(y)) for x, y in zip(xs, ys, strict=True)
)
acc = correct / len(xs)
Path("metrics.json").write_text(json.dumps({"acc": acc, "loss": loss / len(xs)}) + "\n")
Path("model.json").write_text(json.dumps({"w": w, "b": b}) + "\n")
if gitml is not None and hasattr(gitml, "log_model"):
    example = {"x1": [x[0] for x in xs], "x2": [x[1] for x in xs]}
    try:
        gitml.log_model("model.json", input_example=example)
    except ImportError:  # signatures need pyarrow (gitml[tabular])
        gitml.log_artifact("model.json")
print(f"epochs={epochs} lr={lr} acc={acc:.4f}")
