"""Every choice option of every workbook, clicked in a real JupyterLab; a workbook on a phone.

A student clicks an option's text or its circle and that option, and no other, is chosen
and saved (the answers file beside the notebook). ipywidgets gives each option one fixed
line height, so in vitals-care-plan an option that wrapped was drawn over the next one:
a click on the right answer chose another (careerlab/workbook/workbook.css lays options out
as rows). The clicks land where the student sees the text (its last line) and the circle.

On a phone (390x844, JupyterLab's single-document mode) vitals-care-plan is read and a
choice and a number task answered; after a save and a reload its styles are still there.

One JupyterLab and one browser for the module. Each workbook is opened once, as a tab, and
only its set-up and choice cells run (a whole workbook costs seconds more and adds nothing
to what is clicked); the phone runs all of vitals-care-plan.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from careerlab.author.workbook_text import parse
from careerlab.workbook.answers import answers_filename

from .conftest import REPO
from .lab_page import MARK_STALE, wait_for_idle_kernel, wait_for_run
from .servers import CHROMIUM, Server, chromium_page, jupyter_lab, wait_until
from .test_browser import menu

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)"),
]

WORKBOOKS = sorted(path.parent.name for path in (REPO / "workbooks").glob("*/workbook.md"))
STUDENT = "student"
PHONE = {"width": 390, "height": 844}
PHONE_WORKBOOK = "vitals-care-plan"  # long options, number tasks with units


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    options: dict[str, str]  # key -> the label the student reads


def workbook_tasks(folder: Path) -> list[dict]:
    text = (folder / "workbook.md").read_text(encoding="utf-8")
    return [{"kind": t.kind, **t.fields} for t in parse(text).tasks]


def choices(folder: Path) -> list[Choice]:
    return [
        Choice(t["id"], t["title"], dict(t["options"]))
        for t in workbook_tasks(folder)
        if t["kind"] == "choice"
    ]


@dataclass
class Lab:
    server: Server
    course: Path

    def notebook(self, workbook: str) -> Path:
        return self.server.root / STUDENT / workbook / f"{workbook}.ipynb"

    def path(self, workbook: str) -> str:
        return self.notebook(workbook).relative_to(self.server.root).as_posix()

    def answers(self, workbook: str) -> Path:
        return self.notebook(workbook).with_name(answers_filename(workbook))

    def url(self, workbook: str, mode: str, workspace: str) -> str:
        # A workspace of its own: JupyterLab does not reopen the other workbooks' tabs.
        return (
            f"{self.server.url}/{mode}/workspaces/{workspace}/tree/{self.path(workbook)}"
            f"?token={self.server.token}"
        )


@pytest.fixture(scope="module")
def lab(released_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving one student's copy of every released workbook."""
    root = tmp_path_factory.mktemp("choice-clicks")
    for workbook in WORKBOOKS:
        shutil.copytree(released_course / "release" / workbook, root / STUDENT / workbook)
    with jupyter_lab(released_course, root, root / "state") as server:
        yield Lab(server, released_course)


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with chromium_page() as page:
        page.set_viewport_size({"width": 800, "height": 1000})
        yield page


# --- Driving JupyterLab ------------------------------------------------------------------------
OPEN = "async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }"
SAVE_ALL = "async () => { await window.jupyterapp.commands.execute('docmanager:save-all'); }"

# Run the cells at these indexes, one at a time, as Shift+Enter would; resolves when they ran.
RUN_CELLS = """async (indexes) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  for (const index of indexes) {
    notebook.deselectAll();
    notebook.activeCellIndex = index;
    await window.jupyterapp.commands.execute('notebook:run-cell');
  }
}"""


def choice_cells(notebook: Path) -> list[int]:
    """The cells a choice task needs: the set-up cells up to the one that makes the Workbook,
    and every choice task's cell."""
    cells = nbformat.read(notebook, as_version=4).cells
    setup = next(i for i, c in enumerate(cells) if "Workbook(" in c.source)
    return [
        i
        for i, cell in enumerate(cells)
        if cell.cell_type == "code"
        and (i <= setup or cell.source.lstrip().startswith("wb.choice("))
    ]


