"""A student answers the first-paycheck workbook in a real JupyterLab, in Chromium.

This is the one test that drives the whole stack the way a student meets it: a
Jupyter server started with the course's jupyter_config.py, JupyterLab's own
front end, the ipywidgets front end, and the careerlab package in the kernel.
It answers every task through the widgets, checks the answers file on disk, and
checks that the answers come back after a kernel restart and a page reload. It
also answers with the keyboard only (Tab, Space, Enter) and runs axe-core on the
page, failing on serious or critical problems inside CareerLab's widgets.

Needs Debian's chromium and node_modules/axe-core (``make test-deps``). It never
downloads anything: Playwright drives /usr/bin/chromium, not its own browsers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO
from .lab_page import MARK_STALE, wait_for_idle_kernel, wait_for_run
from .servers import CHROMIUM, Server, chromium_page, jupyter_lab, wait_until

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)"),
    pytest.mark.skipif(not AXE.exists(), reason="needs node_modules/axe-core (make test-deps)"),
]

ASSIGNMENT = "first-paycheck"
STUDENT = "student"
NET_PAY_LABEL = "The pay you take home after taxes and deductions"
PLAN = (
    "I will put $150 into my savings account because I want to buy a used car next "
    "summer. I will spend $80 on gas and bus fare to get to work, $60 on groceries and "
    "snacks for my lunches, $40 on my phone bill, and $20 on fun with my friends. "
    "That adds up to $350, and saving first keeps me on track."
)
LIKED = "I liked checking that every number on the pay stub adds up."
LEARN = "I would need to learn the register, the scanner and how to help customers."
TASKS = 10  # every task of the workbook
ANSWERED = 6  # one task of each kind this test answers (EXPECTED): the first of its kind


@dataclass
class LabServer:
    server: Server
    notebook: Path  # the student's copy of the workbook

    @property
    def root(self) -> Path:
        return self.server.root

    @property
    def log(self) -> Path:
        return self.server.log

    def page_url(self) -> str:
        relative = self.notebook.relative_to(self.root).as_posix()
        return f"{self.server.url}/lab/tree/{relative}?token={self.server.token}"


@pytest.fixture
def lab_server(
    released_course: Path, student_copy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    """JupyterLab serving a student's copy of first-paycheck, configured as the course."""
    folder = student_copy(ASSIGNMENT, STUDENT)
    state = tmp_path_factory.mktemp("jupyter-state")
    with jupyter_lab(released_course, folder.parent.parent, state) as server:
        yield LabServer(server, folder / f"{ASSIGNMENT}.ipynb")


# --- JupyterLab in the page ------------------------------------------------------------
# JupyterLab's state is read through window.jupyterapp (--LabApp.expose_app_in_browser)
# and the DOM. Cells run from the menus and every answer goes through the widgets.
# What notebook shortcuts would change: the number of cells, their kinds, the active cell.
NOTEBOOK_STATE = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cells = notebook.model.cells;
  const kinds = [];
  for (let i = 0; i < cells.length; i++) kinds.push(cells.get(i).type);
  return {kinds: kinds.join(','), active: notebook.activeCellIndex, mode: notebook.mode};
}"""

SAVED = "() => !window.jupyterapp.shell.currentWidget.context.model.dirty"

# axe-core over the whole page. Each failing node says whether it is CareerLab's.
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  const ours = '.careerlab-task, .careerlab-notice, .careerlab-progress, .careerlab-status';
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => {
      const selector = n.target[n.target.length - 1];
      const node = typeof selector === 'string' ? document.querySelector(selector) : null;
      return {target: n.target.join(' '), html: n.html.slice(0, 200), impact: n.impact,
              careerlab: !!(node && node.closest(ours)), summary: n.failureSummary};
    }),
  }));
}"""


def open_notebook(page, server: LabServer) -> None:
    """Wait until the workbook is open with an idle kernel, choosing the kernel if asked."""
    path = server.notebook.relative_to(server.root).as_posix()
    wait_for_idle_kernel(page, path, "the notebook to open with an idle kernel", timeout=60)


