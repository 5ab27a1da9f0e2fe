"""``careerlab autograde`` against stock ``nbgrader autograde``, and what it does with hostile work.

One class is built for every project in workbooks/ (correct, partial, wrong
and empty work) and for the course ``nbgrader quickstart`` makes. Two copies of
each course are graded, one by each tool, and every grade must be the same.
The careerlab copy also holds students whose notebooks loop forever, eat
memory, print without end, are not JSON, have a garbage answers file, exit, or
try to reach other students' work: each must end with a recorded reason while
everyone else gets the scores stock nbgrader gives.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from careerlab import course
from careerlab.autograde import sandbox
from careerlab.testing.classroom import gradebook_grades

from .conftest import REPO, run_app
from .every_project import KINDS

EXPECTED_FAILURES = {
    "00-stubborn-loop": "cell-timeout",
    "00-memory-hog": "memory-limit",
    "00-huge-output": "output-limit",
    "00-exit": "crashed",
    "00-invalid-json": "invalid-notebook",
}
EXPECTED_NOTES = {"00-loop": "cell-timeout", "00-garbage-answers": "answers-file"}


@pytest.fixture
def graded(every_project_graded: dict) -> dict:
    return every_project_graded


def _normal(key: tuple[str, ...]) -> bool:
    return key[1] in KINDS


def test_every_score_is_what_stock_nbgrader_records(graded):
    fast = gradebook_grades(graded["fast"] / "gradebook.db")
    for assignment in graded["assignments"]:
        stock = gradebook_grades(graded["stock"][assignment] / "gradebook.db")
        expected = {k: v for k, v in stock.items() if k[0] == assignment and _normal(k)}
        got = {k: v for k, v in fast.items() if k[0] == assignment and _normal(k)}
        assert len({k[1] for k in expected}) >= len(KINDS), (assignment, sorted(expected))
        assert got == expected, assignment
        # Not vacuous: correct work earns points, partial work fewer, empty work none.
        score = {kind: expected[(assignment, kind)][0] for kind in KINDS}
        assert score["correct"] > score["partial"] > 0, (assignment, score)
        assert score["empty"] == 0, (assignment, score)


def _outcome_of(cell) -> tuple:
    return (
        [o.output_type for o in cell.outputs if o.output_type != "stream"],
        sorted({o.name for o in cell.outputs if o.output_type == "stream"}),
        [o.ename for o in cell.outputs if o.output_type == "error"],
    )


def test_autograded_notebooks_show_the_same_outcome_per_test(graded):
    """Test cells pass or fail in the same places, so feedback and formgrader read the same."""
    for assignment in graded["assignments"]:
        for student in KINDS:
            stock_dir = graded["stock"][assignment] / "autograded" / student / assignment
            fast_dir = graded["fast"] / "autograded" / student / assignment
            for stock_nb in stock_dir.glob("*.ipynb"):
                a = nbformat.read(stock_nb, as_version=4)
                b = nbformat.read(fast_dir / stock_nb.name, as_version=4)
                assert len(a.cells) == len(b.cells)
                for x, y in zip(a.cells, b.cells, strict=True):
                    assert x.source == y.source
                    if x.cell_type == "code":
                        # What nbgrader scores from: errors, stderr, results (a kernel
                        # may split one cell's stream text in several outputs).
                        assert _outcome_of(x) == _outcome_of(y), (student, x.source[:80])
                        assert x.execution_count == y.execution_count
                assert b.metadata.get("language_info", {}).get("name") == "python"


def test_quickstart_course_gets_the_same_scores(graded):
    quick = graded["quickstart"]
    stock = gradebook_grades(quick["stock"] / "gradebook.db")
    fast = gradebook_grades(quick["fast"] / "gradebook.db")
    assert {k[1] for k in stock if len(k) == 2} == set(KINDS)
    assert fast == stock
    assert stock[("ps1", "correct")][0] > stock[("ps1", "partial")][0] > 0
    assert stock[("ps1", "empty")][0] == 0
    report = json.loads(quick["report"].read_text())
    assert report["counts"] == {"graded": 4, "failed": 0, "skipped": 0}


def _outcome(graded, student: str) -> dict:
    (row,) = [s for s in graded["report"]["submissions"] if s["student"] == student]
    return row


@pytest.mark.parametrize("student", sorted(EXPECTED_FAILURES))
def test_a_broken_submission_fails_with_its_reason(graded, student):
    row = _outcome(graded, student)
    assert row["status"] == "failed", row
    assert row["reason"] == EXPECTED_FAILURES[student], row
    assert row["detail"]
    # nbgrader's own rule for a submission it cannot grade: no autograded notebooks.
    folder = graded["fast"] / "autograded" / student / graded["probe"]
    assert not list(folder.glob("*.ipynb"))
    assert EXPECTED_FAILURES[student] in graded["fast_run"].stdout


@pytest.mark.parametrize("student", sorted(EXPECTED_NOTES))
def test_a_graded_submission_notes_what_went_wrong(graded, student):
    row = _outcome(graded, student)
    assert row["status"] == "graded", row
    assert EXPECTED_NOTES[student] in [n["reason"] for n in row["notes"]], row
    assert row["score"] == 0


def test_an_interrupted_cell_shows_nbgraders_timeout_error_and_the_rest_runs(graded):
    folder = graded["fast"] / "autograded" / "00-loop" / graded["probe"]
    nb = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
    errors = [
        o.ename
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors[:2] == ["KeyboardInterrupt", "CellTimeoutError"]
    later = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert len(later) > 3  # the cells after the loop ran


def test_the_run_reports_failures_and_exits_nonzero(graded):
    run = graded["fast_run"]
    assert run.returncode == 1
    counts = graded["report"]["counts"]
    assert counts["failed"] == len(EXPECTED_FAILURES)
    # Every kind of every project; garbage, loop and snoop; a student per guide's answer key.
    extra = 3 + len(graded["guides"]["keys"])
    assert counts["graded"] == len(graded["assignments"]) * len(KINDS) + extra
    csv_text = (graded["fast"] / "report.csv").read_text()
    assert csv_text.splitlines()[0].startswith("assignment,student,status,reason")
    assert csv_text.count("\n") == len(graded["report"]["submissions"]) + 1


def _snoop_lines(graded) -> list[str]:
    folder = graded["fast"] / "autograded" / "00-snoop" / graded["probe"]
    nb = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    ).splitlines()


def test_a_submission_cannot_see_secrets_or_hidden_tests(graded):
    lines = _snoop_lines(graded)
    assert "SECRET None" in lines
    assert "HIDDEN-ON-DISK []" in lines


@pytest.mark.skipif(sandbox.landlock_abi() < 6, reason="needs Landlock ABI 6 (Linux 6.12)")
def test_a_submission_cannot_reach_the_course_or_other_processes(graded):
    lines = _snoop_lines(graded)
    for name in ("gradebook", "other-student", "source", "write-course", "write-tmp", "signal"):
        assert any(line.startswith(f"BLOCKED {name} ") for line in lines), (name, lines)
    assert not [line for line in lines if line.startswith(("READ", "WROTE", "SIGNALLED"))]
    assert not (graded["fast"] / "hacked.txt").exists()


def test_one_students_code_changes_nobody_elses_result(graded):
    """The snoop patched Workbook.grade to pass everything. Under nbgrader its own tests
    would pass; here the tests are judged outside its process (careerlab.autograde.keys),
    so its empty work scores zero, and so do the empty submissions graded after it."""
    snoop = _outcome(graded, "00-snoop")
    assert snoop["status"] == "graded" and snoop["score"] == 0
    fast = gradebook_grades(graded["fast"] / "gradebook.db")
    for assignment in graded["assignments"]:
        assert fast[(assignment, "empty")][0] == 0


def test_feedback_never_shows_hidden_tests(graded):
    fast, probe = graded["fast"], graded["probe"]
    run_app(fast, "nbgrader", "generate_feedback", probe, "--student=wrong")
    page = fast / "feedback" / "wrong" / probe / f"{probe}.html"
    html = page.read_text()
    assert "BEGIN HIDDEN TESTS" not in html
    assert "wb.grade(" not in html  # CareerLab's hidden tests all call it
    # Test cells are left out of the page (careerlab.feedback.page); each failed test's
    # message is told, in words, among the tasks the computer checked.
    assert "Hidden tests ran here" not in html and "AssertionError" not in html
    assert '<span class="careerlab-fail">Not yet:</span>' in html


# --- The parts, without a class ----------------------------------------------------------
def test_the_compiled_metadata_check_agrees_with_nbgraders():
    from nbgrader.nbgraderformat import MetadataValidator

    from careerlab.autograde.batch import _CompiledValidator

    notebooks = [nb for folder in course.assignments(REPO) for nb in course.notebooks(folder)]
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        MetadataValidator().validate_nb(nb)
        _CompiledValidator().validate_nb(nb)
        graded = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
        for broken in ({"points": "many"}, {"schema_version": 2}, {"grade_id": None}):
            cell = nbformat.from_dict(graded)
            cell.metadata.nbgrader.update(broken)
            errors = []
            for validator in (MetadataValidator(), _CompiledValidator()):
                try:
                    validator.validate_cell(cell)
                    errors.append(None)
                except Exception as error:
                    errors.append((type(error), str(error).splitlines()[0]))
            assert errors[0] is not None and errors[0] == errors[1], (path.name, broken, errors)


def test_feedback_cells_lose_hidden_regions_and_tracebacks():
    from careerlab.feedback.hidden import PLACEHOLDER, HideTestsInFeedback

    cell = nbformat.v4.new_code_cell(
        "visible = 1\n    ### BEGIN HIDDEN TESTS\n    assert key == 42\n    ### END HIDDEN TESTS\n"
        "print('after')"
    )
    cell.outputs = [
        nbformat.v4.new_output(
            "error", ename="AssertionError", evalue="wrong answer", traceback=["assert key == 42"]
        )
    ]
    open_ended = nbformat.v4.new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\nassert secret()")
    plain = nbformat.v4.new_code_cell("assert visible_test()")
    plain.outputs = [nbformat.v4.new_output("error", ename="E", evalue="v", traceback=["tb"])]
    step = HideTestsInFeedback()
    for c in (cell, open_ended, plain):
        step.preprocess_cell(c, {}, 0)
    assert cell.source == f"visible = 1\n    {PLACEHOLDER}\nprint('after')"
    assert cell.outputs[0].traceback == ["AssertionError: wrong answer"]
    assert "secret" not in open_ended.source
    assert plain.outputs[0].traceback == ["tb"]  # no hidden region: left alone


def test_what_a_forked_process_sends_back_is_checked():
    from careerlab.autograde.submission import _outputs

    good = {"output_type": "stream", "name": "stdout", "text": "hi"}
    checked = _outputs([good, {"output_type": "stream", "name": "/etc/passwd"}, "junk"])
    assert checked[0] == good
    assert [o["ename"] for o in checked[1:]] == ["GraderError", "GraderError"]


def test_the_unit_of_work_is_plain_data_in_and_out(tmp_path):
    from careerlab.autograde.limits import Limits
    from careerlab.autograde.submission import Job, NotebookJob, Result, grade_submission
    from careerlab.autograde.warm import WarmProcess

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("open('data.txt').read()"),
        nbformat.v4.new_code_cell("open('out.txt', 'w').write('made here')\nprint('done')"),
    ]
    job = Job("ana", "unit", [NotebookJob("unit", dict(nb))], {"data.txt": b"42"}, Limits())
    # Through JSON, as a job would travel to another machine.
    job = Job.from_dict(json.loads(json.dumps(job.to_dict())))
    with WarmProcess(preload=[]) as warm:
        result = grade_submission(job, warm)
    assert result.ok, result
    first, second = result.notebooks[0].cells
    assert first.outputs[0]["data"]["text/plain"] == "'42'"
    assert second.outputs == [{"output_type": "stream", "name": "stdout", "text": "done\n"}]
    assert result.files == {"out.txt": b"made here"}
    again = Result.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


def test_a_dead_warm_process_fails_the_job_instead_of_hanging():
    from careerlab.autograde.submission import Job, NotebookJob, grade_submission
    from careerlab.autograde.warm import WarmProcess

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    with WarmProcess(preload=[]) as warm:
        assert warm.info["landlock"] == sandbox.landlock_abi()
        warm.process.kill()
        warm.process.wait()
        result = grade_submission(Job("ana", "unit", [NotebookJob("unit", dict(nb))]), warm)
        assert not warm.alive
    assert not result.ok and result.reason == "grader-error", result


def test_one_engine_serves_the_batch_and_nbgrader_gets_its_gradebook_back(tmp_path):
    import importlib

    from nbgrader.api import Gradebook

    from careerlab.autograde.gradebook import NBGRADER_MODULES, BatchGradebook, shared_engine

    modules = [importlib.import_module(name) for name in NBGRADER_MODULES]
    assert all(module.Gradebook is Gradebook for module in modules)
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with shared_engine():
        assert all(module.Gradebook is BatchGradebook for module in modules)
        with modules[0].Gradebook(url, "careerlab") as first:
            first.add_student("ana")
            engine = first.engine
        with modules[-1].Gradebook(url) as second:  # as nbgrader's preprocessors open it
            assert second.engine is engine
            assert second.find_student("ana").id == "ana"
        # SaveAutoGradesOnce's commits are held back until the block ends without error.
        from careerlab.autograde import gradebook as batch_gradebook

        token = batch_gradebook._ONE_TRANSACTION.set(True)
        try:
            with BatchGradebook(url) as third:
                third.add_student("ben")  # nbgrader's add_student commits
            with pytest.raises(RuntimeError), BatchGradebook(url) as fourth:
                fourth.add_student("cy")
                raise RuntimeError("a step failed")
        finally:
            batch_gradebook._ONE_TRANSACTION.reset(token)
    assert all(module.Gradebook is Gradebook for module in modules)
    assert not BatchGradebook.engines
    with Gradebook(url, "careerlab") as gradebook:  # what nbgrader's own steps would leave
        assert [s.id for s in gradebook.students] == ["ana", "ben"]
        assert {c.id for c in gradebook.db.query(type(gradebook.check_course("careerlab")))} == {
            "careerlab",
            "default_course",
        }