def open_workbook(page, lab: Lab, workbook: str, mode: str = "lab") -> None:
    """Open the student's copy with an idle kernel: the first in a JupyterLab page of its own,
    the next ones as tabs of the same page (a page load costs seconds)."""
    path = lab.path(workbook)
    in_lab = page.url.startswith(lab.server.url) and page.evaluate("!!window.jupyterapp")
    if in_lab and page.url.startswith(f"{lab.server.url}/{mode}/"):
        page.evaluate(OPEN, path)
    else:
        if in_lab:  # JupyterLab keeps a page with unsaved notebooks from leaving
            page.evaluate(SAVE_ALL)
        page.goto(lab.url(workbook, mode, workspace=f"{mode}-{workbook}"))
    wait_for_kernel(page, lab, workbook)


def wait_for_kernel(page, lab: Lab, workbook: str) -> None:
    """Until the workbook is on show with an idle kernel (choosing the kernel if asked)."""
    wait_for_idle_kernel(page, lab.path(workbook), f"{workbook} to open with an idle kernel", 180)


def run(page, cells: list[int] | None, tasks: int) -> None:
    """Run these cells (None: Run > Run All Cells) and wait until ``tasks`` tasks are drawn."""
    page.evaluate(MARK_STALE)
    if cells is None:
        menu(page, "Run", "Run All Cells")
    else:
        page.evaluate(RUN_CELLS, cells)
    wait_for_run(page, tasks, timeout=300)


# Where a student clicks an option (in the workbook on show; other tabs are hidden), once it
# is scrolled into view and the notebook has stopped moving (cells above it are drawn as they
# come into view): the middle of its circle, and the middle of its text's last line (a wrapped
# option's text is where the bug drew it over the next one). Null if the page has no such task.
OPTION_POINT = """async ([title, label, part]) => {
  const notebook = window.jupyterapp.shell.currentWidget.node;
  const box = [...notebook.querySelectorAll('.careerlab-task.careerlab-choice')].find(
    b => b.querySelector('.careerlab-prompt strong')?.textContent === title);
  const row = box && [...box.querySelectorAll('.widget-radio-box label')].find(
    l => l.textContent === label);
  if (!row) return null;
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  let top = null;
  for (let i = 0; i < 50 && row.getBoundingClientRect().top !== top; i++) {
    top = row.getBoundingClientRect().top;
    row.scrollIntoView({block: 'center'});
    await frame();
    await frame();
  }
  let rect;
  if (part === 'circle') {
    rect = row.querySelector('input').getBoundingClientRect();
  } else {
    const range = document.createRange();
    const text = [...row.childNodes].filter(n => n.nodeType === Node.TEXT_NODE);
    range.setStartBefore(text[0]);
    range.setEndAfter(text[text.length - 1]);
    const lines = [...range.getClientRects()].filter(r => r.width > 0);
    rect = lines[lines.length - 1];
  }
  return {x: rect.left + rect.width / 2, y: rect.top + rect.height / 2};
}"""

# The labels of the checked options of a task.
CHECKED = """(title) => {
  const notebook = window.jupyterapp.shell.currentWidget.node;
  const box = [...notebook.querySelectorAll('.careerlab-task.careerlab-choice')].find(
    b => b.querySelector('.careerlab-prompt strong')?.textContent === title);
  return [...box.querySelectorAll('.widget-radio-box label')]
    .filter(l => l.querySelector('input').checked).map(l => l.textContent);
}"""