def menu(page, top: str, item: str) -> None:
    """Choose an item from JupyterLab's menu bar, as a person does."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}")).click()


def run_all(page, *, restart: bool = False) -> None:
    """Run > Run All Cells, or Kernel > Restart Kernel and Run All Cells…; wait for the end."""
    page.evaluate(MARK_STALE)
    if restart:
        menu(page, "Kernel", "Restart Kernel and Run All Cells")
        dialog = page.locator(".jp-Dialog", has_text="Restart Kernel?")
        dialog.locator(".jp-mod-accept").click(timeout=10_000)
    else:
        menu(page, "Run", "Run All Cells")
    wait_for_run(page, TASKS, progress=True, timeout=60)


def task(page, kind: str):
    """The widget box of the workbook's first task of this kind (the one this test answers)."""
    return page.locator(f".careerlab-task.careerlab-{kind}").first


def status(page, kind: str):
    return task(page, kind).locator(".careerlab-status")


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.outerHTML.slice(0, 160)")


# --- What the student does and what must hold ------------------------------------------
STATE_LOOK = """el => { const s = getComputedStyle(el); const icon = el.querySelector(
  '.careerlab-status-icon'); return [el.className, s.color, s.backgroundColor,
  icon ? icon.textContent + '|' + icon.getAttribute('aria-label') : ''] }"""


def states_look_different(page, number, expect) -> None:
    """Enter on the empty box says what is needed; a percent typed for dollars (saved, check
    this), a word (a problem) and a number (saved) each look different on the page: class,
    colour, background and icon with its spoken words (tests/tasks/test_status.py checks
    the colours' contrast). Ends with 12 saved and the box empty for the real answer."""
    shown = status(page, "number")
    number.click()
    page.keyboard.press("Enter")
    expect(shown).to_contain_text("type a number in dollars")
    looks = {}
    for text, state in (("12%", "check"), ("forty", "problem"), ("12", "saved")):
        number.fill(text)
        number.press("Enter")
        expect(shown).to_have_class(re.compile(f"careerlab-status-{state}"))
        looks[state] = shown.evaluate(STATE_LOOK)[1:]
    for part in range(3):  # colour, background, icon: each differs between the three
        assert len({look[part] for look in looks.values()}) == 3, looks
    assert looks["saved"][0] == "rgb(27, 94, 32)" and looks["problem"][0] == "rgb(183, 28, 28)"
    number.fill("")


def answer_every_task(page, expect) -> None:
    """Answer each task through its widget. The short text is done with the keyboard only."""
    choice = task(page, "choice")
    choice.get_by_label(NET_PAY_LABEL).check()
    expect(status(page, "choice")).to_contain_text("✓ Saved")

    number = task(page, "number").get_by_label("Your answer")
    states_look_different(page, number, expect)
    number.click()
    page.keyboard.type("$496.00")
    page.keyboard.press("Enter")  # continuous_update=False: Enter commits the value
    expect(status(page, "number")).to_contain_text("✓ Saved $496.00")

    # Keyboard only: Tab moves on from the number box to the short-text box.
    page.keyboard.press("Tab")
    short = task(page, "short-text").get_by_label("Your answer")
    expect(short, f"Tab went to {focused(page)}").to_be_focused()
    page.keyboard.type("FICA")
    page.keyboard.press("Enter")
    expect(status(page, "short-text")).to_contain_text("✓ Saved")

    data = task(page, "data-analysis")
    # The menu shows the datasheet's label, not net_pay.
    data.get_by_label("Column").select_option("Net pay (take-home, dollars)")
    data.get_by_label("Summary").select_option(label="Total (add them up)")
    expect(data).to_contain_text("Result: $2,136.42")
    data.get_by_role("button", name="Use this as my answer").click()
    expect(status(page, "data-analysis")).to_contain_text("✓ Saved $2,136.42")

    plan = task(page, "long-text")
    # Prose is written in the reading font (workbook.css), not a browser's monospace.
    font = plan.get_by_label("Your response").evaluate("el => getComputedStyle(el).fontFamily")
    assert "monospace" not in font.casefold(), font
    plan.get_by_label("Your response").click()
    page.keyboard.type(PLAN)
    expect(plan).to_contain_text(f"{len(PLAN.split())} words")
    expect(status(page, "long-text")).to_contain_text("✓ Saved")

    reflection = task(page, "career-fit")
    reflection.get_by_label("What did you like about this work?").fill(LIKED)
    reflection.get_by_label("What would you need to learn to do this job?").fill(LEARN)
    reflection.get_by_label("Maybe").check()
    expect(status(page, "career-fit")).to_contain_text("✓ Saved")


