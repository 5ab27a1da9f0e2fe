"""``careerlab autograde``: nbgrader's autograde, with execution in warm forked processes.

Everything but execution is nbgrader's own code, run in this process in
nbgrader's order, so scores are recorded exactly as ``nbgrader autograde``
records them:

1. Prepare (here, one submission at a time, since SQLite has one writer):
   ``init_destination``, the pre-convert hook, ``init_assignment`` (student and
   submission rows, timestamps, source files copied over the submission's), and
   the sanitize pass (ClearOutput, DeduplicateIds, OverwriteKernelspec,
   OverwriteCells, CheckCellMetadata).
2. Execute (worker threads, each waiting on a forked process):
   ``grade_submission(job)``, the unit of work in ``careerlab.autograde.submission``.
3. Record (here again): the autograde pass with ``Execute`` replaced by
   ``ApplyExecution``, which writes the forked run's outputs into the notebook;
   then IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
   AssignLatePenalties and CheckCellMetadata as configured; file permissions
   and the post-convert hook.

While submissions execute, the next ones are prepared and finished ones
recorded, so the cores stay busy.

A submission is graded all or nothing, so a grader killed at any moment (a
laptop that sleeps, a server that restarts) loses no grade: its autograded
folder is built under a hidden name, its scores are committed in one
transaction, and only then is the folder moved into place. A folder in place
therefore always has its scores; "already autograded" means the folder is in
place, its notebooks are readable and its scores are in the gradebook; and a
rerun grades again whatever a killed run left unfinished (nbgrader's steps
overwrite the same rows with the same values).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import sqlalchemy
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.converters import Autograde, BaseConverter, NbGraderException
from nbgrader.nbgraderformat import (
    MetadataValidator,
    SchemaTooNewError,
    SchemaTooOldError,
    ValidationError,
)
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, Execute, SaveAutoGrades
from traitlets import Any as AnyTrait
from traitlets import Enum, Instance, Int, List, Unicode, default
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from careerlab import course
from careerlab.autograde.author_cells import NOTES_KEY as AUTHOR_NOTES_KEY
from careerlab.autograde.author_cells import with_author_cells
from careerlab.autograde.gradebook import (
    BatchGradebook,
    SaveAutoGradesOnce,
    one_transaction,
    shared_engine,
)
from careerlab.autograde.limits import TRACEBACK_MODES, GradingLimits, Limits
from careerlab.autograde.submission import (
    FAILURES,
    Job,
    Note,
    NotebookJob,
    NotebookResult,
    Result,
    grade_submission,
)
from careerlab.autograde.warm import DEFAULT_PRELOAD, WarmProcess, WarmProcessError
from careerlab.exchange.files import SizeLimits, UnsafeSubmission, check_submission

RESOURCE_KEY = "careerlab_execution"
# Beside a submission's folder under construction: the previous grading's folder,
# moved aside while the new one is moved into place (--force, a newer submission).
REPLACED_SUFFIX = ".replaced"
# Errors reading a submitted notebook file: recorded as invalid-notebook.
NOTEBOOK_READ_ERRORS = (
    nbformat.reader.NotJSONError,
    nbformat.ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


def language_info() -> dict[str, Any]:
    """What an ipykernel on this Python reports, which nbclient stores in the notebook."""
    import sys

    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": sys.version.split()[0],
    }


class ApplyExecution(Execute):
    """nbgrader's Execute step, with the cells already run in a forked process.

    It subclasses Execute so the same configuration applies (``--no-execute``
    turns it off), but it never starts a kernel: it copies each executed cell's
    outputs and execution count from the run into the notebook, as nbclient
    would have written them."""

    def preprocess(self, nb: Any, resources: dict[str, Any], km: Any = None) -> Any:
        run: NotebookResult | None = resources.get(RESOURCE_KEY)
        if run is None:
            return nb, resources
        for executed in run.cells:
            cell = nb.cells[executed.index]
            cell.outputs = [nbformat.from_dict(output) for output in executed.outputs]
            cell.execution_count = executed.execution_count
            cell.metadata["execution"] = {
                "iopub.execute_input": executed.started,
                "iopub.status.busy": executed.started,
                "iopub.status.idle": executed.finished,
                "shell.execute_reply": executed.finished,
            }
        nb.metadata["language_info"] = language_info()
        return nb, resources


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's per-cell metadata check, against a schema compiled once.

    nbgrader calls ``jsonschema.validate`` for every cell, which checks the
    schema itself against the JSON Schema meta-schema each time: most of
    autograde's time outside execution. Same version checks, same schema,
    same errors."""

    _compiled: Any = None

    def validate_cell(self, cell: Any) -> None:
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {schema} (expected {self.schema_version})",
                schema,
                self.schema_version,
            )
        if schema > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {schema} (expected {self.schema_version})",
                schema,
                self.schema_version,
            )
        compiled = type(self)._compiled
        if compiled is None:
            cls = jsonschema.validators.validator_for(self.schema)
            cls.check_schema(self.schema)
            compiled = type(self)._compiled = cls(self.schema)
        error = jsonschema.exceptions.best_match(compiled.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class _CompiledValidator(MetadataValidator, _CompiledSchema):
    """nbgrader's current metadata validator; its base-class check is the compiled one."""


class CheckCellMetadataCompiled(CheckCellMetadata):
    """nbgrader's CheckCellMetadata step, with the schema compiled once (see _CompiledSchema)."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> Any:
        try:
            _CompiledValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources


@dataclass
class Outcome:
    """What happened to one submission; one row of the report."""

    student: str
    assignment: str
    status: str  # graded, failed or skipped
    reason: str = ""
    detail: str = ""
    notes: list[Note] = field(default_factory=list)
    seconds: float = 0.0
    score: float | None = None
    max_score: float | None = None
    sandbox: str = ""


@dataclass
class _Prepared:
    student: str
    assignment: str
    notebooks: list[str]  # submitted notebook paths, as nbgrader lists them
    sanitized: list[str]  # the sanitized notebooks in the autograded folder
    job: Job | None
    notes: list[Note]
    started: float


class FastAutograde(Autograde):
    """nbgrader's Autograde converter with execution in warm forked processes."""

    workers = Int(0, help="Submissions executed at the same time (0: one per CPU core).").tag(
        config=True
    )
    preload = List(
        DEFAULT_PRELOAD,
        help="Modules imported once in the warm process, before any submission.",
    ).tag(config=True)
    traceback_mode = Enum(
        list(TRACEBACK_MODES),
        "Plain",
        help="How errors are shown in autograded notebooks: IPython's Plain (file, line and "
        "code of each frame) or Context (a kernel's default: lines around each frame, "
        "highlighted; slower, since formatting an error costs more than running most cells).",
    ).tag(config=True)
    account = Unicode(
        "nobody",
        help="When the grader runs as root, the account each notebook runs as "
        "(empty: stay root, fenced by Landlock and seccomp only).",
    ).tag(config=True)
    progress = AnyTrait(None, allow_none=True, help="Called with each Outcome.")
    warm = Instance(WarmProcess, allow_none=True)
    limits_config = Instance(GradingLimits, allow_none=True)

    @default("limits_config")
    def _limits_default(self) -> GradingLimits:
        return GradingLimits(parent=self)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # nbconvert's own option: validate the notebook once, after all of a pass's
        # steps, not after each one (an invalid notebook still fails the same way).
        # Validating after every step was a large share of this process's time.
        c = Config()
        c.Exporter.optimistic_validation = True
        self.update_config(c)
        self.outcomes: list[Outcome] = []
        self.warm_info: dict[str, Any] = {}
        self._executions: dict[str, NotebookResult] = {}
        self._expected_notebooks: dict[str, set[str]] = {}
        self._cell_notes: list[str] = []  # RestoreAuthorCells' notes on the current submission

    # Where the autograded folder is built, and when it counts ---------------------------
    def _staging_step(self) -> str:
        """Where a submission's autograded folder is built: a hidden sibling of the
        autograded folder (hidden, so nbgrader's globs never list it; a sibling, so
        moving a finished folder into place is one rename on the same file system)."""
        head, tail = os.path.split(os.path.normpath(self.coursedir.autograded_directory))
        return os.path.join(head, f".{tail}-in-progress")

    @property
    def _output_directory(self) -> str:
        # Every nbgrader step writes into the folder under construction (its
        # _format_dest); only _publish moves it to _final_dest.
        return self._staging_step()

    @property
    def _input_directory(self) -> str:
        if self._sanitizing:
            return self.coursedir.submitted_directory
        return self._staging_step()

    def _final_dest(self, assignment_id: str, student_id: str) -> str:
        """The autograded folder nbgrader, Formgrader and feedback read."""
        return os.path.normpath(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, student_id, assignment_id
            )
        )

    def init_destination(self, assignment_id: str, student_id: str) -> bool:
        """nbgrader's decision to grade a submission or skip it, where "already
        autograded" means complete (see _complete). Unlike nbgrader, nothing of a
        previous grading is removed here: the new folder replaces it once complete."""
        self._discard_staged(assignment_id, student_id)  # what a killed run left
        excluded = self.coursedir.student_id_exclude
        if excluded and student_id in excluded.split(","):
            return False
        final = self._final_dest(assignment_id, student_id)
        if not self._complete(assignment_id, student_id, final) or self.force:
            return True
        new = self.coursedir.get_existing_timestamp(self._format_source(assignment_id, student_id))
        old = self.coursedir.get_existing_timestamp(final)
        if new is not None and old is not None and new > old:
            self.log.warning("Updating existing assignment: %s", final)
            return True
        self.log.info("Skipping existing assignment: %s", final)
        return False

    def _complete(self, assignment_id: str, student_id: str, final: str) -> bool:
        """Whether a submission's grading is whole: each notebook being graded is in
        the autograded folder and readable, and every test cell of it has a score.

        Folders this grader moves into place always are; a folder left by a grader
        killed mid-notebook (stock nbgrader, an older CareerLab) or cut short by a
        power loss may not be, and is then graded again."""
        if not os.path.isdir(final):
            return False
        try:
            known = self._assignment_notebooks(assignment_id)
        except MissingEntry:
            return False
        names = [n for n in (Path(nb).stem for nb in self.notebooks) if n in known]
        for name in names:
            try:
                json.loads(Path(final, name + self.exporter.file_extension).read_bytes())
            except (OSError, ValueError):
                return False
        if not names or not self._saves_scores():
            return bool(names)
        with BatchGradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                submission = gradebook.find_submission(assignment_id, student_id)
            except MissingEntry:
                return False
            notebooks = {nb.name: nb for nb in submission.notebooks}
            for name in names:
                if name not in notebooks:
                    return False
                manual = {cell.name for cell in notebooks[name].notebook.solution_cells}
                for grade in notebooks[name].grades:
                    # A test cell always gets an auto_score; a cell graded by hand never.
                    if grade.auto_score is None and grade.cell_type == "code":
                        if grade.name not in manual:
                            return False
        return True

    def _saves_scores(self) -> bool:
        for pp in self.autograde_preprocessors:
            cls = import_item(pp) if isinstance(pp, str) else pp
            if isinstance(cls, type) and issubclass(cls, SaveAutoGrades):
                return True
        return False

    def _assignment_notebooks(self, assignment_id: str) -> set[str]:
        """The assignment's notebooks in the gradebook (read once per batch)."""
        if assignment_id not in self._expected_notebooks:
            with BatchGradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
                self._expected_notebooks[assignment_id] = {
                    nb.name for nb in gradebook.find_assignment(assignment_id).notebooks
                }
        return self._expected_notebooks[assignment_id]

    def _discard_staged(self, assignment_id: str, student_id: str) -> None:
        staged = self._format_dest(assignment_id, student_id)
        for path in (staged, staged + REPLACED_SUFFIX):
            if os.path.lexists(path):
                self.log.warning("Removing an unfinished autograded folder: %s", path)
                utils.rmtree(path)
                self._remove_empty_parents(path)

    def _seed_staged(self, assignment_id: str, student_id: str) -> None:
        """When only some notebooks are graded (--notebook), the new ones are built
        beside a copy of the autograded folder's other files, which nbgrader's
        kernel would find there (files earlier notebooks wrote)."""
        final = self._final_dest(assignment_id, student_id)
        if self.coursedir.notebook_id != "*" and os.path.isdir(final):
            shutil.copytree(
                final,
                self._format_dest(assignment_id, student_id),
                symlinks=True,
                ignore=shutil.ignore_patterns("*.ipynb"),
            )

    def _publish(self, assignment_id: str, student_id: str) -> None:
        """Move a finished folder into place: the step that makes it count as graded.

        Its scores are committed before this, so a folder in place always has
        them; a crash between the two leaves scores without a folder, which the
        next run grades again, overwriting them with the same values."""
        staged = self._format_dest(assignment_id, student_id)
        final = self._final_dest(assignment_id, student_id)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        if self.coursedir.notebook_id == "*":
            replaced = staged + REPLACED_SUFFIX
            if os.path.lexists(final):
                os.rename(final, replaced)
            os.rename(staged, final)
            if os.path.lexists(replaced):
                utils.rmtree(replaced)
        else:
            files = [p for p in Path(staged).rglob("*") if p.is_file() or p.is_symlink()]
            # Notebooks last: a notebook in place is what counts as graded.
            for path in sorted(files, key=lambda p: p.suffix == self.exporter.file_extension):
                target = Path(final, path.relative_to(staged))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
            utils.rmtree(staged)
        self._remove_empty_parents(staged)

    def _remove_empty_parents(self, staged: str) -> None:
        top = os.path.normpath(self.coursedir.format_path(self._staging_step(), ".", "."))
        folder = os.path.dirname(staged)
        while folder.startswith(top):
            try:
                os.rmdir(folder)
            except OSError:
                return
            folder = os.path.dirname(folder)

    # nbgrader's steps, with Execute swapped ---------------------------------------------
    def _init_preprocessors(self) -> None:
        self.exporter._preprocessors = []
        if self._sanitizing:
            preprocessors = with_author_cells(self.sanitize_preprocessors)
        else:
            preprocessors = self.autograde_preprocessors
        for pp in preprocessors:
            self.exporter.register_preprocessor(self._swap(pp))

    @staticmethod
    def _swap(pp: Any) -> Any:
        """The configured step, except execution (forked), the metadata check (compiled
        schema) and saving scores (one commit per notebook); same results."""
        cls = import_item(pp) if isinstance(pp, str) else pp
        if isinstance(cls, type) and issubclass(cls, ExecutePreprocessor):
            return ApplyExecution
        if cls is CheckCellMetadata:
            return CheckCellMetadataCompiled
        if cls is SaveAutoGrades:
            return SaveAutoGradesOnce
        return pp

    def write_single_notebook(self, output: str, resources: dict[str, Any]) -> None:
        self._cell_notes.extend(resources.get(AUTHOR_NOTES_KEY, []))
        super().write_single_notebook(output, resources)

    def init_single_notebook_resources(self, notebook_filename: str) -> dict[str, Any]:
        resources = super().init_single_notebook_resources(notebook_filename)
        if not self._sanitizing:
            resources[RESOURCE_KEY] = self._executions.get(notebook_filename)
        return resources

    def _execution_enabled(self) -> bool:
        return bool(Execute(parent=self).enabled)

    def _limits(self) -> Limits:
        execute = Execute(parent=self)
        limits = self.limits_config.limits(nbgrader_timeout=execute.timeout)
        if execute.error_on_timeout:
            limits = Limits(**{**limits.to_dict(), "timeout_error": dict(execute.error_on_timeout)})
        return limits

    def _handle_failure(self, assignment_id: str, student_id: str) -> None:
        """After a submission that could not be graded: its unfinished folder goes (as
        nbgrader removes its output); a previous grading stays as it was."""
        self._discard_staged(assignment_id, student_id)

    # Running the batch --------------------------------------------------------------------
    def _start_warm(self) -> WarmProcess:
        return WarmProcess(
            preload=list(self.preload),
            protected=[self.coursedir.root],
            traceback_mode=self.traceback_mode,
            account=self.account,
        )

    def _warm_for_next_job(self) -> WarmProcess:
        """The warm process, started again if it died (the jobs it had failed)."""
        assert self.warm is not None
        if not self.warm.alive:
            self.log.error("The warm process stopped; starting a new one.")
            self.warm.close()
            self.warm = self._start_warm()
        return self.warm

    def start(self) -> None:
        # The warm process starts first: a fresh interpreter that never sees the
        # gradebook; it preloads while this process prepares the first submissions.
        owns_warm = self.warm is None
        if owns_warm:
            self.warm = self._start_warm()
        try:
            with shared_engine():
                super().start()
            with contextlib.suppress(WarmProcessError):
                self.warm_info = dict(self.warm.info)
            if self.warm_info.get("failed"):
                self.log.warning(
                    "Not preloaded (check c.FastAutograde.preload): %s", self.warm_info["failed"]
                )
        finally:
            if owns_warm and self.warm is not None:
                self.warm.close()
                self.warm = None

    def convert_notebooks(self) -> None:
        limits = self._limits()
        execute = self._execution_enabled()
        workers = self.workers or os.cpu_count() or 1
        pending = sorted(self.assignments)
        inflight: dict[Future[Result], _Prepared] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grade") as pool:
            try:
                self._run(pool, pending, inflight, workers, limits, execute)
            except KeyboardInterrupt:
                # Stop the running notebooks now (closing the warm process kills
                # them), rather than wait for them while the pool shuts down.
                if self.warm is not None:
                    self.warm.close()
                for prepared in inflight.values():
                    self._handle_failure(prepared.assignment, prepared.student)
                raise
        self._add_scores()

    def _run(
        self,
        pool: ThreadPoolExecutor,
        pending: list[str],
        inflight: dict[Future[Result], _Prepared],
        workers: int,
        limits: Limits,
        execute: bool,
    ) -> None:
        while pending or inflight:
            # Keep every worker busy, with one submission ready behind them.
            while pending and len(inflight) < workers + 1:
                prepared = self._prepare(pending.pop(0), limits, execute)
                if prepared is None:
                    continue
                if prepared.job is None:  # nothing to execute (--no-execute)
                    self._finish(prepared, Result(prepared.student, prepared.assignment, True))
                    continue
                job = pool.submit(grade_submission, prepared.job, self._warm_for_next_job())
                inflight[job] = prepared
                if any(f.done() for f in inflight):
                    break
            if not inflight:
                continue
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: inflight[f].started):
                prepared = inflight.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # a bug of ours: the batch goes on
                    result = Result(
                        prepared.student,
                        prepared.assignment,
                        False,
                        reason="grader-error",
                        detail=f"{type(error).__name__}: {error}",
                    )
                self._finish(prepared, result)

    def _record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "failed":
            self.log.error(
                "%s/%s failed (%s): %s",
                outcome.assignment,
                outcome.student,
                outcome.reason,
                outcome.detail,
            )
        if self.progress is not None:
            self.progress(outcome)

    def _ids(self, assignment_dir: str) -> tuple[str, str]:
        regexp = self._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True)
        match = re.match(regexp, assignment_dir)
        if match is None:
            raise NbGraderException(f"Could not match '{assignment_dir}' with regexp '{regexp}'")
        return match.group("assignment_id"), match.group("student_id")

    def _prepare(self, assignment_dir: str, limits: Limits, execute: bool) -> _Prepared | None:
        """nbgrader's steps up to execution, for one submission."""
        started = time.monotonic()
        assignment_id, student_id = self._ids(assignment_dir)
        self.notebooks = sorted(self.assignments[assignment_dir])
        outcome = Outcome(student_id, assignment_id, "failed")
        if not course.is_student_id(student_id):  # never into the gradebook or a page
            outcome.reason = "bad-student-id"
            outcome.detail = f"{FAILURES['bad-student-id']} ({course.STUDENT_ID_RULE})"
            self._record(outcome)
            return None
        try:
            if not self.init_destination(assignment_id, student_id):
                outcome.status, outcome.reason = "skipped", "already-autograded"
                outcome.detail = "Already autograded; use --force to grade it again."
                self._record(outcome)
                return None
            # Before anything copies or opens the submission (init_assignment copies it).
            check_submission(assignment_dir, SizeLimits.of(self.coursedir))
            self._seed_staged(assignment_id, student_id)
            self.run_pre_convert_hook()
            self.init_assignment(assignment_id, student_id)
            notebooks = list(self.notebooks)
            sanitized = []
            self._cell_notes = []
            for notebook in notebooks:
                self._sanitizing = True
                self._init_preprocessors()
                BaseConverter.convert_single_notebook(self, notebook)
                sanitized.append(
                    os.path.join(self.writer.build_directory, os.path.basename(notebook))
                )
            notes = self._submission_notes(assignment_id, student_id, notebooks)
            notes += [Note("cell-metadata", text) for text in self._cell_notes]
            job = (
                self._job(assignment_id, student_id, notebooks, sanitized, limits)
                if execute
                else None
            )
            return _Prepared(student_id, assignment_id, notebooks, sanitized, job, notes, started)
        except (
            sqlalchemy.exc.OperationalError,
            SchemaTooOldError,
            SchemaTooNewError,
            KeyboardInterrupt,
        ):
            # nbgrader stops the whole run for these, and so does this.
            self._handle_failure(assignment_id, student_id)
            raise
        except UnsafeSubmission as problem:
            outcome.reason, outcome.detail = problem.reason, problem.detail
        except NOTEBOOK_READ_ERRORS as error:
            outcome.reason = "invalid-notebook"
            outcome.detail = (
                f"{FAILURES['invalid-notebook']} ({type(error).__name__}: {str(error)[:300]})"
            )
        except Exception as error:
            self.log.error(traceback.format_exc())
            outcome.reason = "grader-error"
            outcome.detail = f"{type(error).__name__}: {str(error)[:300]}"
        self._handle_failure(assignment_id, student_id)
        outcome.seconds = round(time.monotonic() - started, 3)
        self._record(outcome)
        return None

    def _submission_notes(
        self, assignment_id: str, student_id: str, notebooks: list[str]
    ) -> list[Note]:
        notes = []
        expected = self._assignment_notebooks(assignment_id)
        submitted = {os.path.splitext(os.path.basename(nb))[0] for nb in notebooks}
        for missing in sorted(expected - submitted):
            notes.append(Note("missing-notebook", f"{missing}.ipynb was not submitted."))
        # A damaged answers file is not an error (the workbook explains it to the
        # student and the tests score zero), but the teacher should know.
        from careerlab.workbook.answers import ANSWERS_SUFFIX, parse_answers

        source = Path(self._format_source(assignment_id, student_id))
        for path in sorted(source.glob(f"*{ANSWERS_SUFFIX}")):
            try:
                problems = parse_answers(path.read_bytes()).problems
            except OSError as error:
                problems = [f"could not be read ({error.strerror})"]
            if problems:
                notes.append(Note("answers-file", f"{path.name}: {' '.join(problems)[:500]}"))
        return notes

    def _job(
        self,
        assignment_id: str,
        student_id: str,
        notebooks: list[str],
        sanitized: list[str],
        limits: Limits,
    ) -> Job:
        """The plain data a submission's execution needs, and nothing else.

        The files are the ones nbgrader's kernel would find beside the notebook
        (the submission's, with the source folder's copied over them), minus the
        sanitized notebooks, which hold the hidden tests; the student's own
        notebooks are there as submitted."""
        dest = Path(self._format_dest(assignment_id, student_id))
        files: dict[str, bytes] = {}
        for path in sorted(dest.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
                files[path.relative_to(dest).as_posix()] = path.read_bytes()
        for notebook in notebooks:
            files[os.path.basename(notebook)] = Path(notebook).read_bytes()
        jobs = []
        for path in sanitized:
            name = os.path.splitext(os.path.basename(path))[0]
            jobs.append(NotebookJob(name, json.loads(Path(path).read_text(encoding="utf-8"))))
        return Job(student_id, assignment_id, jobs, files, limits)

    def _finish(self, prepared: _Prepared, result: Result) -> None:
        """nbgrader's steps after execution, for one submission."""
        assignment_id, student_id = prepared.assignment, prepared.student
        self.notebooks = prepared.notebooks
        outcome = Outcome(
            student_id,
            assignment_id,
            "graded",
            notes=prepared.notes + result.notes,
            sandbox=", ".join(sorted({n.sandbox for n in result.notebooks if n.sandbox})),
        )
        try:
            if not result.ok:
                outcome.status, outcome.reason, outcome.detail = (
                    "failed",
                    result.reason,
                    result.detail,
                )
                self._handle_failure(assignment_id, student_id)
            else:
                runs = {run.name: run for run in result.notebooks}
                # All the submission's scores in one commit, and only then its folder
                # in place (after the post-convert hook, which writes to the gradebook).
                with one_transaction(self.coursedir.db_url, self.coursedir.course_id):
                    for path in prepared.sanitized:
                        name = os.path.splitext(os.path.basename(path))[0]
                        self._executions[path] = runs.get(name)
                        self._sanitizing = False
                        self._init_preprocessors()
                        try:
                            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                                BaseConverter.convert_single_notebook(self, path)
                        finally:
                            self._sanitizing = True
                            self._executions.pop(path, None)
                self._write_files(assignment_id, student_id, result)
                self.set_permissions(assignment_id, student_id)
                self.run_post_convert_hook()
                self._publish(assignment_id, student_id)
        except (sqlalchemy.exc.OperationalError, KeyboardInterrupt):
            self._handle_failure(assignment_id, student_id)
            raise
        except Exception as error:
            self.log.error(traceback.format_exc())
            outcome.status, outcome.reason = "failed", "grader-error"
            outcome.detail = f"{type(error).__name__}: {str(error)[:300]}"
            self._handle_failure(assignment_id, student_id)
        outcome.seconds = round(time.monotonic() - prepared.started, 3)
        self._record(outcome)

    def _write_files(self, assignment_id: str, student_id: str, result: Result) -> None:
        """Files the notebooks wrote end up in the autograded folder, as with nbgrader's kernel."""
        dest = Path(self._format_dest(assignment_id, student_id)).resolve()
        for name, data in result.files.items():
            target = (dest / name).resolve()
            if dest not in target.parents or target.suffix == ".ipynb":
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.chmod(0o644)
            target.write_bytes(data)
        for name in result.deleted:
            target = (dest / name).resolve()
            if dest in target.parents and target.suffix != ".ipynb" and target.is_file():
                target.unlink()

    def _add_scores(self) -> None:
        graded = [o for o in self.outcomes if o.status == "graded"]
        if not graded:
            return
        with BatchGradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            for outcome in graded:
                try:
                    submission = gradebook.find_submission(outcome.assignment, outcome.student)
                except MissingEntry:
                    continue
                outcome.score, outcome.max_score = submission.score, submission.max_score


class FastAutogradeApp(AutogradeApp):
    """``nbgrader autograde``'s app (same options and configuration), with FastAutograde."""

    name = "careerlab-autograde"
    description = "Autograde submissions in warm forked processes"
    on_outcome: Callable[[Outcome], None] | None = None
    outcomes: list[Outcome] = []
    warm_info: dict[str, Any] = {}

    @default("classes")
    def _classes_default(self) -> list[Any]:
        return [*super()._classes_default(), FastAutograde, GradingLimits]

    def start(self) -> None:
        # AutogradeApp.start, with FastAutograde as the converter.
        super(AutogradeApp, self).start()
        if len(self.extra_args) > 1:
            self.fail("Only one argument (the assignment id) may be specified")
        elif len(self.extra_args) == 1 and self.coursedir.assignment_id != "":
            self.fail("The assignment cannot both be specified in config and as an argument")
        elif len(self.extra_args) == 0 and self.coursedir.assignment_id == "":
            self.fail(
                "An assignment id must be specified, either as an argument or with --assignment"
            )
        elif len(self.extra_args) == 1:
            self.coursedir.assignment_id = self.extra_args[0]
        converter = FastAutograde(coursedir=self.coursedir, parent=self, progress=self.on_outcome)
        try:
            converter.start()
        except NbGraderException as error:
            self.outcomes, self.warm_info = converter.outcomes, converter.warm_info
            raise SystemExit(str(error)) from None
        except WarmProcessError as error:
            raise SystemExit(str(error)) from None
        self.outcomes, self.warm_info = converter.outcomes, converter.warm_info


def find_submissions(coursedir: Any, assignment: str, student: str) -> list[str]:
    """The submission folders ``careerlab autograde`` will look at (for the progress bar)."""
    pattern = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    return sorted(glob.glob(pattern))