# Every option row of every choice task, at this width: rows do not overlap, each holds its
# circle and text, and what is drawn at its circle and at every line of its text is this
# option, not another. Returns the problems found, in words.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const notebook = window.jupyterapp.shell.currentWidget.node;
  for (const box of notebook.querySelectorAll('.careerlab-task.careerlab-choice')) {
    const title = box.querySelector('.careerlab-prompt strong')?.textContent;
    const rows = [...box.querySelectorAll('.widget-radio-box label')];
    rows.forEach((row, i) => {
      const name = `${title} / option ${i + 1}`;
      row.scrollIntoView({block: 'center'});
      const r = row.getBoundingClientRect();
      const next = rows[i + 1] && rows[i + 1].getBoundingClientRect();
      if (next && next.top < r.bottom - 0.5) problems.push(`${name} overlaps the next option`);
      if (r.right > box.getBoundingClientRect().right + 0.5) problems.push(`${name} is cut off`);
      const range = document.createRange();
      range.selectNodeContents(row);
      const input = row.querySelector('input').getBoundingClientRect();
      for (const q of [...range.getClientRects()].filter(q => q.width > 0).concat([input])) {
        if (q.bottom > r.bottom + 0.5 || q.top < r.top - 0.5) {
          problems.push(`${name}: its text or circle is drawn outside its row`);
          break;
        }
        const hit = document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2);
        if (!hit || !row.contains(hit)) {
          const what = hit ? hit.outerHTML.slice(0, 80) : 'nothing';
          problems.push(`${name}: a click on it reaches ${what}`);
          break;
        }
      }
    });
  }
  return problems;
}"""


def saved_choice(lab: Lab, workbook: str, task_id: str, key: str) -> None:
    """Wait until the answers file holds ``key`` as the task's answer."""
    path = lab.answers(workbook)
    last: list[object] = [None]

    def holds() -> bool:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))["answers"].get(task_id)
        except (OSError, ValueError, KeyError):
            return False  # not written yet, or caught between writes
        last[0] = entry
        return entry is not None and (entry.get("kind"), entry.get("value")) == ("choice", key)

    try:
        wait_until(holds, f"{path.name} to hold {task_id} = {key}", timeout=15)
    except AssertionError as error:
        raise AssertionError(f"{error} Last read: {last[0]!r}") from None


def click(page, lab: Lab, workbook: str, choice: Choice, key: str, part: str) -> None:
    """A mouse click on the option's text or circle: that option, and only it, is checked,
    and the answers file holds its key."""
    label = choice.options[key]
    point = page.evaluate(OPTION_POINT, [choice.title, label, part])
    assert point is not None, f"{workbook}: no option {label!r} in task {choice.title!r}"
    page.mouse.click(point["x"], point["y"])
    checked: list[list[str]] = [[]]

    def chosen() -> bool:
        checked[0] = page.evaluate(CHECKED, choice.title)
        return checked[0] == [label]

    try:
        wait_until(chosen, f"{key} to be chosen", timeout=5)
    except AssertionError:
        raise AssertionError(
            f"{workbook}: a click on the {part} of {key!r} in {choice.id} chose {checked[0]}"
        ) from None
    saved_choice(lab, workbook, choice.id, key)


def click_every_option(page, lab: Lab, workbook: str, choice: Choice) -> None:
    """Each option's text in turn, then each option's circle (every click changes the
    answer: the last text click chose the last option)."""
    for part in ("text", "circle"):
        for key in choice.options:
            click(page, lab, workbook, choice, key, part)


# --- The tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("workbook", WORKBOOKS)
def test_every_option_clicks_and_saves_right(page, lab: Lab, workbook: str):
    """Each option of every choice task: a click on its text, then on its circle, chooses
    that option and the answers file holds its key. The rows' layout is checked at three
    widths (in an 800 px window with the file browser open, the notebook is about 380 px
    wide). Only the set-up and choice cells run: the other tasks play no part here."""
    tasks = choices(lab.course / "workbooks" / workbook)
    assert tasks, f"{workbook} has no choice task"
    page.set_viewport_size({"width": 800, "height": 1000})
    open_workbook(page, lab, workbook)
    run(page, choice_cells(lab.notebook(workbook)), len(tasks))
    for choice in tasks:
        click_every_option(page, lab, workbook, choice)
    for width in (800, 1280, 600):
        page.set_viewport_size({"width": width, "height": 1000})
        problems = page.evaluate(LAYOUT_PROBLEMS)
        assert not problems, f"{workbook} at {width} px:\n" + "\n".join(problems)