EXPECTED = {
    "net-pay": ("choice", "take-home"),
    "gross-pay": ("number", 496.0),
    "fica": ("short_text", "FICA"),
    "total-net": ("data_analysis", 2136.42),
    "paycheck-plan": ("long_text", PLAN),
    "career-fit": ("career_fit", {"liked": LIKED, "learn": LEARN, "would_try": "maybe"}),
}


def check_answers_file(path: Path, expected: dict[str, tuple[str, Any]] = EXPECTED) -> None:
    """Poll the answers file until it holds exactly the expected answers."""
    last: list[Any] = [None]

    def holds_them() -> dict[str, Any] | None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))["answers"]
        except (OSError, ValueError, KeyError):
            return None  # not written yet, or caught between writes
        last[0] = {key: (e.get("kind"), e.get("value")) for key, e in stored.items()}
        return stored if last[0] == expected else None

    try:
        stored = wait_until(holds_them, f"{path.name} to hold the answers", timeout=15)
    except AssertionError as error:
        raise AssertionError(f"{error} Last read: {last[0]!r}") from None
    assert stored["total-net"]["via"] == "widgets"
    assert stored["total-net"]["query"] == {"column": "net_pay", "statistic": "sum"}


def check_widgets_show_answers(page, expect) -> None:
    expect(task(page, "choice").get_by_label(NET_PAY_LABEL)).to_be_checked()
    expect(task(page, "choice").get_by_role("radio", checked=True)).to_have_count(1)
    expect(task(page, "number").get_by_label("Your answer")).to_have_value("496")
    expect(task(page, "short-text").get_by_label("Your answer")).to_have_value("FICA")
    expect(task(page, "long-text").get_by_label("Your response")).to_have_value(PLAN)
    expect(task(page, "long-text")).to_contain_text(f"{len(PLAN.split())} words")
    reflection = task(page, "career-fit")
    expect(reflection.get_by_label("What did you like about this work?")).to_have_value(LIKED)
    expect(reflection.get_by_label("Maybe")).to_be_checked()
    data = task(page, "data-analysis")
    expect(data.get_by_label("Column")).to_have_value("Net pay (take-home, dollars)")
    # ipywidgets uses the option labels as the <select>'s values.
    expect(data.get_by_label("Summary")).to_have_value("Total (add them up)")
    expect(data).to_contain_text("Result: $2,136.42")
    # Not the data task: the notebook's code-path cell runs wb.record(..., None) after
    # it, which replaces that status with "No answer from your code yet: ...".
    for kind in ("choice", "number", "short-text", "long-text"):
        expect(status(page, kind)).to_have_text("✓ Your saved answer is shown.")


