"""All configuration for the CareerLab course: nbgrader, Jupyter Server, Voila.

Every Jupyter app reads this file because the repository root is on
JUPYTER_CONFIG_PATH (the Makefile, tests and CI export it); nbgrader also reads
nbgrader_config.py, which only loads this file. Settings a school changes are
environment variables, documented in docs/configuration.md.
"""

import os
from pathlib import Path

from careerlab import course
from careerlab.showcase import voila_pages
from careerlab.workbook import lab_extension

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

ROOT = Path(__file__).resolve().parent

# --- nbgrader: the course directory is the repository root -----------------------
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = course.DEFAULT_COURSE_ID
c.CourseDirectory.source_directory = course.SOURCE_DIRECTORY
c.CourseDirectory.release_directory = course.RELEASE_DIRECTORY
# Never release, submit or collect the answers store's lock and temp files.
c.CourseDirectory.ignore = course.ignore_patterns()

# The gradebook: SQLite in the course root unless CAREERLAB_DB_URL names another
# database, e.g. postgresql://careerlab@localhost/careerlab for a district.
c.CourseDirectory.db_url = course.gradebook_url(ROOT)
# The gradebook refuses a student id that is markup or a path (careerlab.course.STUDENT_ID).
course.guard_gradebook()

# The exchange for a single machine: a folder in the course root (git ignores it).
c.Exchange.root = os.environ.get("CAREERLAB_EXCHANGE", str(ROOT / "exchange"))
c.Exchange.path_includes_course = False
# Where fetch puts a student's copy and submit takes it from. On one machine that
# is tryout/ (as `careerlab try`); on JupyterHub a student's home: CAREERLAB_STUDENT_DIR=.
c.Exchange.assignment_dir = os.environ.get(
    "CAREERLAB_STUDENT_DIR", str(ROOT / course.TRYOUT_DIRECTORY)
)
if "CAREERLAB_STUDENT_DIR" not in os.environ:
    # nbgrader's Assignment List changes into this folder before it lists anything: a
    # missing tryout/ (nothing tried or fetched yet) is a server error in the student's panel.
    try:
        (ROOT / course.TRYOUT_DIRECTORY).mkdir(exist_ok=True)
    except OSError:
        pass  # a read-only course folder: fetch says why when it is used
# Before the teacher's first release there is no exchange folder: the list is empty, not an
# error about setting up the exchange (careerlab.exchange.listing).
c.ExchangeFactory.list = "careerlab.exchange.listing.ListBeforeRelease"
# After Submit, the student's list and `nbgrader submit` say what was submitted and when:
# the notebooks and how many tasks each has answered (careerlab.exchange.receipt).
c.ExchangeFactory.submit = "careerlab.exchange.listing.SubmitWithReceipt"

# A submission is regular files and folders only, within nbgrader's own size limits
# (CourseDirectory.max_file_size / max_dir_size, kilobytes; careerlab.exchange.files):
# collect refuses links, devices, pipes and sockets without opening them, and so does
# `careerlab autograde`. Stock autograde's hook cannot refuse (nbgrader ignores hook
# errors), so it moves such entries into <assignment>.refused/ beside the submission.
c.ExchangeFactory.collect = "careerlab.exchange.collect.SafeCollect"
c.Autograde.pre_convert_hook = "careerlab.exchange.files.quarantine_before_autograde"

# Released code stubs must not raise, so an empty workbook runs top to bottom.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
# nbgrader's release steps, then one more: a test cell left empty once its hidden tests are
# cut out is taken out of the student's copy (careerlab.exchange.student_copy); autograde
# puts it back at its place from the teacher's release, and its tests from the gradebook.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "careerlab.exchange.student_copy.LeaveOutEmptyTests",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A student's widget answers live in <workbook>.answers.json beside the notebook.
# It is never in workbooks/, so autograde has nothing to overwrite it with; this
# keeps it so even if an author's copy ever slipped into a source folder.
c.Autograde.exclude_overwriting = course.answers_files(ROOT)