# Every control of every task lies inside the screen and inside its task's box (nothing to
# scroll sideways to, nothing cut off), and the page itself is no wider than the screen.
OFF_SCREEN = """() => {
  const problems = [];
  const panel = window.jupyterapp.shell.currentWidget;
  const wide = [document.documentElement, panel.content.node].filter(
    n => n.scrollWidth > n.clientWidth + 1);
  for (const node of wide) problems.push(`${node.className}: ${node.scrollWidth} px wide`);
  for (const box of panel.node.querySelectorAll('.careerlab-task')) {
    const title = box.querySelector('.careerlab-prompt strong')?.textContent;
    const edge = box.getBoundingClientRect();
    const controls = 'input, select, textarea, button, .widget-radio-box label';
    for (const control of box.querySelectorAll(controls)) {
      const r = control.getBoundingClientRect();
      if (r.width === 0) continue;  // not shown (a product's form before its type is chosen)
      const left = Math.max(0, edge.left), right = Math.min(innerWidth, edge.right);
      if (r.left < left - 0.5 || r.right > right + 0.5)
        problems.push(`${title}: ${control.outerHTML.slice(0, 80)} spans ${r.left}-${r.right} px`);
    }
  }
  return problems;
}"""

STYLESHEETS = """() => [...document.querySelectorAll('.careerlab-style style')]
  .filter(s => s.textContent.includes('.careerlab-task .widget-radio-box label')).length"""


def saved_number(lab: Lab, workbook: str, task_id: str, value: float) -> None:
    path = lab.answers(workbook)

    def holds() -> bool:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))["answers"].get(task_id)
        except (OSError, ValueError, KeyError):
            return False
        return entry is not None and (entry.get("kind"), entry.get("value")) == ("number", value)

    wait_until(holds, f"{path.name} to hold {task_id} = {value}", timeout=15)


def test_a_phone_reads_and_answers(page, lab: Lab):
    """vitals-care-plan at 390x844 in JupyterLab's single-document mode (/doc): every
    control fits the screen, options do not overlap, a choice and a number task are
    answered and saved; after a save and a page reload the styles are still there."""
    from playwright.sync_api import expect

    workbook = PHONE_WORKBOOK
    folder = lab.course / "workbooks" / workbook
    page.set_viewport_size(PHONE)
    open_workbook(page, lab, workbook, mode="doc")
    assert page.evaluate("() => window.jupyterapp.shell.mode") == "single-document"
    run(page, None, len(workbook_tasks(folder)))
    assert page.evaluate(STYLESHEETS) == 1
    assert page.evaluate(OFF_SCREEN) == []
    assert page.evaluate(LAYOUT_PROBLEMS) == []

    report = next(c for c in choices(folder) if c.id == "report-now")
    assert list(report.options)[-1] == "check-13"  # the right answer: clicked last, kept
    click_every_option(page, lab, workbook, report)

    number = page.locator(".careerlab-task.careerlab-number").filter(
        has=page.locator(".careerlab-prompt strong", has_text="Her highest temperature in °F")
    )
    box = number.get_by_label("Your answer")
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type("101.7")
    page.keyboard.press("Enter")  # continuous_update=False: Enter commits the value
    saved_number(lab, workbook, "fever-fahrenheit", 101.7)
    expect(number.locator(".careerlab-status")).to_contain_text("Saved")

    # A reload draws the saved outputs again from the running kernel: styles included.
    page.evaluate(SAVE_ALL)
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=60_000
    )
    page.reload()
    wait_for_kernel(page, lab, workbook)
    expect(page.locator(".careerlab-task")).to_have_count(len(workbook_tasks(folder)))
    assert page.evaluate(STYLESHEETS) == 1
    assert page.evaluate(CHECKED, report.title) == [report.options["check-13"]]
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    assert page.evaluate(OFF_SCREEN) == []
