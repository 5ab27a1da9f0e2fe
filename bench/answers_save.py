"""What saving an answer safely costs, next to writing the file the plain way.

CareerLab's store locks, re-reads, updates one task and replaces the file
atomically with fsync; the plain way is one json.dump over the file. Both save
the same answers into the same kind of folder in this run. Prints one line per
answer size and, last, the overall ratio:
    ratio=<careerlab time / plain time> saves=<n>
Run: python bench/answers_save.py [--saves N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from careerlab.workbook.answers import AnswersStore


def plain_save(path: Path, answers: dict, task_id: str, value: str) -> None:
    answers[task_id] = {"kind": "long_text", "value": value}
    with open(path, "w") as handle:
        json.dump({"schema": 1, "answers": answers}, handle)


def measure(saves: int, size: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = AnswersStore(Path(folder) / "a.answers.json", "bench")
        plain_path = Path(folder) / "plain.json"
        answers: dict = {}
        started = time.perf_counter()
        for i in range(saves):
            plain_save(plain_path, answers, f"task-{i % 10}", "x" * size + str(i))
        plain = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(saves):
            store.save(f"task-{i % 10}", "long_text", "x" * size + str(i))
        careerlab = time.perf_counter() - started
    return careerlab, plain


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    total_careerlab = total_plain = 0.0
    for size in (20, 2_000, 20_000):
        careerlab, plain = measure(args.saves, size)
        total_careerlab += careerlab
        total_plain += plain
        print(
            f"answer of {size:>6} chars: careerlab {careerlab / args.saves * 1000:.3f} ms/save, "
            f"plain json.dump {plain / args.saves * 1000:.3f} ms/save"
        )
    print(f"ratio={total_careerlab / total_plain:.2f} saves={3 * args.saves}")


if __name__ == "__main__":
    main()
