"""What a teacher sees of a grading run: a progress bar, a summary table, JSON and CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from careerlab.autograde.batch import Outcome
from careerlab.autograde.submission import FAILURES, NOTES

CSV_FIELDS = [
    "assignment",
    "student",
    "status",
    "reason",
    "detail",
    "notes",
    "score",
    "max_score",
    "seconds",
    "sandbox",
]


class Progress:
    """A progress bar over submissions (tqdm), counting failures as it goes."""

    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None) -> None:
        from tqdm import tqdm

        self.failed = 0
        self.bar = tqdm(
            total=total,
            unit="submission",
            disable=not enabled,
            file=stream or sys.stderr,
            dynamic_ncols=True,
        )

    def __call__(self, outcome: Outcome) -> None:
        if outcome.status == "failed":
            self.failed += 1
            self.bar.set_postfix_str(f"{self.failed} failed", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _format_score(outcome: Outcome) -> str:
    if outcome.score is None or outcome.max_score is None:
        return ""
    return f"{outcome.score:g}/{outcome.max_score:g}"


def summary(outcomes: list[Outcome], seconds: float) -> str:
    """The table printed at the end: counts, then every submission that needs a look."""
    counts = Counter(o.status for o in outcomes)
    lines = [
        f"{len(outcomes)} submission(s) in {seconds:.1f} s: "
        f"{counts['graded']} graded, {counts['failed']} failed, {counts['skipped']} skipped."
    ]
    rows = [
        (o.assignment, o.student, o.status, o.reason, o.detail)
        for o in outcomes
        if o.status != "graded"
    ]
    rows += [
        (o.assignment, o.student, "graded", note.reason, note.detail)
        for o in outcomes
        if o.status == "graded"
        for note in o.notes
    ]
    if rows:
        header = ("assignment", "student", "status", "reason", "detail")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
        lines.append("")
        lines.append(
            "  ".join(h.ljust(w) for h, w in zip(header[:4], widths, strict=True)) + "  detail"
        )
        for row in sorted(rows, key=lambda r: (r[2] != "failed", r[0], r[1])):
            cells = [str(row[i]).ljust(widths[i]) for i in range(4)]
            lines.append("  ".join(cells) + "  " + str(row[4]))
        explained = sorted(
            {
                f"  {reason} ({'failed' if status == 'failed' else 'note'}): "
                f"{(FAILURES if status == 'failed' else NOTES).get(reason, '')}"
                for _, _, status, reason, _ in rows
                if reason in (FAILURES if status == "failed" else NOTES)
            }
        )
        if explained:
            lines.append("")
            lines.append("What the reasons mean (docs/grading.md has more):")
            lines.extend(explained)
    return "\n".join(lines)


def report_data(outcomes: list[Outcome], seconds: float, extra: dict[str, Any]) -> dict[str, Any]:
    counts = Counter(o.status for o in outcomes)
    return {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "counts": {s: counts[s] for s in ("graded", "failed", "skipped")},
        **extra,
        "submissions": [asdict(o) for o in outcomes],
    }


def write_report(
    path: str | Path, outcomes: list[Outcome], seconds: float, extra: dict[str, Any]
) -> list[Path]:
    """``PATH.json`` and ``PATH.csv`` (a .json or .csv ending on PATH is dropped first)."""
    base = Path(path)
    if base.suffix in (".json", ".csv"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = base.with_name(base.name + ".json"), base.with_name(base.name + ".csv")
    json_path.write_text(
        json.dumps(report_data(outcomes, seconds, extra), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for o in outcomes:
            writer.writerow(
                {
                    "assignment": o.assignment,
                    "student": o.student,
                    "status": o.status,
                    "reason": o.reason,
                    "detail": o.detail,
                    "notes": "; ".join(f"{n.reason}: {n.detail}" for n in o.notes),
                    "score": "" if o.score is None else o.score,
                    "max_score": "" if o.max_score is None else o.max_score,
                    "seconds": o.seconds,
                    "sandbox": o.sandbox,
                }
            )
    return [json_path, csv_path]
