"""The feedback page a student reads: one page, in student language.

nbgrader's feedback page lists "Test cell" and "Task" scores, shows each test cell
with its grade id, and labels cells "Student's answer". CareerLab's page is its own
template (templates/careerlab-feedback, extending nbgrader's): a title and the total
score, the score story (careerlab.feedback.add_rubric: rubric levels, then each task
the computer checked, and for each "Not yet" what to look at again), then the
student's work with their own code and answers labelled as theirs and the workbook's
code one click away. The test cells and rubric cells are left out of the work: what
they found is told in the score story, in words, never as code, grade ids or
tracebacks.

jupyter_config.py makes ``FeedbackPage`` nbgrader's feedback exporter and lists
``OnePage`` after nbgrader's and the hidden-tests steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool
from traitlets.config import Config

from careerlab import course, project
from careerlab.rubrics.levels import CELL_PREFIX

TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE = "careerlab-feedback"


class FeedbackPage(HTMLExporter):
    """nbgrader's HTML exporter for feedback, with CareerLab's page template.

    Set here, not in jupyter_config.py: nbgrader's GenerateFeedback writes its own
    template into the HTMLExporter config, which this class inherits. The template and
    its folders must be in the config before nbconvert's __init__, which fixes its
    template paths once."""

    def __init__(self, config: Config | None = None, **kwargs: Any) -> None:
        config = Config(config or {})
        inherited = list(config.HTMLExporter.get("extra_template_basedirs", []))
        own = Config()
        own.FeedbackPage.template_name = TEMPLATE
        own.FeedbackPage.extra_template_basedirs = [*inherited, str(TEMPLATES)]
        # nbgrader's template folder as a root too, so ours extends 'feedback/index.html.j2'.
        paths = list(config.HTMLExporter.get("extra_template_paths", []))
        own.FeedbackPage.extra_template_paths = [*paths, *inherited]
        # "In [3]:" prompts mean nothing to a student reading their feedback.
        own.FeedbackPage.exclude_input_prompt = True
        own.FeedbackPage.exclude_output_prompt = True
        config.merge(own)
        super().__init__(config=config, **kwargs)


def is_test_cell(cell: Any) -> bool:
    """An autograder test: graded, not the student's own answer."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and not meta.get("task")


def is_rubric_cell(cell: Any) -> bool:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    return isinstance(grade_id, str) and grade_id.startswith(CELL_PREFIX)


def project_title(assignment: str) -> str:
    """The project's title from its workbook.yml (the author's), else its id."""
    try:
        folder = course.find_root() / course.SOURCE_DIRECTORY / assignment
        title = project.read(folder).data.get("title")
    except (FileNotFoundError, project.ProjectFileError, AttributeError):
        return assignment
    return title if isinstance(title, str) and title.strip() else assignment


class OnePage(Preprocessor):
    """Leave test and rubric cells out of the feedback copy; give the page its title."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        nb.cells = [c for c in nb.cells if not (is_test_cell(c) or is_rubric_cell(c))]
        assignment = str((resources.get("nbgrader") or {}).get("assignment", ""))
        resources["careerlab"] = {"title": project_title(assignment)}
        return nb, resources
