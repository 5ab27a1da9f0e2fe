"""Every project's teacher guide: it renders with every section, its answer key is the
key that earns full marks, it is never released, and it prints to PDF.

The answer key is read back from the rendered page (its ``answer-key`` JSON block) and
entered in the released workbook as a student would (``careerlab.testing.simulate.answer``:
the widgets' own code in a real kernel), then graded by ``careerlab autograde`` in the
session's batch of every project's class (tests/every_project.py: grading is the suite's
dearest step, done once). The class's empty workbooks are graded in the same batch and
must not get full marks, so the full-marks check is seen to be able to fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from careerlab import course
from careerlab.guide import page as guide_page
from careerlab.guide.page import SECTIONS, guide_html, write_guide

from .conftest import REPO
from .servers import CHROMIUM

PROJECTS = [p.name for p in course.assignments(REPO)]


class _Sections(HTMLParser):
    """The text of each <section id=...> of a guide (sections are not nested)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.current: str | None = None
        self.script: str | None = None
        self.key = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.current = found.get("id")
            self.text[self.current or ""] = ""
        elif tag == "script":
            self.script = found.get("id")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.current = None
        elif tag == "script":
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.script == "answer-key-data":
            self.key += data
        elif self.current:
            self.text[self.current] += data


def sections(document: str) -> _Sections:
    parser = _Sections()
    parser.feed(document)
    return parser


@pytest.fixture(scope="module")
def guides() -> dict[str, str]:
    return {name: guide_html(REPO / "workbooks" / name) for name in PROJECTS}


@pytest.mark.parametrize("name", PROJECTS)
def test_every_guide_has_every_section_filled(guides, name):
    found = sections(guides[name])
    for section, heading in SECTIONS:
        assert section in found.text, (name, section)
        body = found.text[section].replace(heading, "", 1).strip()
        assert len(body) > 20, (name, section, body)
    assert "for teachers only" in guides[name]
    ids = re.findall(r'\sid="([^"]+)"', guides[name])
    assert len(ids) == len(set(ids)), ids  # a link or a script finds the one it means


@pytest.mark.parametrize("name", PROJECTS)
def test_the_guide_shows_the_workbooks_own_facts(guides, name):
    """One source of truth: every task's title and every standard's code is on the page."""
    from careerlab.guide.facts import read

    facts = read(REPO / "workbooks" / name)
    found = sections(guides[name])
    for task in facts.tasks:
        assert task.title in found.text["answer-key"], (name, task.id)
    for standard in facts.standards:
        assert standard.code in found.text["standards"], (name, standard.code)
    if facts.exemplar is not None:
        assert facts.exemplar.parts[-1][1][:60] in found.text["exemplar"], name


def test_the_check_and_the_section_test_fail_on_a_broken_guide(tmp_path):
    """The section test above can fail: a guide with an empty section is refused."""
    from careerlab.guide.prose import GuideError, parse

    text = (REPO / "workbooks" / "first-paycheck" / "guide.yml").read_text()
    broken = re.sub(r"(?ms)^extensions:\n(  - .*\n)+", "extensions: []\n", text)
    assert broken != text
    with pytest.raises(GuideError, match=r"guide.yml:\d+: extensions must be a non-empty list"):
        parse(broken, "guide.yml")


def test_no_guide_is_released(released_course):
    for name in PROJECTS:
        assert (released_course / "workbooks" / name / "guide.yml").exists()
        assert not (released_course / "release" / name / "guide.yml").exists(), name
        assert not list((released_course / "release" / name).glob("*guide*")), name


def test_every_answer_key_earns_full_autograded_marks(every_project_graded, guides):
    """The key each guide shows was entered by a student and graded with the class
    (tests/every_project.py); the empty students of that batch are the work it must beat."""
    from .every_project import GUIDE_STUDENT

    entered = every_project_graded["guides"]
    assert entered["errors"] == {}
    graded = {
        row["assignment"]: row["status"]
        for row in every_project_graded["report"]["submissions"]
        if row["student"] == GUIDE_STUDENT
    }
    assert graded == dict.fromkeys(PROJECTS, "graded")  # no failure in the batch
    root = every_project_graded["fast"]
    for name in PROJECTS:
        key = json.loads(sections(guides[name]).key)
        assert key, name
        assert entered["keys"][name] == key, name  # the key on the page is the one entered
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "careerlab") as gradebook:
        for name in PROJECTS:
            for notebook in gradebook.find_assignment(name).notebooks:
                tests = [c for c in notebook.grade_cells if c.cell_type == "code"]
                assert tests, (name, notebook.name)
                best = sum(c.max_score for c in tests)
                scores = {}
                for student in (GUIDE_STUDENT, "empty"):
                    scores[student] = sum(
                        gradebook.find_grade(c.name, notebook.name, name, student).auto_score
                        for c in tests
                    )
                assert scores[GUIDE_STUDENT] == best, (name, scores, best)
                assert scores["empty"] < best, (name, scores, best)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_the_guide_prints_to_pdf(tmp_path):
    written = write_guide(REPO / "workbooks" / "first-paycheck", tmp_path)
    assert written.pdf_problem is None
    assert written.html.name == "first-paycheck-guide.html"
    assert written.pdf is not None and written.pdf.read_bytes().startswith(b"%PDF-")
    assert written.pdf.stat().st_size > 10_000


