"""evaluate: metrics, ROC and precision-recall curves, confusion matrix (eval/)."""

import json
import math
import sys
from pathlib import Path


def scores(weights: list[float], rows: list) -> list[tuple[int, float]]:
    out = []
    for label, vec in rows:
        z = weights[-1] + sum(w * x for w, x in zip(weights, vec, strict=False))
        out.append((label, 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))))
    return out


def curves(pairs: list[tuple[int, float]]) -> tuple[list, list, float, float]:
    pos = sum(1 for label, _ in pairs if label) or 1
    neg = (len(pairs) - sum(1 for label, _ in pairs if label)) or 1
    tp = fp = 0
    roc, prc, auc, ap, last_fpr, last_rec = [], [], 0.0, 0.0, 0.0, 0.0
    for label, score in sorted(pairs, key=lambda p: -p[1]):
        tp, fp = tp + label, fp + (1 - label)
        fpr, tpr = fp / neg, tp / pos
        auc += (fpr - last_fpr) * tpr
        ap += (tpr - last_rec) * (tp / (tp + fp))
        last_fpr, last_rec = fpr, tpr
        roc.append({"fpr": round(fpr, 6), "tpr": round(tpr, 6), "threshold": round(score, 6)})
        prc.append(
            {
                "precision": round(tp / (tp + fp), 6),
                "recall": round(tpr, 6),
                "threshold": round(score, 6),
            }
        )
    return roc, prc, round(auc, 6), round(ap, 6)


def main() -> None:
    model, features = Path(sys.argv[1]), Path(sys.argv[2])
    weights = json.loads(model.read_text(encoding="utf-8"))["weights"]
    out = Path("eval")
    metrics = {"avg_prec": {}, "roc_auc": {}}
    for split in ("train", "test"):
        pairs = scores(
            weights, json.loads((features / f"{split}.json").read_text(encoding="utf-8"))
        )
        roc, prc, auc, ap = curves(pairs)
        metrics["avg_prec"][split], metrics["roc_auc"][split] = ap, auc
        for folder, name, data in (
            ("plots/sklearn/roc", split, {"roc": roc}),
            ("prc", split, {"prc": prc}),
            (
                "plots/sklearn/cm",
                split,
                [{"actual": a, "predicted": int(s >= 0.5)} for a, s in pairs],
            ),
        ):
            (out / folder).mkdir(parents=True, exist_ok=True)
            (out / folder / f"{name}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
