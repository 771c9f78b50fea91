"""Write data/data.xml: posts shaped like DVC's get-started data (Stack Overflow rows)."""

import random
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

COMMON = ["the", "a", "to", "is", "in", "it", "for", "of", "and", "on", "with", "how", "can", "i", "my", "this", "not", "do", "use", "when"]  # fmt: skip
PYTHON = ["python", "list", "dict", "pandas", "numpy", "import", "def", "class", "lambda", "pip", "venv", "django"]  # fmt: skip
OTHER = ["java", "spring", "maven", "javascript", "node", "css", "html", "sql", "server", "rust", "cargo", "php"]  # fmt: skip
RARE = [f"w{i:04d}" for i in range(3000)]


def word(rng: random.Random, topic: list[str]) -> str:
    pick = rng.random()
    if pick < 0.1:
        return rng.choice(topic)
    if pick < 0.5:
        return rng.choice(COMMON)
    return RARE[min(len(RARE) - 1, int(rng.paretovariate(0.6)) - 1)]


def main() -> None:
    rows, seed, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["<?xml version='1.0' encoding='utf-8'?>", "<posts>"]
    for i in range(rows):
        python = rng.random() < 0.4
        words = [word(rng, PYTHON if python else OTHER) for _ in range(rng.randint(8, 30))]
        if rng.random() < 0.1:  # mislabelled posts keep the metrics honest
            python = not python
        tags = "&lt;python&gt;" if python else "&lt;other&gt;"
        lines.append(f'  <row Id="{i}" Tags="{tags}" Body={quoteattr(" ".join(words))} />')
    lines.append("</posts>")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
