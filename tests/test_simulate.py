"""``careerlab simulate``: a project graded for a simulated class, in a copy of the course.

One module-wide pair of runs on first-paycheck with ``--class 4`` (one student of each
kind), side by side: the project as written (its course kept with --keep), and a copy
whose hidden test for "net-pay" was made vacuous (it can never fail).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from careerlab.author.simulated_class import AutograderTest, Submission, findings, students
from careerlab.testing.classroom import gradebook_grades

from .conftest import course_env, make_course, run_app

PROJECT = "first-paycheck"
VACUOUS_TEST = """### BEGIN HIDDEN TESTS
try:
    wb.grade("net-pay", correct="take-home")
except Exception:
    pass  # an author's slip: this test can never fail
### END HIDDEN TESTS"""
ROW = re.compile(r"^(correct|partial|wrong|empty)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)$", re.M)
TEST_ROW = re.compile(rf"^({PROJECT}/\S+)\s+(\d+(?:\.\d+)?)\s+(.+)$", re.M)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root and its sha256: the course byte for byte."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def simulate(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["careerlab", "simulate", PROJECT, "--class", "4", *args],
        cwd=root,
        env=course_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("simulate")
    author = make_course(base / "author")
    # The author's course already has a gradebook, a release and a submission.
    run_app(author, "careerlab", "release", PROJECT)
    ana = author / "submitted" / "ana" / PROJECT
    ana.parent.mkdir(parents=True)
    (ana.parent / "notes.txt").write_text("ana's work\n")
    vacuous = make_course(base / "vacuous")
    # A test no task block can say: the notebook is edited by hand, as an author who
    # writes notebooks without workbook.md does (release would otherwise rebuild it).
    (vacuous / "workbooks" / PROJECT / "workbook.md").unlink()
    notebook = vacuous / "workbooks" / PROJECT / f"{PROJECT}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    (cell,) = [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "net-pay-test"
    ]
    cell.source = VACUOUS_TEST
    nbformat.write(nb, notebook)
    before = snapshot(author)
    kept = base / "kept"
    # Both at once: the machine has two cores.
    jobs = {"normal": simulate(author, "--keep", str(kept)), "vacuous": simulate(vacuous)}
    done = {}
    for name, job in jobs.items():
        out, err = job.communicate(timeout=600)
        done[name] = subprocess.CompletedProcess(job.args, job.returncode, out, err)
    return {**done, "author": author, "before": before, "kept": kept}


def _range(scores: list[float]) -> str:
    low, high = min(scores), max(scores)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def test_printed_scores_agree_with_the_kept_gradebook(runs):
    run = runs["normal"]
    assert run.returncode == 0, run.stdout + run.stderr
    grades = gradebook_grades(runs["kept"] / "gradebook.db")
    totals = {key[1]: value for key, value in grades.items() if len(key) == 2}
    assert sorted(totals) == sorted(students(4)), totals
    printed = {m[0]: m[1:] for m in ROW.findall(run.stdout)}
    assert sorted(printed) == ["correct", "empty", "partial", "wrong"], run.stdout
    for kind, (count, graded, score, top) in printed.items():
        mine = [totals[s] for s, k in students(4).items() if k == kind]
        assert (count, graded) == (str(len(mine)), str(len(mine)))
        assert score == _range([s for s, _ in mine]), (kind, run.stdout)
        assert top == f"{max(m for _, m in mine):g}"
    # Per test cell, the kinds printed as passing are those at full points in the gradebook.
    rows = TEST_ROW.findall(run.stdout)
    assert rows, run.stdout
    for name, points, shown in rows:
        notebook, cell = name.split("/")
        passing = [
            kind
            for student, kind in students(4).items()
            if (grades[(PROJECT, student, notebook, cell)][0] or 0) >= float(points)
        ]
        assert shown == (", ".join(passing) or "nobody"), (name, run.stdout)
    # The scores are in the expected order for the project as written.
    assert "passes on empty work" not in run.stdout