def test_without_chromium_the_html_is_written_and_the_exit_code_says_so(
    tmp_path, monkeypatch, capsys
):
    from careerlab.cli import GUIDE_NO_PDF, main

    monkeypatch.setattr(guide_page, "chromium", lambda: None)
    monkeypatch.chdir(REPO)
    assert main(["guide", "first-paycheck", "--out", str(tmp_path)]) == GUIDE_NO_PDF
    assert (tmp_path / "first-paycheck-guide.html").exists()
    assert not (tmp_path / "first-paycheck-guide.pdf").exists()
    assert "chromium is not installed" in capsys.readouterr().err


def test_an_unknown_project_is_refused(tmp_path, monkeypatch, capsys):
    from careerlab.cli import main

    monkeypatch.chdir(REPO)
    assert main(["guide", "../etc", "--out", str(tmp_path)]) == 1
    assert "No project" in capsys.readouterr().err
    assert not list(Path(tmp_path).iterdir())


def _buttons(widget) -> list[str]:
    """Every button's label in a widget tree."""
    import ipywidgets as widgets

    found = [widget.description] if isinstance(widget, widgets.Button) else []
    for child in getattr(widget, "children", ()):
        found += _buttons(child)
    return found


@pytest.mark.parametrize("teacher", [True, False])
def test_only_a_teachers_catalog_offers_the_guide(monkeypatch, teacher):
    import IPython.display

    from careerlab.catalog import page as catalog_page

    shown: list = []
    monkeypatch.setenv("CAREERLAB_COURSE", str(REPO))
    monkeypatch.setattr(catalog_page, "is_teacher", lambda root: teacher)
    monkeypatch.setattr(IPython.display, "display", lambda *items: shown.extend(items))
    catalog_page.show()
    labels = [label for item in shown for label in _buttons(item)]
    assert labels.count("Open") == len(PROJECTS)
    assert labels.count("Teacher guide") == (len(PROJECTS) if teacher else 0)


def test_the_catalogs_guide_link_writes_the_guide_on_the_teachers_server(tmp_path):
    from careerlab.catalog.page import guide_link

    root = tmp_path / "course"
    shutil.copytree(REPO / "workbooks" / "first-paycheck", root / "workbooks" / "first-paycheck")
    for name in ("rubrics", "products"):
        shutil.copytree(REPO / name, root / name)
    message = guide_link(root, "first-paycheck", "/user/teacher/")
    assert "href='/user/teacher/files/guides/first-paycheck-guide.html'" in message
    written = (root / "guides" / "first-paycheck-guide.html").read_text(encoding="utf-8")
    assert written == guide_html(root / "workbooks" / "first-paycheck")


def test_written_guides_are_not_committed():
    """guides/ holds answer keys made from the files: git ignores it at the course root."""
    check = subprocess.run(
        ["git", "check-ignore", "-q", "guides/coffee-site-guide.pdf"], cwd=REPO, check=False
    )
    assert check.returncode == 0


def test_a_shared_project_keeps_its_guide(tmp_path):
    """`careerlab share` / `import` carry guide.yml to another school, where it is checked."""
    from careerlab.author import sharing

    from .conftest import make_course

    root = make_course(tmp_path / "course")
    data = sharing.export(root, "first-paycheck")
    imported = sharing.import_project(root, data, "paycheck-two")
    guide = root / "workbooks" / "paycheck-two" / "guide.yml"
    assert guide.read_bytes() == (REPO / "workbooks" / "first-paycheck" / "guide.yml").read_bytes()
    assert not [p for p in imported.problems if "guide.yml" in p], imported.problems
    assert "Your First Paycheck" in guide_html(guide.parent)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_a_teacher_opens_the_guide_from_the_catalog_on_her_server(tmp_path):
    from careerlab.catalog.page import NOTEBOOK_PATH

    from .conftest import make_course
    from .servers import chromium_page, jupyter_lab

    root = make_course(tmp_path / "course")
    shutil.copytree(REPO / "extensions" / "careerlab" / "catalog",
                    root / "extensions" / "careerlab" / "catalog")  # fmt: skip
    with jupyter_lab(root, root, tmp_path / "state") as server, chromium_page(tmp_path) as page:
        page.goto(f"{server.url}/voila/render/{NOTEBOOK_PATH}?token={server.token}")
        page.locator("article.careerlab-card").first.wait_for(timeout=60_000)
        card = page.locator(
            ".widget-vbox", has=page.get_by_role("heading", name="Your First Paycheck")
        )
        card = card.filter(has=page.get_by_role("button", name="Teacher guide")).last
        card.get_by_role("button", name="Teacher guide").click()
        link = page.get_by_role("link", name="Open the teacher guide")
        link.wait_for(timeout=60_000)
        href = link.get_attribute("href")
        assert href == "/files/guides/first-paycheck-guide.html"
        page.goto(f"{server.url}{href}?token={server.token}")
        assert page.get_by_role("heading", name="Answer key").is_visible()
        assert page.locator("#answer-key").count() == 1  # ids are unique
        assert page.locator("#answer-key-data").count() == 1


@pytest.mark.parametrize(
    "script_name, base",
    [
        ("/voila/render/extensions/careerlab/catalog/catalog.ipynb", "/"),
        ("/services/math-7/voila/render/extensions/careerlab/catalog/catalog.ipynb",
         "/services/math-7/"),
        ("/user/ana/", "/user/ana/"),
        ("/", "/"),
    ],
)  # fmt: skip
def test_links_from_the_catalog_start_at_the_servers_base_url(script_name, base):
    from careerlab.catalog.page import server_base

    assert server_base(script_name) == base