def answer_again_with_keyboard(page, expect, answers: Path) -> None:
    """After the reload: the widgets still talk to the kernel, and Tab, Space and Enter
    are enough to answer. Each ipywidgets radio button is its own Tab stop."""
    # The data task: Tab from the short-text box to its first menu (the Markdown cell
    # between them can take a Tab stop of its own in Chromium), then through both menus
    # to the button.
    task(page, "short-text").get_by_label("Your answer").focus()
    data = task(page, "data-analysis")
    column = data.get_by_label("Column")
    for _ in range(3):
        page.keyboard.press("Tab")
        if column.evaluate("element => element === document.activeElement"):
            break
    expect(column, f"Tab went to {focused(page)}").to_be_focused()
    for target in (
        data.get_by_label("Summary"),
        data.get_by_role("button", name="Use this as my answer"),
    ):
        page.keyboard.press("Tab")
        expect(target, f"Tab went to {focused(page)}").to_be_focused()
    page.keyboard.press("Enter")
    expect(status(page, "data-analysis")).to_have_text("✓ Saved $2,136.42 as your answer.")

    # The choice task: Tab to the next option and press Space, then back again.
    choice = task(page, "choice")
    yearly = choice.get_by_label("The pay you will earn in a whole year")
    choice.get_by_label(NET_PAY_LABEL).focus()
    page.keyboard.press("Tab")
    expect(yearly, f"Tab went to {focused(page)}").to_be_focused()
    page.keyboard.press("Space")
    expect(yearly).to_be_checked()
    check_answers_file(answers, {**EXPECTED, "net-pay": ("choice", "yearly")})
    page.keyboard.press("Shift+Tab")
    expect(choice.get_by_label(NET_PAY_LABEL)).to_be_focused()
    page.keyboard.press("Space")
    expect(choice.get_by_label(NET_PAY_LABEL)).to_be_checked()
    check_answers_file(answers)


def keys_stay_in_the_task(page, expect, answers: Path) -> None:
    """With focus on a task's menu or radio button, arrow keys change the answer and
    letters do nothing to the notebook (careerlab/workbook/keyboard.py takes JupyterLab's
    command-mode shortcuts away from tasks); outside tasks the shortcuts still work."""
    summary = task(page, "data-analysis").get_by_label("Summary")
    summary.focus()
    before = page.evaluate(NOTEBOOK_STATE)
    assert before["mode"] == "command", before  # where JupyterLab's shortcuts would act
    start = summary.input_value()
    page.keyboard.press("ArrowDown")
    expect(summary, "ArrowDown changes the menu's choice").not_to_have_value(start)
    page.keyboard.press("ArrowUp")
    expect(summary).to_have_value(start)
    choice = task(page, "choice")
    choice.get_by_label(NET_PAY_LABEL).focus()  # makes its cell active
    before = page.evaluate(NOTEBOOK_STATE)
    # A (insert above), B (below), M (to Markdown), D D (delete), X (cut), J and K (move).
    for key in ("a", "b", "m", "d", "d", "x", "j", "k"):
        page.keyboard.press(key)
    assert page.evaluate(NOTEBOOK_STATE) == before
    expect(choice.get_by_label(NET_PAY_LABEL)).to_be_focused()
    # Arrow keys choose among radio buttons, as on any web page, and the answer is saved.
    yearly = choice.get_by_label("The pay you will earn in a whole year")
    page.keyboard.press("ArrowDown")
    expect(yearly).to_be_focused()
    expect(yearly).to_be_checked()
    check_answers_file(answers, {**EXPECTED, "net-pay": ("choice", "yearly")})
    page.keyboard.press("ArrowUp")
    expect(choice.get_by_label(NET_PAY_LABEL)).to_be_checked()
    check_answers_file(answers)
    assert page.evaluate(NOTEBOOK_STATE) == before
    # Outside a task, in command mode, ArrowDown still moves to the next cell.
    page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()
    first = page.evaluate(NOTEBOOK_STATE)
    page.keyboard.press("ArrowDown")
    moved = page.evaluate(NOTEBOOK_STATE)
    assert (first["mode"], moved["active"]) == ("command", first["active"] + 1), (first, moved)