# Locked and test cells are graded as the author wrote them, metadata and place included
# (careerlab.autograde.author_cells): a student's tags or nbgrader edits cannot skip a test.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "careerlab.autograde.author_cells.RestoreAuthorCells",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Rubric levels are data in the gradebook (careerlab.rubrics.levels): re-autograding keeps
# them, and feedback shows the rubric with each level given.
c.Autograde.post_convert_hook = "careerlab.rubrics.levels.after_autograde"
# Each feedback page gets the rubric, and the student's showcase goes beside it (a student
# on JupyterHub fetches it with the feedback). "careerlab.feedback.add_rubric" alone still works.
c.GenerateFeedback.post_convert_hook = "careerlab.showcase.page.feedback_with_showcase"
# Feedback never shows hidden tests' code (nbgrader's own two steps come first), and reads
# as one page in student language: the score story, then the work without test cells,
# grade ids or prompts (careerlab.feedback.page).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "careerlab.feedback.hidden.HideTestsInFeedback",
    "careerlab.feedback.page.OnePage",
]
c.GenerateFeedback.exporter_class = "careerlab.feedback.page.FeedbackPage"
# `careerlab autograde`'s limits for each submission (docs/grading.md). A cell past
# cell_timeout is interrupted as nbgrader does (0: nbgrader's Execute.timeout, 30 s);
# past any other limit the submission fails with that reason and the batch goes on.
c.GradingLimits.cell_timeout = 0
c.GradingLimits.notebook_timeout = 600  # seconds
c.GradingLimits.memory_mb = 2048  # on top of the libraries the grader preloads
c.GradingLimits.output_mb = 20
# Imported once before any submission runs; every workbook imports careerlab first.
c.FastAutograde.preload = [
    *["numpy", "pandas", "matplotlib.pyplot", "IPython.display", "ipywidgets"],
    *["careerlab.workbook.book", "careerlab.workbook.careers"],
]
# Student text, markdown and outputs are untrusted: sanitize every nbconvert HTML view
# (feedback, formgrader). careerlab.sanitize says why its cleaner replaces nbconvert's.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"clean_html": "careerlab.sanitize.clean"}
c.HTMLExporter.preprocessors = ["careerlab.sanitize.SanitizeForHTML"]
# Output metadata is untrusted too (nbconvert writes image sizes into <img> unquoted):
# the autograded notebook keeps only well-formed metadata, whichever grader ran it.
# nbgrader's own steps, with one added after execution.
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "careerlab.sanitize.SanitizeOutputMetadata",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Autograded notebooks keep no widget state, so nbconvert shows each task's HTML
# copy of the answer (see careerlab.workbook.tasks.base.TaskView) instead of an empty widget.
# nbgrader's autograde already lists ClearMetadataPreprocessor; this turns it on for
# the notebook's metadata only (cells keep the metadata nbgrader needs).
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.clear_cell_metadata = False
c.ClearMetadataPreprocessor.clear_notebook_metadata = True
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", "language_info"}

# --- Voila (as a Jupyter Server extension, at /voila/) ---------------------------
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.strip_sources = True
# Voila runs a notebook's code as the teacher: it renders and lists only CareerLab's
# own pages (catalog, showcase), never a student's notebook (careerlab.showcase.voila_pages).
c.VoilaConfiguration.page_config_hook = voila_pages.only_shipped_pages
# /voila/files/ needs no login and serves pages at the server's origin (an SVG runs
# script there): only image files of CareerLab's own pages, never a student's.
c.VoilaConfiguration.file_allowlist = [r"extensions/careerlab/[^/]+/[^/]+\.(png|jpe?g|gif)"]

# --- Jupyter Server --------------------------------------------------------------
c.ServerApp.root_dir = str(ROOT)
# CareerLab's rubric grading page (careerlab.grading_page), at <base_url>careerlab/grade,
# in its own browser tab. update() keeps the extensions other config files enable.
c.ServerApp.jpserver_extensions.update({"careerlab.grading_page": True})
# The authoring page (careerlab.authoring_page), at <base_url>careerlab/author: teachers'
# servers only, like the grading page (students' servers never read this file).
c.ServerApp.jpserver_extensions.update({"careerlab.authoring_page": True})
# Formgrader serves a student's files (.html, .svg) from this server's origin: served
# sandboxed instead, so no script in them runs (careerlab.sanitize.submission_files).
c.ServerApp.jpserver_extensions.update({"careerlab.sanitize.submission_files": True})
# Widgets left from a kernel that is gone cannot take answers (careerlab.workbook.lab_extension).
lab_extension.configure(c)