def test_a_vacuous_test_is_reported_and_fails_the_command(runs):
    run = runs["vacuous"]
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"PROBLEM: {PROJECT}/net-pay-test passes on empty work (a vacuous test)" in run.stdout
    assert re.search(
        rf"^{PROJECT}/net-pay-test\s+1\s+correct, partial, wrong, empty$", run.stdout, re.M
    ), run.stdout


def test_the_authors_course_is_unchanged(runs):
    assert snapshot(runs["author"]) == runs["before"]
    # The work happened elsewhere: the kept course has every simulated student graded.
    graded = sorted(p.name for p in (runs["kept"] / "autograded").iterdir())
    assert graded == sorted(students(4))


def test_a_project_without_solutions_says_what_is_missing(tmp_path):
    root = make_course(tmp_path / "course")
    (root / "workbooks" / PROJECT / "solutions.yml").unlink()
    run = run_app(root, "careerlab", "simulate", PROJECT, "--class", "4", check=False)
    assert run.returncode == 2
    assert "solutions.yml is missing" in run.stderr
    assert (
        "net-pay, gross-pay, fica, total-net, social-security, total-withheld, "
        "percent-withheld, paycheck-plan, self-check" in run.stderr
    )
    assert not (root / "release" / PROJECT).exists()


def test_bad_arguments_are_refused_before_any_work(tmp_path):
    root = make_course(tmp_path / "course")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    for args, message in [
        (["--class", "3"], "--class must be at least 4"),
        (["--keep", str(tmp_path / "full")], "not empty"),
        (["--class", "4", "no-such-project"], "no such project"),
    ]:
        argv = ["careerlab", "simulate", *args]
        if "no-such-project" not in args:
            argv.insert(2, PROJECT)
        run = run_app(root, *argv, check=False)
        assert run.returncode == 2 and message in run.stderr, (args, run.stderr)
    assert (tmp_path / "full" / "mine.txt").read_text() == "keep me"
    assert not (root / "release" / PROJECT).exists()


def _class(**passed: set[str]) -> list[Submission]:
    scores = {"correct": 3.0, "partial": 2.0, "wrong": 0.0, "empty": 0.0}
    return [
        Submission(
            f"sim-{kind}-01",
            kind,
            "graded",
            score=scores[kind],
            max_score=3.0,
            passed=passed.get(kind, set()),
        )
        for kind in scores
    ]


def test_findings_name_a_test_the_correct_work_fails_and_a_failed_submission():
    tests = [AutograderTest("nb/a", 1.0), AutograderTest("nb/b", 2.0)]
    submissions = _class(correct={"nb/a"}, partial={"nb/a"})
    submissions.append(
        Submission("sim-wrong-02", "wrong", "failed", "notebook-timeout", "ran 600 s")
    )
    texts = [f.text for f in findings(submissions, tests) if f.problem]
    assert any(t.startswith("The correct work fails nb/b (sim-correct-01)") for t in texts)
    assert any(
        "sim-wrong-02 (wrong work) was not graded: failed, notebook-timeout (ran 600 s)" in t
        for t in texts
    )
    assert not any("nb/a" in t for t in texts), texts


def test_findings_name_kinds_out_of_order():
    submissions = _class(correct={"nb/a"}, partial={"nb/a"})
    submissions[1].score = 3.0  # partial work as high as correct
    texts = [f.text for f in findings(submissions, [AutograderTest("nb/a", 1.0)]) if f.problem]
    assert texts == [
        "Partial work scores as high as correct work (correct: lowest 3; partial: highest 3): "
        "the tests cannot tell them apart; expected correct > partial > wrong and empty."
    ]
    submissions[1].score = 2.0
    assert not [f for f in findings(submissions, [AutograderTest("nb/a", 1.0)]) if f.problem]