def check_accessibility(page) -> None:
    """axe-core: print every violation; fail on serious or critical ones in CareerLab's output."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    ours = []
    for violation in violations:
        print(f"axe {violation['impact']}: {violation['id']} ({violation['help']})")
        for node in violation["nodes"]:
            where = "CareerLab" if node["careerlab"] else "JupyterLab"
            print(f"    [{where}] {node['target']}")
            if node["careerlab"] and node["impact"] in ("serious", "critical"):
                ours.append(f"{violation['id']}: {node['html']}\n{node['summary']}")
    assert not ours, "Serious accessibility problems in CareerLab widgets:\n" + "\n".join(ours)


# --- The test ----------------------------------------------------------------------------
def test_student_answers_survive_restart_and_reload(lab_server: LabServer, tmp_path: Path):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    with chromium_page(tmp_path) as page:
        try:
            student_session(page, lab_server, expect)
        except BaseException:
            print(f"Screenshot: {tmp_path / 'failure.png'}\nServer log: {lab_server.log}")
            raise


# Each output that shows a widget, on show in the notebook: (inert, has a note before it).
GONE_KERNEL_MARKS = """() => [...document.querySelectorAll('.careerlab-task')].map(task => {
  const output = task.closest('.jp-OutputArea-output');
  const note = output.previousElementSibling;
  return [output.inert, !!(note && note.classList.contains('careerlab-stale-note'))];
})"""


def test_widgets_of_a_restarted_kernel_take_no_answers(lab_server: LabServer, tmp_path: Path):
    """After Kernel > Restart Kernel, JupyterLab still draws the old kernel's widgets and a
    click there would be saved by no one (seen: chosen on screen, old "Saved" line, nothing
    on disk). CareerLab's JupyterLab extension (careerlab.workbook.lab_extension) makes them
    inert with a note saying what to do; Run All draws live ones again."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    answers = lab_server.notebook.with_name(f"{ASSIGNMENT}.answers.json")
    with chromium_page(tmp_path) as page:
        page.goto(lab_server.page_url())
        open_notebook(page, lab_server)
        run_all(page)
        choice = task(page, "choice")
        choice.get_by_label(NET_PAY_LABEL).check()
        expect(status(page, "choice")).to_contain_text("✓ Saved")
        saved = answers.read_text(encoding="utf-8")
        assert page.evaluate(GONE_KERNEL_MARKS) == [[False, False]] * TASKS

        menu(page, "Kernel", "Restart Kernel…")
        page.locator(".jp-Dialog", has_text="Restart Kernel?").locator(".jp-mod-accept").click()
        open_notebook(page, lab_server)  # the new kernel is idle; no cell ran
        assert page.evaluate(GONE_KERNEL_MARKS) == [[True, True]] * TASKS
        note = page.locator(".careerlab-stale-note").first
        expect(note).to_contain_text("Run All Cells")
        expect(note).to_have_attribute("role", "status")
        other = choice.get_by_role("radio").nth(0)
        other.click(force=True)  # a mouse click where the option is drawn
        expect(other).not_to_be_checked()
        page.wait_for_timeout(1_000)
        assert answers.read_text(encoding="utf-8") == saved

        run_all(page)  # live widgets again, the saved answer on show, and they save
        assert page.evaluate(GONE_KERNEL_MARKS) == [[False, False]] * TASKS
        expect(choice.get_by_label(NET_PAY_LABEL)).to_be_checked()
        choice.get_by_role("radio").nth(0).check()
        expect(status(page, "choice")).to_contain_text("✓ Saved")
        assert answers.read_text(encoding="utf-8") != saved


def student_session(page, server: LabServer, expect) -> None:
    answers = server.notebook.with_name(f"{ASSIGNMENT}.answers.json")
    page.goto(server.page_url())
    open_notebook(page, server)
    run_all(page)
    expect(page.locator(".careerlab-progress")).to_contain_text(f"0 of {TASKS} tasks answered")

    answer_every_task(page, expect)
    check_answers_file(answers)

    # A fresh kernel reads the answers file and every widget shows its answer again.
    run_all(page, restart=True)
    expect(page.locator(".careerlab-progress")).to_contain_text(
        f"{ANSWERED} of {TASKS} tasks answered"
    )
    check_widgets_show_answers(page, expect)

    # Save (as the workbook tells students to), reload the page: the kernel lives on
    # and JupyterLab draws the saved widget outputs from it, without running anything.
    page.keyboard.press("Control+s")
    page.wait_for_function(SAVED, timeout=15_000)
    page.reload()
    open_notebook(page, server)
    expect(page.locator(".careerlab-task")).to_have_count(TASKS)
    check_widgets_show_answers(page, expect)

    answer_again_with_keyboard(page, expect, answers)
    keys_stay_in_the_task(page, expect, answers)
    check_accessibility(page)
